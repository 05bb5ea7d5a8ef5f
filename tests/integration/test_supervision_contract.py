"""The supervision process per store adapter: positioned histories, atomic tracking, exactly once.

``SupervisionContract`` holds the tests; SQLite and PostgreSQL subclasses only say where the
event store and the read models live. Each test opens the platform twice over the same
databases (two replicas), the way two API processes would.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
import pytest
from psycopg import sql

from api.vault import AesGcmVault
from domain.clock import FixedClock
from domain.errors import ConcurrentWrite
from domain.ids import cadre_id
from domain.services import Services
from domain.store import Store
from projections.following import Runner
from projections.registry import read_models
from projections.rules_config import load_parameters
from projections.source import StoreSource
from projections.sql import PostgresViews, SqliteViews, SqlViews
from projections.supervision import Supervision

TODAY = date(2026, 11, 26)
CLERK = "clerk-contract"


@dataclass
class Replica:
    """One process's view of the shared databases."""

    store: Store
    services: Services
    views: SqlViews
    follower: Runner
    supervision: Supervision

    def settle(self) -> None:
        self.follower.catch_up()
        self.supervision.runner.catch_up()
        self.follower.catch_up()

    def raised(self) -> Counter[str]:
        rows = self.store.recorder.select_notifications(start=1, limit=100_000)
        return Counter(str(n.originator_id) for n in rows if n.topic.endswith(":FindingRaised"))


class SupervisionContract:
    """What the supervision process must do over every store adapter."""

    @pytest.fixture
    def open_replica(self) -> Callable[[], Replica]:
        raise NotImplementedError

    @pytest.fixture
    def replica(self, open_replica: Callable[[], Replica]) -> Replica:
        first = open_replica()
        org = first.services.organisation
        org.register_unit(CLERK, code="C2", name="县财政局", level="county", kind="department")
        org.register_unit(CLERK, code="T1", name="青石镇", level="township", kind="government")
        return first

    def test_findings_cite_global_positions_and_a_retraction_withdraws_them(
        self, replica: Replica
    ) -> None:
        personnel = replica.services.personnel
        personnel.register_cadre(
            CLERK, code="A", name="甲", gender="f", birth_date=date(1990, 1, 1)
        )
        recruited = personnel.recruit(CLERK, "A", effective_date=date(2025, 3, 1), unit="T1",
                                      channel="exam")  # fmt: skip
        seconded = personnel.second(CLERK, "A", host_unit="C2", start_date=date(2026, 6, 1))
        replica.settle()
        reads = replica.supervision.reads
        [early] = reads.list(rule="R-SEC-03")[0]
        assert early["evidence"] == [recruited.position, seconded.position]
        personnel.retract(CLERK, "A", position=seconded.position, reason="误录")
        replica.settle()
        statuses = {f["rule"]: f["status"] for f in reads.list(rule="R-SEC-*")[0]}
        assert set(statuses) == {"R-SEC-01", "R-SEC-02", "R-SEC-03", "R-SEC-07"}
        assert set(statuses.values()) == {"withdrawn"}
        assert replica.supervision.supervisor.position() <= replica.store.position()

    def test_a_history_read_stops_at_a_position(self, replica: Replica) -> None:
        personnel = replica.services.personnel
        mine = [personnel.register_cadre(CLERK, code="A", name="甲", gender="f",
                                         birth_date=date(1990, 1, 1)).position]  # fmt: skip
        personnel.register_cadre(CLERK, code="B", name="乙", gender="f",
                                 birth_date=date(1990, 1, 1))  # fmt: skip
        mine.append(personnel.recruit(CLERK, "A", effective_date=date(2025, 3, 1), unit="T1",
                                      channel="exam").position)  # fmt: skip
        positioned = replica.store.positioned
        assert [p for p, _ in positioned(cadre_id("A"))] == mine
        assert [p for p, _ in positioned(cadre_id("A"), upto=mine[1] - 1)] == mine[:1]
        assert positioned(cadre_id("A"), upto=mine[0] - 1) == []
        together = replica.store.positioned_many([cadre_id("A"), cadre_id("B")], mine[1] - 1)
        assert [p for p, _ in together[cadre_id("A")]] == mine[:1]
        assert len(together[cadre_id("B")]) == 1

    def test_two_replicas_racing_record_each_finding_once(
        self, replica: Replica, open_replica: Callable[[], Replica]
    ) -> None:
        personnel = replica.services.personnel
        for n in range(5):
            personnel.register_cadre(CLERK, code=f"A{n}", name="甲", gender="f",
                                     birth_date=date(1990, 1, 1))  # fmt: skip
            personnel.recruit(CLERK, f"A{n}", effective_date=date(2025, 3, 1), unit="T1",
                              channel="exam")  # fmt: skip
            personnel.second(CLERK, f"A{n}", host_unit="C2", start_date=date(2026, 6, 1))
        replica.follower.catch_up()
        others = [open_replica(), open_replica()]
        for other in others:
            other.supervision.runner.batch_size = 4
        threads = [threading.Thread(target=o.supervision.runner.catch_up) for o in others]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        replica.settle()
        counts = replica.raised()
        # R-SEC-01, -02, -03, -04, -07, R-TOWN-06 and R-DATA-01 per cadre
        assert len(counts) == 5 * 7
        assert set(counts.values()) == {1}
        head = replica.store.position()
        replica.settle()
        replica.supervision.sweep()
        assert replica.store.position() == head

    def test_a_finding_a_rival_raised_after_the_index_was_read_is_not_raised_twice(
        self, replica: Replica, open_replica: Callable[[], Replica]
    ) -> None:
        # The process does not look in the store for a candidate its finding index never saw
        # raised: a rival raising it between the index's refresh and the save makes the save
        # fail whole, and the work judged again finds the rival's finding.
        personnel = replica.services.personnel
        personnel.register_cadre(CLERK, code="A", name="甲", gender="f",
                                 birth_date=date(1990, 1, 1))  # fmt: skip
        personnel.recruit(CLERK, "A", effective_date=date(2025, 3, 1), unit="T1",
                          channel="exam")  # fmt: skip
        personnel.second(CLERK, "A", host_unit="C2", start_date=date(2026, 6, 1))
        replica.follower.catch_up()
        late, rival = open_replica().supervision.supervisor, open_replica()
        head = replica.store.position()
        batch = list(replica.store.positioned(cadre_id("A")))
        work = late.judge(batch, in_order=False)  # the index read before the rival's save
        assert work.tally.raised >= 4
        rival.supervision.runner.catch_up()
        assert replica.store.position() > head
        with pytest.raises(ConcurrentWrite):
            late.save(work, None)
        again = late.judge(batch, in_order=False)
        assert again.tally.raised == 0 and again.changed() == []
        assert set(replica.raised().values()) == {1}


