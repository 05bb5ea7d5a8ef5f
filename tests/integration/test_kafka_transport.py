"""The Kafka transport against a real broker and PostgreSQL: convergence with the in-process
follower, the envelope and its schema, and dead letters."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import jsonschema
import pytest
from kafka import KafkaConsumer, KafkaProducer

from consumers.topics import dead_letter_topic
from domain.complaint import Complaint
from tests.support.kafka import (
    TODAY,
    caught_up,
    deployment,
    end_offsets,
    in_process,
    projector,
    record_history,
    relay_all,
    services_over,
    table_contents,
    wait_until,
)

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "envelope.schema.json"


def read_topic(bootstrap: str, topic: str, count: int) -> list[object]:
    """``count`` messages of a topic, from the beginning."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=20_000,
    )
    messages = []
    try:
        for message in consumer:
            messages.append(message)
            if len(messages) >= count:
                break
    finally:
        consumer.close()
    return messages


def test_read_models_built_through_kafka_equal_the_in_process_ones(
    postgres_url: str, kafka_bootstrap: str
) -> None:
    with deployment(postgres_url, kafka_bootstrap, partitions=4) as d:
        store = d.store()
        record_history(services_over(store), cadres=150)
        position = store.position()
        assert relay_all(d, store, batch_size=300) == position
        ends = end_offsets(d.bootstrap, d.topic)
        assert sum(ends.values()) == position, "each event published once"
        assert sum(1 for e in ends.values() if e) >= 3, "events spread over the partitions"
        # A relay that died after the broker's acknowledgement but before recording it
        # publishes the second half again.
        d.relay_log().record(d.topic, position // 2)
        relay_all(d, store, batch_size=300)
        ends = end_offsets(d.bootstrap, d.topic)
        assert sum(ends.values()) == position + position - position // 2

        views = d.views()
        with projector(d, store, views, batch_size=150) as member:
            wait_until(lambda: caught_up(views, d.group, d.topic, ends), 90, "the projector")
        assert member.sink.skipped == position - position // 2  # type: ignore[attr-defined]

        through_kafka = table_contents(views)
        assert through_kafka == in_process(store, d.views("_ref"))
        assert all(through_kafka[name] for name in ("cadres", "timeline", "complaints", "posts"))


def test_envelopes_match_the_schema_and_never_carry_the_reporter(
    postgres_url: str, kafka_bootstrap: str
) -> None:
    with deployment(postgres_url, kafka_bootstrap, partitions=3) as d:
        store = d.store()
        services = services_over(store)
        record_history(services, cadres=5)
        relay_all(d, store)
        messages = read_topic(d.bootstrap, d.topic, store.position())
        validator = jsonschema.Draft202012Validator(
            json.loads(SCHEMA.read_text()), format_checker=jsonschema.FormatChecker()
        )
        envelopes = []
        for m in messages:
            doc = json.loads(m.value)  # type: ignore[attr-defined]
            validator.validate(doc)
            assert m.key == doc["originator_id"].encode()  # type: ignore[attr-defined]
            envelopes.append(doc)
        assert sorted(e["position"] for e in envelopes) == list(range(1, store.position() + 1))

        filed = [e for e in envelopes if e["type"] == "ComplaintFiled"]
        assert len(filed) == 6
        secrets = []
        for e in filed:
            assert not {"reporter_sealed", "receipt_fingerprint"} & set(e["state"])
            complaint = store.load(Complaint, uuid.UUID(e["originator_id"]), "complaint")
            secrets.append(complaint.receipt_fingerprint)
            if complaint.reporter_sealed:
                secrets.append(complaint.reporter_sealed)
        assert len(secrets) == 9  # six fingerprints, three named reporters' sealed tokens
        every_byte = b"".join(m.value for m in messages)  # type: ignore[attr-defined]
        for secret in secrets:
            assert secret.encode() not in every_byte
        assert b"13800000000" not in every_byte and "张三".encode() not in every_byte

        # The schema itself refuses an envelope that would carry the token.
        leaky = {**filed[0], "state": {**filed[0]["state"], "reporter_sealed": "x"}}
        assert not validator.is_valid(leaky)


def test_a_poison_message_is_dead_lettered_and_later_messages_are_applied(
    postgres_url: str, kafka_bootstrap: str
) -> None:
    with deployment(postgres_url, kafka_bootstrap, partitions=3) as d:
        store = d.store()
        services = services_over(store)
        record_history(services, cadres=4)
        relay_all(d, store)
        cadre = services.personnel.cadre("K0000001")
        key = str(cadre.id).encode()
        head = {
            "envelope_version": 1, "position": store.position() + 1000,
            "originator_id": str(cadre.id), "originator_version": cadre.version + 1,
            "recorded_at": "2026-11-26T12:00:00+00:00",
        }  # fmt: skip
        poison = [
            b"{not json",
            json.dumps({**head, "topic": "os:system", "type": "system", "state": {}}).encode(),
            # A real event class, but a state the careers projection cannot apply.
            json.dumps(
                {**head, "topic": "domain.cadre_events:Seconded", "type": "Seconded", "state": {}}
            ).encode(),
        ]
        producer = KafkaProducer(bootstrap_servers=d.bootstrap, acks="all")
        for value in poison:
            producer.send(d.topic, key=key, value=value).get(timeout=30)
        producer.close()
        # Events recorded after the poison, about the same cadre (so the same partition).
        services.personnel.admonish(
            "inspector", "K0000001", on=TODAY, authority="县纪委", reason="迟到"
        )
        relay_all(d, store)
        ends = end_offsets(d.bootstrap, d.topic)

        views = d.views()
        with projector(d, store, views, batch_size=50):
            wait_until(lambda: caught_up(views, d.group, d.topic, ends), 90, "the projector")

        assert table_contents(views) == in_process(store, d.views("_ref"))
        dead = read_topic(d.bootstrap, dead_letter_topic(d.topic), 3)
        assert sorted(m.value for m in dead) == sorted(poison)  # type: ignore[attr-defined]
        errors = [dict(m.headers)["jiandu.error_type"] for m in dead]  # type: ignore[attr-defined]
        assert sorted(errors) == [b"AttributeError", b"BadEnvelope", b"BadEnvelope"]
        for m in dead:
            headers = dict(m.headers)  # type: ignore[attr-defined]
            assert headers["jiandu.group"] == d.group.encode()
            assert headers["jiandu.source"].startswith(f"{d.topic}/".encode())
