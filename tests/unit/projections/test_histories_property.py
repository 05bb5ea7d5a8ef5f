"""Properties over random valid histories: the incremental projection, a full rebuild and the
time-travel reconstruction agree, and retractions count from the moment they were recorded.

A history is a random list of personnel commands over three cadres and six units, with
effective dates up to today in any order (so many are back-dated entries, 补录). Commands the
domain refuses (InvariantViolated) are skipped: what remains is a valid history. The follower
runs a batch now and then between commands, with a random batch size.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from domain.errors import InvariantViolated
from domain.store import Store, Written
from domain.values import Approval, Level
from projections import time_travel
from projections.following import Runner
from projections.framework import Projector, Share
from projections.queries import ReadModels, cadre_doc
from projections.registry import all_projections, read_models
from projections.sharing import build_share, hand_over
from projections.source import StoreSource
from projections.sql import SqliteViews
from tests.support.histories import (
    CADRES,
    CLERK,
    HOMES,
    POSTS,
    TODAY,
    VILLAGES,
    Rig,
    rebuilt_views,
    table_contents,
)

Command = tuple[Any, ...]
FreshRig = Callable[[int], AbstractContextManager[Rig]]
APPROVAL = Approval(Level.CITY, "市委组织部", "市组通〔2020〕1号")

cadres = st.sampled_from(CADRES)
days = st.dates(min_value=date(2016, 1, 1), max_value=TODAY)
retraction = st.tuples(st.just("retract"), cadres, st.integers(0, 40))
follow = st.tuples(st.just("follow"), st.integers(1, 3))  # run a few batches of the follower
commands = st.one_of(
    st.tuples(st.just("recruit"), cadres, days, st.sampled_from(HOMES)),
    st.tuples(st.just("appoint"), cadres, days, st.sampled_from(POSTS)),
    st.tuples(st.just("remove"), cadres, days, st.sampled_from(POSTS)),
    st.tuples(
        st.just("second"),
        cadres,
        days,
        st.sampled_from(HOMES + VILLAGES),
        st.none() | st.integers(30, 800),
        st.booleans(),
    ),
    st.tuples(st.just("extend"), cadres, days, st.integers(30, 400)),
    st.tuples(st.just("end_secondment"), cadres, days, st.sampled_from(["completed", "recalled"])),
    st.tuples(st.just("dispatch"), cadres, days, st.sampled_from(VILLAGES), st.integers(90, 1100)),
    st.tuples(st.just("end_dispatch"), cadres, days, st.booleans()),
    st.tuples(st.just("transfer"), cadres, days, st.sampled_from(HOMES)),
    st.tuples(st.just("review"), cadres, st.integers(2016, 2025), st.sampled_from(["excellent"])),
    st.tuples(st.just("admonish"), cadres, days),
    st.tuples(st.just("depart"), cadres, days),
    retraction,
    retraction,
    follow,
    follow,
)
histories = st.lists(commands, min_size=1, max_size=50)
# Every other command a retraction: enough of them succeed to test each one's moment.
histories_with_retractions = st.lists(st.one_of(commands, retraction), min_size=4, max_size=50)


@dataclass
class Retraction:
    """A retraction that was recorded, with the cadre as it stood just before and after."""

    code: str
    position: int
    at: datetime
    before: dict[str, Any]
    after: dict[str, Any]


def aggregate_doc(rig: Rig, code: str) -> dict[str, Any]:
    cadre = rig.services.personnel.cadre(code)
    return cadre_doc(cadre.state, cadre.version)


def active(rig: Rig, code: str, kind: str) -> str:
    """The id of the cadre's active secondment or dispatch ('none' makes the domain refuse)."""
    state = rig.services.personnel.cadre(code).state
    return (state.active_secondment if kind == "secondment" else state.active_dispatch) or "none"


