"""The event store's application contract, run once per recorder: SQLite and PostgreSQL.

``StoreContract`` holds the tests; each subclass only says how to reach its database (the
``env`` fixture) and how to read every stored byte (``raw_stored``). The database is shared by
the tests of a class, so every test works with codes of its own and relative positions.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from api.vault import AesGcmVault
from domain import cadre_events as ev
from domain.clock import FixedClock
from domain.errors import ConcurrentWrite, NotFound
from domain.ids import cadre_id
from domain.services import Services
from domain.store import Store
from domain.values import Recording

TODAY = date(2026, 11, 26)
CLERK = "clerk-contract"
EVENTS_TABLE = "jiandu_events"


@dataclass
class Codes:
    """Codes and reporter details unique to one test (the class's database is shared)."""

    tag: str

    def __call__(self, name: str) -> str:
        return f"{name}-{self.tag}"

    @property
    def reporter(self) -> dict[str, str]:
        digits = str(int(self.tag, 16) % 10**8).zfill(8)
        return {"name": f"举报人{self.tag}", "phone": f"139{digits}"}


def world(services: Services, c: Codes) -> None:
    """A county C with township T (posts P1, P2), county C2, and cadre A recruited into T."""
    org, personnel = services.organisation, services.personnel
    org.register_unit(CLERK, code=c("C"), name="县委组织部", level="county", kind="department")
    org.register_unit(CLERK, code=c("C2"), name="县财政局", level="county", kind="department")
    org.register_unit(
        CLERK, code=c("T"), name="某镇", level="township", kind="government", parent=c("C")
    )
    org.establish_post(CLERK, c("T"), code="P1", title="副镇长", category="leadership")
    org.establish_post(CLERK, c("T"), code="P2", title="党委委员", category="leadership")
    personnel.register_cadre(
        CLERK, code=c("A"), name="李四", gender="female", birth_date=date(1995, 3, 4)
    )
    personnel.recruit(CLERK, c("A"), effective_date=date(2020, 7, 1), unit=c("T"), channel="exam")


class StoreContract:
    """What every recorder must do for Jiandu's one event store."""

    @pytest.fixture
    def env(self) -> dict[str, str]:
        raise NotImplementedError

    def raw_stored(self, env: dict[str, str]) -> bytes:
        """Every byte the database holds for the store (files, or every column of every row)."""
        raise NotImplementedError

    @pytest.fixture
    def clock(self) -> FixedClock:
        return FixedClock.on(TODAY)

    @pytest.fixture
    def vault(self) -> AesGcmVault:
        return AesGcmVault.from_secret("contract")

    @pytest.fixture
    def open_services(
        self, env: dict[str, str], clock: FixedClock, vault: AesGcmVault
    ) -> Iterator[Callable[[], Services]]:
        """Services over a NEW Store instance on the same database, each call."""
        opened: list[Store] = []

        def open_() -> Services:
            store = Store(env=dict(env))
            opened.append(store)
            return Services.over(store, clock, vault)

        yield open_
        for store in opened:
            store.close()

    @pytest.fixture
    def services(self, open_services: Callable[[], Services]) -> Services:
        return open_services()

    @pytest.fixture
    def c(self) -> Codes:
        return Codes(uuid.uuid4().hex[:10])

    # -- the tests ---------------------------------------------------------------------------

    def test_a_career_reloads_identically_from_a_new_store(
        self,
        services: Services,
        open_services: Callable[[], Services],
        clock: FixedClock,
        c: Codes,
    ) -> None:
        world(services, c)
        p = services.personnel
        p.appoint(
            CLERK, c("A"), unit=c("T"), post="P1", effective_date=date(2021, 1, 5),
            kind="promotion", decided_on=date(2021, 1, 1), document_no="镇委〔2021〕1号",
        )  # fmt: skip
        sid = p.second(
            CLERK, c("A"), host_unit=c("C"), start_date=date(2021, 3, 1),
            planned_end_date=date(2021, 9, 1), purpose="专项工作",
        ).ids["secondment_id"]  # fmt: skip
        clock.advance(days=30)
        p.extend_secondment(
            CLERK, c("A"), sid, new_planned_end_date=date(2022, 3, 1), decided_on=date(2021, 8, 1)
        )
        p.end_secondment(CLERK, c("A"), sid, end_date=date(2022, 1, 1), reason="recalled")
        wrong = p.transfer(CLERK, c("A"), to_unit=c("C2"), effective_date=date(2022, 6, 1))
        clock.advance(days=1)
        p.retract(CLERK, c("A"), position=wrong.position, reason="调错单位")
        p.transfer(CLERK, c("A"), to_unit=c("C"), effective_date=date(2022, 6, 1))
        p.remove(CLERK, c("A"), unit=c("T"), post="P1", effective_date=date(2022, 6, 1), reason="x")

        before = services.personnel.cadre(c("A"))
        assert before.state.home_unit == c("C")
        assert before.state.secondments[sid].end_date == date(2022, 1, 1)
        assert before.state.posts == {}

        again = open_services()
        after = again.personnel.cadre(c("A"))
        assert after.state == before.state
        assert (after.version, after.retracted) == (before.version, before.retracted)

        def trail(cadre: Any) -> list[tuple[Any, ...]]:
            return [
                (type(f).__name__, f.originator_version, f.timestamp, f.recorded_by, f.effective)
                for f in cadre.facts
            ]

        assert trail(after) == trail(before)
        assert len(after.facts) == 9  # recruited .. removed, with the voided transfer kept
        unit_before, unit_after = (s.organisation.unit(c("T")) for s in (services, again))
        assert unit_after.posts == unit_before.posts and unit_after.version == unit_before.version

    def test_version_is_that_of_the_last_recorded_event(self, services: Services, c: Codes) -> None:
        world(services, c)
        store, cadre = services.store, cadre_id(c("A"))
        assert store.version(cadre) == len(store.history(cadre)) == 2  # registered, recruited
        services.personnel.record_training(
            CLERK, c("A"), start_date=date(2026, 3, 1), days=3, topic="学习"
        )
        assert store.version(cadre) == 3
        assert store.version(cadre_id(c("nobody"))) == 0

    def test_positions_are_one_increasing_sequence_over_all_aggregates(
        self, services: Services, c: Codes
    ) -> None:
        org, personnel, complaints = services.organisation, services.personnel, services.complaints
        start = services.store.position()
        steps = [
            org.register_unit(CLERK, code=c("C"), name="县", level="county", kind="department"),
            personnel.register_cadre(
                CLERK, code=c("A"), name="甲", gender="male", birth_date=date(1990, 1, 1)
            ),
            complaints.file("public", category="c", title="t", body="b", named=False),
            org.establish_post(CLERK, c("C"), code="P1", title="科员", category="non_leadership"),
            personnel.recruit(
                CLERK, c("A"), effective_date=date(2020, 1, 1), unit=c("C"), channel="exam"
            ),
            complaints.file("public", category="c", title="t2", body="b2", named=False),
            org.rename_unit(CLERK, c("C"), name="县委", effective_date=date(2024, 1, 1)),
        ]
        positions = [w.position for w in steps]
        assert positions[0] > start
        assert all(a < b for a, b in itertools.pairwise(positions))
        assert services.store.position() == positions[-1]

        notifications = services.store.recorder.select_notifications(
            start=positions[0], limit=positions[-1] - positions[0] + 1
        )
        ours = [n for n in notifications if n.id in set(positions)]
        assert [n.id for n in ours] == positions
        kinds = [n.topic.rsplit(":", 1)[-1] for n in ours]
        assert kinds == [
            "UnitRegistered", "CadreRegistered", "ComplaintFiled", "PostEstablished",
            "Recruited", "ComplaintFiled", "UnitRenamed",
        ]  # fmt: skip
        assert [n.originator_version for n in ours] == [1, 1, 1, 2, 2, 1, 3]

    def test_notification_at_returns_the_event_at_that_position(
        self, services: Services, c: Codes
    ) -> None:
        world(services, c)
        written = services.personnel.admonish(
            CLERK, c("A"), on=date(2024, 1, 2), authority="县纪委", reason=f"迟到{c.tag}"
        )
        notification = services.store.notification_at(written.position)
        assert notification.id == written.position
        assert notification.originator_id == cadre_id(c("A"))
        assert notification.originator_version == written.version
        event = services.store.decode(notification)
        assert isinstance(event, ev.Admonished)
        assert (event.reason, event.date, event.recorded_by) == (
            f"迟到{c.tag}", date(2024, 1, 2), CLERK,
        )  # fmt: skip
        with pytest.raises(NotFound):
            services.store.notification_at(services.store.position() + 1)

    def test_an_expected_version_mismatch_writes_nothing(
        self, services: Services, c: Codes
    ) -> None:
        world(services, c)
        version = services.personnel.cadre(c("A")).version
        position = services.store.position()
        with pytest.raises(ConcurrentWrite):
            services.personnel.admonish(
                CLERK, c("A"), on=date(2024, 1, 2), authority="a", reason="r",
                expected_version=version - 1,
            )  # fmt: skip
        assert services.store.position() == position
        assert services.personnel.cadre(c("A")).version == version

    def test_of_two_writers_one_wins_and_the_other_writes_nothing(
        self, open_services: Callable[[], Services], c: Codes
    ) -> None:
        first, second = open_services(), open_services()
        world(first, c)
        clock = first.personnel.clock
        ctx = Recording(by=CLERK, at=clock.now(), today=clock.today())
        mine = first.personnel.cadre(c("A"))
        theirs = second.personnel.cadre(c("A"))
        loaded_version = mine.version
        assert theirs.version == loaded_version

        mine.record(ctx, ev.Admonished, date=date(2024, 1, 2), authority="a", reason="winner")
        theirs.record(ctx, ev.Admonished, date=date(2024, 1, 3), authority="b", reason="loser")
        won = first.store.commit(mine)
        position = second.store.position()
        # The loser also carries another aggregate's change: the commit is all or nothing.
        unit = second.organisation.unit(c("T"))
        unit.rename(ctx, name="改名", effective_date=date(2024, 1, 1))
        with pytest.raises(ConcurrentWrite):
            second.store.commit(theirs, unit)

        assert second.store.position() == position == won.position
        history = list(second.store.events.get(cadre_id(c("A"))))
        assert len(history) == loaded_version + 1
        assert [e.reason for e in history if isinstance(e, ev.Admonished)] == ["winner"]
        assert second.organisation.unit(c("T")).name == "某镇"
        # The loser reloads and retries on top of the winner.
        retried = second.personnel.admonish(
            CLERK, c("A"), on=date(2024, 1, 3), authority="b", reason="loser, retried"
        )
        assert retried.version == loaded_version + 2

    def test_the_reporter_is_never_stored_in_clear(
        self, services: Services, open_services: Callable[[], Services], env: dict[str, str],
        c: Codes,
    ) -> None:  # fmt: skip
        reporter = c.reporter
        title = f"违规借调{c.tag}"
        written = services.complaints.file(
            "public", category="借调", title=title, body="长期借调", named=True, reporter=reporter
        )
        services.complaints.message_reporter(CLERK, written.ids["complaint_id"], text="已收到")

        raw = self.raw_stored(env)
        assert title.encode() in raw, "the scan must see the stored complaint"
        for secret in (reporter["name"], reporter["phone"]):
            for form in (secret.encode(), json.dumps(secret).strip('"').encode()):
                assert form not in raw
        assert written.ids["receipt"].encode() not in raw

        complaint = open_services().complaints.complaint(written.ids["complaint_id"])
        assert services.complaints.reporter_of(complaint) == reporter

    def test_an_old_secondment_without_purpose_is_upcast(
        self, services: Services, c: Codes
    ) -> None:
        world(services, c)
        personnel, store = services.personnel, services.store
        personnel.register_cadre(
            CLERK, code=c("B"), name="王五", gender="male", birth_date=date(1990, 1, 1)
        )
        personnel.recruit(
            CLERK, c("B"), effective_date=date(2019, 1, 1), unit=c("T"), channel="exam"
        )
        model = personnel.second(
            CLERK, c("B"), host_unit=c("C"), start_date=date(2021, 3, 1), purpose="现行格式"
        )
        current = store.notification_at(model.position)
        state = json.loads(current.state)
        assert state["class_version"] == 2 and state["purpose"] == "现行格式"

        # Version 1 of Seconded: no purpose field, no class_version key.
        del state["class_version"], state["purpose"]
        state["secondment_id"] = f"legacy-{c.tag}"
        target = personnel.cadre(c("A"))
        store.recorder.insert_events(
            [
                StoredEvent(
                    originator_id=target.id,
                    originator_version=target.version + 1,
                    topic=current.topic,
                    state=json.dumps(state, ensure_ascii=False).encode(),
                )
            ]
        )

        loaded = personnel.cadre(c("A"))
        secondment = loaded.state.secondment()
        assert secondment is not None
        assert (secondment.secondment_id, secondment.purpose) == (f"legacy-{c.tag}", "")
        assert (secondment.host_unit, secondment.start_date) == (c("C"), date(2021, 3, 1))
        assert loaded.version == target.version + 1
        personnel.end_secondment(
            CLERK, c("A"), f"legacy-{c.tag}", end_date=date(2021, 6, 1), reason="completed"
        )
        assert personnel.cadre(c("A")).state.active_secondment is None


# -- the adapters ----------------------------------------------------------------------------


@pytest.fixture(scope="class")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file per test class."""
    return tmp_path_factory.mktemp("sqlite-contract") / "events.sqlite3"


class TestSQLiteStore(StoreContract):
    """The embedded store: one SQLite file (and its write-ahead log) per test class."""

    @pytest.fixture
    def env(self, sqlite_database: Path) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(sqlite_database),
        }

    def raw_stored(self, env: dict[str, str]) -> bytes:
        path = Path(env["SQLITE_DBNAME"])
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        assert raw, "no SQLite file found"
        return raw


def postgres_env(url: str, schema: str) -> dict[str, str]:
    """eventsourcing's PostgreSQL variables from a postgresql:// URL and a schema."""
    parts = urlsplit(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")),
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": schema,
    }


@pytest.fixture(scope="class")
def postgres_schema(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A fresh schema per test class, dropped afterwards, so runs never collide."""
    name = f"contract_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield postgres_url, name
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    """The distributed store: PostgreSQL, in a schema of its own dropped afterwards."""

    @pytest.fixture
    def env(self, postgres_schema: tuple[str, str]) -> dict[str, str]:
        return postgres_env(*postgres_schema)

    def raw_stored(self, env: dict[str, str]) -> bytes:
        schema = env["POSTGRES_SCHEMA"]
        chunks: list[bytes] = []
        with psycopg.connect(
            dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"],
        ) as conn:  # fmt: skip
            states = conn.execute(
                sql.SQL("SELECT state FROM {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(EVENTS_TABLE)
                )
            ).fetchall()
            assert states, f"no rows in {schema}.{EVENTS_TABLE}"
            chunks.extend(bytes(state) for (state,) in states)
            # Every column of every table in the schema, whatever its type.
            tables = conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            ).fetchall()
            assert (EVENTS_TABLE,) in tables
            for (table,) in tables:
                rows = conn.execute(
                    sql.SQL("SELECT * FROM {}.{}").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    )
                ).fetchall()
                for row in rows:
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            chunks.append(bytes(value))
                        elif value is not None:
                            chunks.append(str(value).encode())
        return b"\n".join(chunks)
