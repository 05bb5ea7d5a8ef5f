"""The supervision process fed from Kafka while commands are being recorded records the same
finding events as the process in an embedded `jiandu serve` given the same commands: not only
the same register in the end, but no finding withdrawn and raised again on the way (a finding
that flaps writes false events into the audit trail). A sweep runs meanwhile, as the daily one
does under the Kafka transport, in a process that only reads."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest

from api.bootstrap import Platform, build, build_member
from api.settings import Settings
from consumers.relay import Relay, new_producer
from domain.services import Services
from domain.store import Store
from tests.support.kafka import CLERK, Deployment, deployment, register_units, services_over

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

TODAY = date(2026, 11, 20)
CADRES = 45
PATIENCE_S = 300.0  # how long the groups may take to drain on a loaded machine


def career(services: Services, i: int, towns: list[str]) -> None:
    """One cadre's commands in order; some secondments and admonishments break rules."""
    personnel, code, town = services.personnel, f"K{i:05d}", towns[i % len(towns)]
    start = date(2008, 1, 1) + timedelta(days=i * 7)
    personnel.register_cadre(CLERK, code=code, name=f"干部{i}", gender="male",
                             birth_date=date(1984, 6, 1))  # fmt: skip
    personnel.recruit(CLERK, code, effective_date=start, unit=town, channel="exam")
    personnel.complete_probation(CLERK, code, effective_date=start + timedelta(days=365))
    personnel.appoint(
        CLERK, code, unit=town, post=f"P{i % 4}", kind="lateral",
        effective_date=start + timedelta(days=800), decided_on=start + timedelta(days=790),
        document_no=f"任〔{i}〕号",
    )  # fmt: skip
    personnel.record_review(CLERK, code, year=2024, rating="competent")
    if i % 3 == 0:
        end = date(2026, 2, 28) if i % 2 == 0 else None
        personnel.second(CLERK, code, host_unit="C-ORG", start_date=date(2025, 9, 1),
                         planned_end_date=end, purpose="专项")  # fmt: skip
    if i % 5 == 0:
        personnel.admonish(CLERK, code, on=date(2025, 3, 1), authority="县纪委", reason="作风")


def record_careers(services: Services, towns: list[str], writers: int = 3) -> None:
    """Every cadre's commands, the cadres dealt among concurrent writers."""
    threads = [
        threading.Thread(
            target=lambda k=k: [career(services, i, towns) for i in range(k, CADRES, writers)]
        )
        for k in range(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def finding_events(store: Store) -> Counter[tuple[str, str]]:
    """Every finding event as (event type, finding id)."""
    return Counter(
        (n.topic.rsplit(":", 1)[1], str(n.originator_id))
        for n in store.recorder.select_notifications(start=1, limit=1_000_000)
        if n.topic.startswith("domain.finding:")
    )


def drained(platform: Platform) -> Callable[[], bool]:
    def check() -> bool:
        head = platform.store.position()
        return all(r.position() >= head for r in platform.followers.runners.values()
                   if r.name in ("read_models", "supervision"))  # fmt: skip

    return check


def wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.5)


@contextmanager
def running(d: Deployment, store: Store, platforms: list[Platform]) -> Iterator[None]:
    """The relay and a projector and a supervisor member, each in a thread."""
    stop = threading.Event()
    relay = Relay(store, lambda: new_producer(d.bootstrap), d.relay_log(), d.topic)
    members = [build_member(platforms[0], "projector", 100),
               build_member(platforms[1], "supervisor", 100)]  # fmt: skip
    threads = [threading.Thread(target=relay.run, args=(stop,), kwargs={"interval": 0.05})]
    threads += [threading.Thread(target=m.run, args=(stop,)) for m in members]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def kafka_run(d: Deployment) -> Counter[tuple[str, str]]:
    settings = Settings(**{**d.settings.model_dump(), "transport": "kafka", "today": TODAY})
    store = d.store()
    services = services_over(store)
    towns = register_units(services, townships=4)
    with build(settings) as projecting, build(settings) as supervising, build(settings) as api:
        with running(d, store, [projecting, supervising]):
            sweeping = threading.Thread(target=lambda: (time.sleep(0.5), api.supervision.sweep()))
            sweeping.start()  # the daily sweep, while the groups are still behind
            record_careers(services, towns)
            sweeping.join()
            wait(drained(api), "the groups reaching the head")
        return finding_events(store)


def embedded_run(folder: Path) -> Counter[tuple[str, str]]:
    settings = Settings(env="test", data_dir=folder, today=TODAY, supervise=True)
    with build(settings) as platform:
        services = services_over(platform.store)
        towns = register_units(services, townships=4)
        platform.followers.start(["read_models", "supervision"])
        record_careers(services, towns)
        wait(drained(platform), "the followers reaching the head")
        return finding_events(platform.store)


def test_kafka_and_in_process_supervision_record_the_same_finding_events(
    postgres_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    with deployment(postgres_url, kafka_bootstrap, partitions=6) as d:
        through_kafka = kafka_run(d)
    in_process = embedded_run(tmp_path)
    kinds = Counter(kind for kind, _ in in_process.elements())
    assert kinds["FindingRaised"] > CADRES, "the careers break rules: findings are raised"
    assert set(kinds) == {"FindingRaised"}, "nothing in these histories withdraws a finding"
    assert through_kafka == in_process