def execute(rig: Rig, command: Command, recorded: dict[str, list[int]]) -> Written:
    """Run one command through the domain (raises InvariantViolated when refused)."""
    p, verb, code = rig.services.personnel, command[0], command[1]
    match command:
        case ("recruit", _, day, unit):
            return p.recruit(CLERK, code, effective_date=day, unit=unit, channel="exam")
        case ("appoint", _, day, (unit, post)):
            return p.appoint(
                CLERK, code, unit=unit, post=post, effective_date=day, kind="promotion",
                decided_on=day - timedelta(days=7), document_no="任〔2020〕1号",
            )  # fmt: skip
        case ("remove", _, day, (unit, post)):
            return p.remove(CLERK, code, unit=unit, post=post, effective_date=day, reason="免")
        case ("second", _, day, host, planned, approved):
            return p.second(
                CLERK, code, host_unit=host, start_date=day,
                planned_end_date=None if planned is None else day + timedelta(days=planned),
                approval=APPROVAL if approved else None,
            )  # fmt: skip
        case ("extend", _, day, more):
            return p.extend_secondment(
                CLERK, code, active(rig, code, "secondment"), decided_on=day,
                new_planned_end_date=day + timedelta(days=more),
            )  # fmt: skip
        case ("end_secondment", _, day, reason):
            sid = active(rig, code, "secondment")
            return p.end_secondment(CLERK, code, sid, end_date=day, reason=reason)
        case ("dispatch", _, day, village, length):
            return p.dispatch(
                CLERK, code, village_unit=village, role="work_team", start_date=day,
                planned_end_date=day + timedelta(days=length),
            )  # fmt: skip
        case ("end_dispatch", _, day, recalled):
            did = active(rig, code, "dispatch")
            return p.end_dispatch(CLERK, code, did, on=day, reason="期满", recalled=recalled)
        case ("transfer", _, day, unit):
            return p.transfer(CLERK, code, to_unit=unit, effective_date=day)
        case ("review", _, year, rating):
            return p.record_review(CLERK, code, year=year, rating=rating)
        case ("admonish", _, day):
            return p.admonish(CLERK, code, on=day, authority="县纪委", reason="提醒")
        case ("depart", _, day):
            return p.depart(CLERK, code, effective_date=day, reason="辞职")
        case ("retract", _, index):
            ours = recorded[code] or [rig.registered[code]]
            return p.retract(CLERK, code, position=ours[index % len(ours)], reason="录入错误")
    raise AssertionError(f"unknown command {verb}")


def record_history(rig: Rig, history: list[Command]) -> list[Retraction]:
    """Run the commands a minute apart, skipping refused ones; the follower runs in between."""
    # What a retraction may name: the cadre's recorded events (the registration and other
    # retractions would be refused; events that later ones rest on still are, and are skipped).
    recorded: dict[str, list[int]] = {code: [] for code in CADRES}
    retractions, latest = [], dict.fromkeys(CADRES, date.min)
    for command in history:
        if command[0] == "follow":
            for _ in range(command[1]):
                rig.follower.run_once()
            continue
        rig.clock.advance(minutes=1)
        code = command[1]
        before = aggregate_doc(rig, code)
        try:
            written = execute(rig, command, recorded)
        except InvariantViolated:
            event(f"refused: {command[0]}")
            continue
        event(f"recorded: {command[0]}")
        if command[0] != "retract":
            recorded[code].append(written.position)
        if isinstance(command[2], date):
            if command[2] < latest[code]:
                event("recorded a back-dated entry")
            latest[code] = max(latest[code], command[2])
        if command[0] == "retract":
            retracted = rig.store.decode(rig.store.notification_at(written.position)).position
            after = aggregate_doc(rig, code)
            at = rig.clock.now()
            retractions.append(Retraction(code, retracted, at, before, after))
            event("a retraction changed the cadre" if before != after else "a neutral retraction")
    return retractions


def flags(reads: ReadModels, code: str, known_at: datetime, **options: Any) -> dict[int, bool]:
    """Position -> retracted flag of the timeline entries known at ``known_at``."""
    events = reads.timeline(code, known_at=known_at, **options)["events"]
    return {e["position"]: e["retracted"] for e in events}


