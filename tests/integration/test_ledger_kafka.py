"""The audit ledger in distributed mode, against real PostgreSQL and Kafka: the integrator group
builds the same tree as the in-process integrator, commits its offsets (its lag shows, in the
status page too), and
`jiandu consume integrator` runs it until told to stop."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from api.bootstrap import build_transport
from consumers.integrator import IntegratorMember
from projections.ledger.events import StoreLog, leaf_of
from projections.ledger.integrator import CheckpointPolicy, Integrator
from projections.ledger.keys import NoteSigner, write_key
from projections.ledger.offline import leaf_hash, open_checkpoint
from projections.ledger.storage import LedgerTables
from tests.support.kafka import (
    CLERK,
    Deployment,
    deployment,
    end_offsets,
    record_history,
    relay_all,
    services_over,
    wait_until,
)
from tests.unit.ledger.test_proof_properties import reference_root

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
JIANDU = Path(sys.executable).parent / "jiandu"
SIGNER = NoteSigner.generate("kafka.test.jiandu.example/ledger")


@contextmanager
def member(d: Deployment, tables: LedgerTables) -> Iterator[IntegratorMember]:
    """An integrator group member in a thread until the block ends."""
    integrator = Integrator(StoreLog(d.store()), tables, SIGNER, CheckpointPolicy(every=1))
    group = f"{d.group_prefix}-integrator"
    running = IntegratorMember(d.bootstrap, d.topic, integrator, group=group, poll_ms=200)
    stop, errors = threading.Event(), []

    def run() -> None:
        try:
            running.run(stop)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run, name="integrator", daemon=True)
    thread.start()
    try:
        yield running
    finally:
        stop.set()
        thread.join(timeout=60)
        assert not errors, errors


def committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        offsets = admin.list_group_offsets({group: None}).get(group, {})
    finally:
        admin.close()
    return {tp.partition: m.offset for tp, m in offsets.items() if tp.topic == topic}


def test_the_integrator_group_builds_the_in_process_tree_and_commits_its_offsets(
    postgres_url: str, kafka_bootstrap: str
) -> None:
    with deployment(postgres_url, kafka_bootstrap, partitions=3) as d:
        store = d.store()
        services = services_over(store)
        record_history(services, cadres=60)
        tables = LedgerTables(d.views())
        with member(d, tables):
            relay_all(d, store)
            wait_until(lambda: tables.head().position == store.position(), 120, "the ledger")
            for t in range(40):  # more arrive while it runs
                services.organisation.register_unit(
                    CLERK, code=f"X{t:03d}", name=f"新{t}镇", level="township",
                    kind="government", parent="C",
                )  # fmt: skip
            relay_all(d, store)
            wait_until(lambda: tables.head().position == store.position(), 120, "the ledger")
            ends = end_offsets(d.bootstrap, d.topic)
            group = f"{d.group_prefix}-integrator"
            wait_until(lambda: committed(d.bootstrap, group, d.topic) == ends, 120, "offsets")
            with ExitStack() as resources:  # the status page reads them where they are
                transport = build_transport(d.settings, store, d.views(), resources)
                assert transport is not None
                figures = transport.snapshot()["groups"][group]
            assert figures["offsets"] == "kafka" and figures["lag"] == 0, figures
            assert {int(p): f["committed"] for p, f in figures["partitions"].items()} == ends
        reference = LedgerTables(d.views("_ref"))
        Integrator(StoreLog(store), reference, None).catch_up()
        leaves = store.recorder.select_notifications(start=1, limit=100_000)
        assert tables.head() == reference.head()
        root = reference_root([leaf_hash(leaf_of(n)) for n in leaves])
        assert base64.b64decode(tables.head().root) == root
        latest = tables.checkpoint()
        assert latest is not None
        checkpoint, _, _ = open_checkpoint(latest.note, [SIGNER.verifier])
        assert checkpoint.size == tables.head().size
        store.close()


def test_jiandu_consume_integrator_runs_until_told_to_stop(
    postgres_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    key = tmp_path / "ledger.key"
    write_key(key, SIGNER)
    with deployment(postgres_url, kafka_bootstrap, partitions=2) as d:
        store = d.store()
        record_history(services_over(store), cadres=20)
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
        env |= d.environ() | {"JIANDU_LEDGER_KEY_FILE": str(key),
                              "JIANDU_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
        process = subprocess.Popen(
            [str(JIANDU), "consume", "integrator", "--lease-check", "1"], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        tables = LedgerTables(d.views())
        try:
            relay_all(d, store)
            wait_until(lambda: tables.head().position == store.position(), 120, "the ledger")
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        latest = tables.checkpoint()
        assert latest is not None and latest.size == tables.head().size
        store.close()