def _replica(store_env: dict[str, str], views: Callable[[], SqlViews]) -> Replica:
    clock = FixedClock.on(TODAY)
    store = Store(env=dict(store_env))
    services = Services.over(store, clock, AesGcmVault.from_secret("supervision-contract"))
    built = views()
    follower = read_models(StoreSource(store), built)
    supervision = Supervision.build(store, built, clock, load_parameters())
    return Replica(store, services, built, follower, supervision)


class TestSQLiteSupervision(SupervisionContract):
    """The embedded store and views: SQLite files shared by the replicas."""

    @pytest.fixture
    def open_replica(self, tmp_path: Path) -> Iterator[Callable[[], Replica]]:
        opened: list[Replica] = []
        env = {"PERSISTENCE_MODULE": "projections.recorders:SQLiteFactory",
               "SQLITE_DBNAME": str(tmp_path / "events.sqlite3")}  # fmt: skip

        def make() -> Replica:
            opened.append(_replica(env, lambda: SqliteViews(str(tmp_path / "views.sqlite3"))))
            return opened[-1]

        yield make
        for replica in opened:
            replica.store.close()


@pytest.mark.postgres
class TestPostgresSupervision(SupervisionContract):
    """The distributed store and views: PostgreSQL schemas of their own, dropped afterwards."""

    @pytest.fixture
    def open_replica(self, postgres_url: str) -> Iterator[Callable[[], Replica]]:
        name = f"supervision_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        parts = urlsplit(postgres_url)
        env = {
            "PERSISTENCE_MODULE": "projections.recorders:PostgresFactory",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": name,
        }
        opened: list[Replica] = []

        def make() -> Replica:
            views = lambda: PostgresViews(postgres_url, schema=f"{name}_views")  # noqa: E731
            opened.append(_replica(env, views))
            return opened[-1]

        try:
            yield make
        finally:
            for replica in opened:
                replica.store.close()
                assert isinstance(replica.views, PostgresViews)
                replica.views.close()
            with psycopg.connect(postgres_url, autocommit=True) as conn:
                for schema in (name, f"{name}_views"):
                    conn.execute(
                        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                    )