@settings(max_examples=60, deadline=None)
@given(history=histories, batch_size=st.integers(1, 9))
def test_incremental_equals_rebuild_equals_time_travel(
    fresh_rig: FreshRig, history: list[Command], batch_size: int
) -> None:
    with fresh_rig(batch_size) as rig:
        record_history(rig, history)
        rig.follower.catch_up()
        rebuilt = rebuilt_views(rig)
        assert table_contents(rig.views) == table_contents(rebuilt)
        from_rebuild = ReadModels(rebuilt, rig.store)
        for code in CADRES:
            incremental = rig.reads.cadre(code, today=TODAY)
            as_of_today = cadre_doc(
                *time_travel.cadre_state(rig.store, code, as_of=TODAY, known_at=None)
            )
            assert incremental == from_rebuild.cadre(code, today=TODAY) == as_of_today
            assert incremental == aggregate_doc(rig, code)
        for unit in HOMES + VILLAGES:
            assert rig.reads.unit(unit, today=TODAY) == rig.reads.unit(
                unit, today=TODAY, as_of=TODAY
            )


@settings(max_examples=60, deadline=None)
@given(history=histories_with_retractions, batch_size=st.integers(1, 9))
def test_a_retraction_counts_from_the_time_it_was_recorded(
    fresh_rig: FreshRig, history: list[Command], batch_size: int
) -> None:
    with fresh_rig(batch_size) as rig:
        retractions = record_history(rig, history)
        rig.follower.catch_up()
        reads, second = rig.reads, timedelta(seconds=1)
        for r in retractions:
            assert reads.cadre(r.code, today=TODAY, known_at=r.at - second) == r.before
            assert reads.cadre(r.code, today=TODAY, known_at=r.at + second) == r.after
            assert flags(reads, r.code, r.at - second)[r.position] is False
            assert r.position not in flags(reads, r.code, r.at + second)
            assert flags(reads, r.code, r.at + second, include_retracted=True)[r.position] is True


class Restarting:
    """The read models' follower as if its process restarted before every batch: no fold it
    kept in memory survives to the next batch."""

    def __init__(self, rig: Rig, batch_size: int) -> None:
        self.rig, self.batch_size = rig, batch_size

    def run_once(self) -> int:
        rig = self.rig
        return read_models(StoreSource(rig.store), rig.views, self.batch_size).run_once()


@settings(max_examples=40, deadline=None)
@given(history=histories_with_retractions, batch_size=st.integers(1, 9))
def test_a_follower_restarted_before_every_batch_equals_a_rebuild(
    fresh_rig: FreshRig, history: list[Command], batch_size: int
) -> None:
    """Each batch continues every cadre from the state stored in its row (or from its history)
    and must end where a rebuild does."""
    with fresh_rig(batch_size) as rig:
        rig.follower = Restarting(rig, batch_size)  # type: ignore[assignment]
        record_history(rig, history)
        while rig.follower.run_once():
            pass
        assert table_contents(rig.views) == table_contents(rebuilt_views(rig))


@settings(max_examples=40, deadline=None)
@given(
    history=histories_with_retractions,
    split=st.integers(0, 50),
    count=st.integers(2, 3),
    batch_size=st.integers(1, 9),
)
def test_a_rebuild_in_shares_equals_a_rebuild_in_one_pass(
    fresh_rig: FreshRig, history: list[Command], split: int, count: int, batch_size: int
) -> None:
    """Shares of the cadres built one after another up to a position, each with folds of its
    own (as the processes of a rebuild in shares are), then one follower going on from there
    (the other shares' cadres from their stored rows), end where a single pass does."""
    with fresh_rig(batch_size) as rig:
        record_history(rig, history[:split])
        # The recorder the composition root configures: shares read the log as plain rows.
        env = {**rig.store.env, "PERSISTENCE_MODULE": "projections.recorders:SQLiteFactory"}
        source = StoreSource(Store(env=env))
        views = SqliteViews(str(rig.folder / "shared.sqlite3"))
        projections = all_projections()
        views.ensure([t for p in projections for t in p.table_map().values()])
        target = source.position()
        for index in range(1, count):
            # Into a file of the share's own, as a share's process does; ``hand_over`` takes
            # its rows over.
            opener = views.share_opener(index, count)
            assert opener is not None
            apart = opener()
            build_share(source, apart, all_projections(), Share(index, count), target, batch_size)
            apart.close()
        build_share(source, views, projections, Share(0, count), target, batch_size)
        hand_over(views, projections, count, target)
        assert views.positions() == {p.name: target for p in projections}
        record_history(rig, history[split:])
        Runner(source, Projector(views, projections, source), batch_size).catch_up()
        assert table_contents(views) == table_contents(rebuilt_views(rig))
        source.store.close()
