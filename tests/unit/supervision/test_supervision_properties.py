"""Property: the findings depend on the histories, not on how often or in what order they arrive.

Random careers of independent cadres are recorded into two stores, each cadre's commands in
the same order but the cadres interleaved differently; the supervision process then holds the
same findings in both registers, down to their lifecycle, once positions are read as
(cadre, version). Evaluating the same history twice yields the same findings too.
"""

from __future__ import annotations

import random
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from tests.support.supervision import CITY, CLERK, COUNTY, World

APPROVALS = st.sampled_from([None, COUNTY, CITY])
DAY = st.integers(min_value=0, max_value=3000).map(lambda n: date(2018, 1, 1) + timedelta(days=n))
ACTION = st.one_of(
    st.tuples(st.just("transfer"), DAY, st.sampled_from(["T2", "C2"]), APPROVALS),
    st.tuples(
        st.just("second"),
        DAY,
        st.sampled_from(["C2", "S1", "T2"]),
        st.one_of(st.none(), st.integers(1, 20)),
        APPROVALS,
    ),
    st.tuples(st.just("end"), st.integers(0, 400)),
    st.tuples(
        st.just("appoint"),
        DAY,
        st.sampled_from(["promotion", "lateral", "exceptional"]),
        st.sampled_from(["N1", "L1"]),
        st.booleans(),
    ),
    st.tuples(st.just("admonish"), DAY),
    st.tuples(st.just("sanction"), DAY, st.sampled_from(["warning", "demerit", "expulsion"])),
    st.tuples(st.just("retract"), st.integers(0, 30)),
)
CAREER = st.tuples(DAY, st.sampled_from(["T1", "C1"]), st.lists(ACTION, max_size=6))


def record(w: World, code: str, step: Any, positions: list[int]) -> None:
    """Carry out one action; one the domain refuses is skipped (the same in every order)."""
    personnel, kind = w.services.personnel, step[0]
    try:
        if kind == "transfer":
            written = personnel.transfer(CLERK, code, to_unit=step[2], effective_date=step[1],
                                         approval=step[3])  # fmt: skip
        elif kind == "second":
            end = step[1] + timedelta(days=30 * step[3]) if step[3] else None
            written = personnel.second(CLERK, code, host_unit=step[2], start_date=step[1],
                                       planned_end_date=end, approval=step[4])  # fmt: skip
        elif kind == "end":
            state = personnel.cadre(code).state.secondment()
            if state is None:
                return
            written = personnel.end_secondment(
                CLERK, code, state.secondment_id, reason="completed",
                end_date=state.start_date + timedelta(days=step[1]),
            )  # fmt: skip
        elif kind == "appoint":
            clean = step[4]
            written_position = w.appoint(
                code, step[1], kind=step[2], post=step[3],
                **({} if clean else {"public_notice": None, "integrity_talk": None}),
            )  # fmt: skip
            positions.append(written_position)
            return
        elif kind == "admonish":
            written = personnel.admonish(CLERK, code, on=step[1], authority="县纪委", reason="x")
        elif kind == "sanction":
            written = personnel.sanction(CLERK, code, on=step[1], kind=step[2],
                                         authority="县监委", reason="x")  # fmt: skip
        else:
            if not positions:
                return
            written = personnel.retract(
                CLERK, code, position=positions[step[1] % len(positions)], reason="误录"
            )
        positions.append(written.position)
    except DomainError:
        return


def register(w: World) -> list[tuple[Any, ...]]:
    """The register with positions read as (cadre, version) and order-bound details left out."""

    def event(position: int) -> tuple[str, int]:
        n = w.store.notification_at(position)
        return (str(n.originator_id), n.originator_version)

    rows = []
    for f in w.findings():
        detail = w.supervision.reads.get(f["finding_id"])
        details = {k: v for k, v in f["details"].items() if k != "evaluated_upto"}
        rows.append((
            f["finding_id"], f["rule"], f["status"], f["subject"]["code"], detail["anchor"],
            sorted(event(p) for p in f["evidence"]), repr(sorted(details.items())),
            [s["event"] for s in detail["history"]],
        ))  # fmt: skip
    return sorted(rows)


def run(careers: list[Any], order: list[int], folder: Path) -> list[tuple[Any, ...]]:
    w = World.open(folder).organisation()
    for n, (recruited, unit, _) in enumerate(careers):
        w.cadre(f"X{n}", recruited, unit=unit)
    queues = [list(actions) for _, _, actions in careers]
    positions: list[list[int]] = [[] for _ in careers]
    for n in order:
        record(w, f"X{n}", queues[n].pop(0), positions[n])
        if n % 2 == 0:
            w.settle()  # the process runs while the history still arrives
    w.settle()
    found = register(w)
    w.store.close()
    return found


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(careers=st.lists(CAREER, min_size=2, max_size=4), seed=st.integers(0, 2**16))
def test_the_register_is_the_same_whatever_order_independent_cadres_arrive_in(
    careers: list[Any], seed: int
) -> None:
    steps = [n for n, (_, _, actions) in enumerate(careers) for _ in actions]
    shuffled = list(steps)
    random.Random(seed).shuffle(shuffled)
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        assert run(careers, steps, Path(a)) == run(careers, shuffled, Path(b))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(career=CAREER)
def test_evaluating_the_same_history_twice_yields_the_same_findings(career: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        w = World.open(Path(folder)).organisation()
        w.cadre("X0", career[0], unit=career[1])
        positions: list[int] = []
        for step in career[2]:
            record(w, "X0", step, positions)
        evaluator = w.supervision.evaluator
        history = evaluator.histories.cadre("X0")
        first = evaluator.cadre(history, date(2026, 11, 26))
        assert evaluator.cadre(evaluator.histories.cadre("X0"), date(2026, 11, 26)) == first
        w.settle()
        settled = w.store.position()
        w.settle()
        w.supervision.sweep()
        assert w.store.position() == settled
        holding = {f["finding_id"] for f in w.findings() if f["status"] == "open"}
        from domain.supervision.evaluation import candidate_id

        assert holding == {str(candidate_id(c)) for c in first}
        w.store.close()
