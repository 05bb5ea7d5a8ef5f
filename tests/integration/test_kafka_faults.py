"""Faults against real servers: a projector SIGKILLed in the middle of its work, and a broker
restarted while the relay publishes. Afterwards every event's effect is there exactly once:
the read models equal those the in-process follower builds from the same store."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from consumers.relay import Relay, new_producer
from projections.sql import SqlViews
from tests.support.kafka import (
    CLERK,
    Deployment,
    caught_up,
    deployment,
    end_offsets,
    in_process,
    projector,
    record_history,
    register_units,
    relay_all,
    services_over,
    table_contents,
    wait_until,
)
from tests.support.servers import free_port

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
JIANDU = ROOT / ".venv" / "bin" / "jiandu"
KAFKA_SH = ROOT / "deploy" / "local" / "kafka.sh"


def start_projector(d: Deployment, log: Path, batch_size: int) -> subprocess.Popen[bytes]:
    """`jiandu consume projector` as a separate process over the deployment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    env.update(d.environ())
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(JIANDU), "consume", "projector", "--batch-size", str(batch_size)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def applied(views: SqlViews, d: Deployment) -> int:
    """Messages the group has committed, over all partitions."""
    return sum(offset for offset, _ in views.offsets(d.group, d.topic).values())


def test_a_projector_killed_mid_batch_resumes_and_applies_every_event_once(
    postgres_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    with deployment(postgres_url, kafka_bootstrap, partitions=3) as d:
        store = d.store()
        record_history(services_over(store), cadres=500)
        relay_all(d, store)
        ends = end_offsets(d.bootstrap, d.topic)
        total = sum(ends.values())
        views = d.views()
        views.ensure([])
        log = tmp_path / "projector.log"

        first = start_projector(d, log, batch_size=50)
        try:
            deadline = time.monotonic() + 60
            while applied(views, d) == 0 and first.poll() is None:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.01)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        at_kill = applied(views, d)
        assert 0 < at_kill < total, f"killed after {at_kill} of {total}"
        print(f"SIGKILL after {at_kill} of {total} messages were committed")

        second = start_projector(d, log, batch_size=50)
        try:
            wait_until(lambda: caught_up(views, d.group, d.topic, ends), 120, "the restart")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=60) == 0, log.read_text()  # graceful: batch, commit, close
        assert table_contents(views) == in_process(store, d.views("_ref"))


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[tuple[str, Callable[[str], None]]]:
    """A second broker on other ports and in another folder (the shared one stays untouched)."""
    port, controller = free_port(), free_port()
    env = {
        **os.environ,
        "JIANDU_KAFKA_PORT": str(port),
        "JIANDU_KAFKA_CONTROLLER_PORT": str(controller),
        "JIANDU_LOCAL_DIR": str(tmp_path / "stack"),
    }

    def script(action: str) -> None:
        done = subprocess.run(
            ["bash", str(KAFKA_SH), action],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert done.returncode == 0, f"kafka.sh {action}: {done.stderr[-2000:]}"

    script("start")
    try:
        yield f"127.0.0.1:{port}", script
    finally:
        script("stop")


def test_the_relay_rides_out_a_broker_restart_and_nothing_is_lost_or_doubled(
    postgres_url: str, own_broker: tuple[str, Callable[[str], None]]
) -> None:
    bootstrap, broker = own_broker
    with deployment(postgres_url, bootstrap, partitions=3) as d:
        store = d.store()
        services = services_over(store)
        towns = register_units(services, townships=3)
        relay = Relay(store, lambda: new_producer(bootstrap), d.relay_log(), d.topic, batch_size=20)
        stop_relay, stop_writing = threading.Event(), threading.Event()

        def write() -> None:  # commands keep arriving while the broker is away
            n = 0
            while not stop_writing.is_set():
                code = f"W{n:05d}"
                services.personnel.register_cadre(
                    CLERK,
                    code=code,
                    name=f"干部{code}",
                    gender="female",
                    birth_date=date(1990, 1, 1),
                )
                services.personnel.recruit(
                    CLERK, code, effective_date=date(2020, 1, 1), unit=towns[n % 3], channel="exam"
                )
                n += 1
                time.sleep(0.01)

        threads = [
            threading.Thread(target=relay.run, args=(stop_relay, 0.05, 1.0), daemon=True),
            threading.Thread(target=write, daemon=True),
        ]
        for t in threads:
            t.start()
        try:
            wait_until(lambda: relay.log.position(d.topic) > 100, 60, "the relay to publish")
            broker("stop")
            down_at = store.position()
            time.sleep(1)
            broker("start")
            wait_until(lambda: store.position() > down_at + 200, 60, "more commands")
        finally:
            stop_writing.set()
            threads[1].join(timeout=30)
        wait_until(lambda: relay.log.position(d.topic) == store.position(), 180, "the relay")
        stop_relay.set()
        threads[0].join(timeout=30)

        ends = end_offsets(bootstrap, d.topic)
        assert sum(ends.values()) >= store.position()  # the relay may publish twice, never lose
        views = d.views()
        with projector(d, store, views, batch_size=200) as member:
            wait_until(lambda: caught_up(views, d.group, d.topic, ends), 90, "the projector")
        print(f"{store.position()} events, {sum(ends.values())} messages after the restart")
        assert member.sink.skipped == sum(ends.values()) - store.position()  # type: ignore[attr-defined]
        assert table_contents(views) == in_process(store, d.views("_ref"))
