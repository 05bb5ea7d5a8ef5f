"""Properties over random histories: the aggregate agrees with a small independent model.

Random secondment starts, extensions, ends and retractions, in random effective-date order (so
many entries are back-dated), go through the real services. An independent model of the
invariants predicts which are accepted; after every step the stored history must fold (strictly)
to the state the aggregate reports, and at most one secondment may be active.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import cadre_events as ev
from domain.cadre import state_as_of
from domain.cadre_state import CadreState, fold
from domain.errors import InvariantViolated
from domain.ids import cadre_id
from tests.support.domain import CLERK, World

BASE = date(2021, 1, 1)
BOGUS = "no-such-secondment"


@dataclass
class Entry:
    """One accepted entry of the model: what it says, its version and its global position."""

    kind: str
    version: int
    day: date
    sid: str
    planned: date | None = None
    decided: date | None = None
    position: int = 0
    retracted: bool = False


@dataclass
class Model:
    """The secondment invariants of DOMAIN.md, folded in (effective date, version) order."""

    version: int = 2  # registered, recruited
    entries: list[Entry] = field(default_factory=list)

    def live(self) -> list[Entry]:
        return [e for e in self.entries if not e.retracted]

    @staticmethod
    def fold(entries: list[Entry]) -> tuple[dict[str, list[Any]], str | None] | None:
        """{sid: [start, planned_end, end]} and the active sid, or None when inconsistent."""
        secondments: dict[str, list[Any]] = {}
        active: str | None = None
        for e in sorted(entries, key=lambda e: (e.day, e.version)):
            if e.kind == "start":
                if active is not None or (e.planned is not None and e.planned < e.day):
                    return None
                secondments[e.sid] = [e.day, e.planned, None]
                active = e.sid
            elif e.kind == "extend":
                if active != e.sid:
                    return None
                start = secondments[e.sid][0]
                assert e.planned is not None
                if e.planned < start or e.day < start:
                    return None
                secondments[e.sid][1] = e.planned
            else:  # end
                if active != e.sid or e.day < secondments[e.sid][0]:
                    return None
                secondments[e.sid][2] = e.day
                active = None
        return secondments, active


days = st.integers(min_value=0, max_value=1500).map(lambda n: BASE + timedelta(days=n))
which = st.integers(min_value=0, max_value=6)
offsets = st.integers(min_value=-40, max_value=500)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("start"), days, st.none() | offsets),
        st.tuples(st.just("extend"), which, days, offsets),
        st.tuples(st.just("end"), which, days),
        st.tuples(st.just("retract"), which),
    ),
    min_size=1,
    max_size=14,
)


def pick(sids: list[str], index: int) -> str:
    """A known secondment id, or (now and then) one that never existed."""
    return sids[index % len(sids)] if sids and index < 6 else BOGUS


def live_history(world: World) -> list[ev.CadreEvent]:
    events = list(world.store.events.get(cadre_id("A001")))[1:]
    voided = {e.retracted_version for e in events if isinstance(e, ev.EntryRetracted)}
    return [
        e
        for e in events
        if not isinstance(e, ev.EntryRetracted) and e.originator_version not in voided
    ]


def check_agreement(world: World, model: Model) -> None:
    cadre = world.cadre()
    state = cadre.state
    expected = Model.fold(model.live())
    assert expected is not None, "the model accepted an inconsistent history"
    secondments, active = expected
    assert state.active_secondment == active
    assert {
        sid: [s.start_date, s.planned_end_date, s.end_date] for sid, s in state.secondments.items()
    } == secondments
    # At most one active secondment, and the active one is the one not ended.
    open_ones = [s.secondment_id for s in state.secondments.values() if s.end_date is None]
    assert open_ones == ([active] if active else [])
    # The replayed (incremental) state is the strict fold of the stored history.
    strict = fold(CadreState(code="A001", name="李四"), live_history(world), strict=True)
    assert state == strict
    registered = next(iter(world.store.events.get(cadre_id("A001"))))
    assert isinstance(registered, ev.CadreRegistered)
    all_events = list(world.store.events.get(cadre_id("A001")))[1:]
    assert state_as_of(registered, all_events, None) == state
    assert cadre.version == model.version


def run(world: World, model: Model, sids: list[str], op: tuple[Any, ...]) -> None:
    """Apply one operation to both the services and the model; they must agree on acceptance."""
    personnel = world.personnel
    candidate: Entry | None = None
    target: Entry | None = None
    command: Callable[[], Any]
    kind = op[0]
    if kind == "start":
        _, day, offset = op
        planned = None if offset is None else day + timedelta(days=offset)
        candidate = Entry("start", model.version + 1, day, "?", planned=planned)

        def command() -> Any:
            return personnel.second(
                CLERK, "A001", host_unit="C1", start_date=day, planned_end_date=planned
            )
    elif kind == "extend":
        _, index, decided, offset = op
        sid = pick(sids, index)
        start = next((e.day for e in model.entries if e.sid == sid and e.kind == "start"), BASE)
        new_end = start + timedelta(days=offset)
        candidate = Entry("extend", model.version + 1, decided, sid, planned=new_end)

        def command() -> Any:
            return personnel.extend_secondment(
                CLERK, "A001", sid, new_planned_end_date=new_end, decided_on=decided
            )
    elif kind == "end":
        _, index, day = op
        sid = pick(sids, index)
        candidate = Entry("end", model.version + 1, day, sid)

        def command() -> Any:
            return personnel.end_secondment(CLERK, "A001", sid, end_date=day, reason="completed")
    else:
        _, index = op
        if not model.entries:
            return
        target = model.entries[index % len(model.entries)]
        position = target.position

        def command() -> Any:
            return personnel.retract(CLERK, "A001", position=position, reason="更正")

    if candidate is not None:
        expected_ok = candidate.sid != BOGUS and Model.fold([*model.live(), candidate]) is not None
        if candidate.kind in ("extend", "end") and candidate.sid not in sids:
            expected_ok = False
    else:
        assert target is not None
        remaining = [e for e in model.live() if e is not target]
        expected_ok = not target.retracted and Model.fold(remaining) is not None

    before = world.store.position()
    try:
        written = command()
    except InvariantViolated:
        assert not expected_ok, f"refused, but the model accepts {op}"
        assert world.store.position() == before
        return
    assert expected_ok, f"accepted, but the model refuses {op}"
    model.version += 1
    if candidate is not None:
        if candidate.kind == "start":
            candidate.sid = written.ids["secondment_id"]
            sids.append(candidate.sid)
        candidate.position = written.position
        model.entries.append(candidate)
    else:
        assert target is not None
        target.retracted = True


@settings(max_examples=120, deadline=None)
@given(ops=operations)
def test_random_secondment_histories_agree_with_the_model(
    memory_world: Callable[[], World], ops: list[tuple[Any, ...]]
) -> None:
    world = memory_world()
    try:
        model, sids = Model(), []
        for op in ops:
            run(world, model, sids, op)
            check_agreement(world, model)
    finally:
        world.store.close()


@settings(max_examples=60, deadline=None)
@given(
    moves=st.lists(
        st.tuples(st.sampled_from(["appoint", "remove"]), st.sampled_from(["P1", "P2"]), days),
        min_size=1,
        max_size=10,
    )
)
def test_random_post_histories_hold_each_post_at_most_once(
    memory_world: Callable[[], World], moves: list[tuple[str, str, date]]
) -> None:
    world = memory_world()
    accepted: list[tuple[date, int, str, str]] = []  # (day, version, kind, post)
    version = 2
    try:
        for kind, post, day in moves:
            trial = sorted([*accepted, (day, version + 1, kind, post)])
            held: dict[str, date] = {}
            ok = True
            for d, _, k, p in trial:
                if k == "appoint":
                    ok = ok and p not in held
                    held[p] = d
                else:
                    ok = ok and p in held and d >= held[p]
                    held.pop(p, None)
            try:
                if kind == "appoint":
                    world.personnel.appoint(
                        CLERK, "A001", unit="T1", post=post, effective_date=day,
                        kind="lateral", decided_on=day, document_no="x",
                    )  # fmt: skip
                else:
                    world.personnel.remove(
                        CLERK, "A001", unit="T1", post=post, effective_date=day, reason="r"
                    )
            except InvariantViolated:
                assert not ok
                continue
            assert ok
            version += 1
            accepted.append((day, version, kind, post))
            state = world.cadre().state
            assert state.posts == {("T1", p): d for p, d in held.items()}
            assert state == fold(
                CadreState(code="A001", name="李四"), live_history(world), strict=True
            )
    finally:
        world.store.close()
