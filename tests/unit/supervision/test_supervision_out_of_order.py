"""The supervision process judging out of order (Kafka deliveries, and a sweep in a process
beside the consumer group) judges states the log really had, never a history older than the
one a finding was judged on: no finding is withdrawn and raised again on the way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from domain.ids import cadre_id
from domain.supervision.process import CADRE, Touch
from domain.supervision.register import FindingWork
from projections.following import Mark
from projections.rules_config import load_parameters
from projections.sql import SqliteViews
from projections.supervision import Supervision
from projections.view import Row
from tests.support.supervision import CLERK, World


def log_between(world: World, first: int, last: int) -> list[tuple[int, Any]]:
    """The stored events from ``first`` to ``last``, as a consumer group delivers them."""
    rows = world.store.recorder.select_notifications(start=first, limit=last - first + 1)
    return [(n.id, world.store.decode(n)) for n in rows]


def deliver(world: World, first: int, last: int | None = None) -> None:
    """The consumer group delivers the events from ``first`` to ``last`` (the head)."""
    last = world.store.position() if last is None else last
    world.supervision.follower.process(log_between(world, first, last), Mark(None))


def second_overdue(world: World, code: str) -> None:
    """Second a township cadre to a county organ without approval, overdue by today."""
    world.services.personnel.second(
        CLERK, code, host_unit="C2", start_date=date(2026, 1, 10),
        planned_end_date=date(2026, 6, 30),
    )  # fmt: skip


def finding_kinds(world: World) -> Counter[str]:
    return Counter(kind for _, _, kind in world.finding_events())


def test_a_delivery_is_judged_no_further_than_the_read_models_know_a_units_cadres(
    world: World,
) -> None:
    # T1's team posts P1-P3. In the log's order every state of the team meets the share of
    # members with township service (2/3): M0 (served), then M2 (served), then M1 (new).
    world.cadre("M0", date(2015, 1, 1))
    world.appoint("M0", date(2026, 6, 1), kind="lateral", post="P1")
    world.cadre("M1", date(2025, 1, 1))
    world.follower.catch_up()  # the read models stop here: M1 is T1's, in no post yet
    seen = world.store.position()
    world.cadre("M2", date(2015, 1, 1))
    world.appoint("M2", date(2026, 6, 1), kind="lateral", post="P3")
    world.appoint("M1", date(2026, 6, 1), kind="lateral", post="P2")
    # The group's gate lets the deliveries up to what the read models applied through. At the
    # store's head with the cadres the read models know, T1's team would be M0 and M1 (1/2): a
    # state the log never had, raised, then withdrawn once M2 is known.
    deliver(world, 1, seen)
    world.follower.catch_up()
    deliver(world, seen + 1)
    world.follower.catch_up()
    assert world.findings("R-TOWN-04") == []
    assert set(finding_kinds(world)) <= {"FindingRaised"}


class Meanwhile(SqliteViews):
    """The views of a process in which something happens while its sweep picks its subjects
    (another process's work, at a chosen point of the sweep)."""

    def __init__(self, path: str, meanwhile: Callable[[], None]) -> None:
        super().__init__(path)
        self.meanwhile: Callable[[], None] | None = meanwhile

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self.meanwhile is not None and "FROM secondments" in sql:
            happen, self.meanwhile = self.meanwhile, None
            happen()
        return super().query(sql, params)


def test_a_sweep_beside_the_group_never_undoes_what_the_group_judged_meanwhile(
    world: World, tmp_path: Path
) -> None:
    world.cadre("A", date(2015, 7, 1))
    world.follower.catch_up()
    deliver(world, 1)

    def the_group_judges_a_secondment() -> None:
        first = world.store.position() + 1
        second_overdue(world, "A")
        world.follower.catch_up()
        deliver(world, first)

    views = Meanwhile(str(tmp_path / "views.sqlite3"), the_group_judges_a_secondment)
    beside = Supervision.build(world.store, views, world.clock, load_parameters(), passive=True)
    beside.sweep()  # the daily sweep in a process that only reads (Kafka transport)
    assert views.meanwhile is None, "the group judged while the sweep ran"
    world.follower.catch_up()
    assert world.finding("R-SEC-01")["status"] == "open"
    assert set(finding_kinds(world)) == {"FindingRaised"}
    views.close()


def test_a_late_judgment_does_not_undo_a_finding_judged_on_a_longer_history(
    world: World,
) -> None:
    recruited = world.cadre("A", date(2015, 7, 1))
    second_overdue(world, "A")
    world.settle()
    supervisor = world.supervision.supervisor
    supervisor.index.refresh()
    work = FindingWork(world.store, supervisor.index, world.clock)
    # A judgment of A on its history before the secondment, saved after the one that raised
    # the secondment's findings (a process that read the log earlier and wrote later).
    supervisor.reconcile(work, [Touch(recruited, cadre_id("A"), CADRE)], world.clock.today())
    assert work.changed() == []
