"""Property: a rule's findings are a function of the history, not of positions or repetition."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import cadre_events as ev
from domain.rules import CadreHistory, Entry, evaluate_cadre
from tests.support.rules import CITY, COUNTY, CadreFile, evaluation

DAY = st.integers(0, 3000).map(lambda n: date(2018, 1, 1) + timedelta(days=n))
STEP = st.one_of(
    st.tuples(
        st.just("transfer"),
        DAY,
        st.sampled_from([("T2", "township"), ("C2", "county")]),
        st.sampled_from([None, COUNTY, CITY]),
    ),
    st.tuples(
        st.just("second"),
        DAY,
        st.one_of(st.none(), st.integers(0, 600)),
        st.sampled_from([None, COUNTY, CITY]),
    ),
    st.tuples(st.just("appoint"), DAY, st.sampled_from(["promotion", "lateral", "exceptional"])),
    st.tuples(st.just("admonish"), DAY),
    st.tuples(st.just("retract"), st.integers(0, 20)),
)


def build(recruited: date, steps: list[Any]) -> CadreFile:
    cadre = CadreFile()
    cadre.recruited(recruited)
    for step in steps:
        kind = step[0]
        if kind == "transfer":
            cadre.transferred(step[1], to_unit=step[2][0], to_level=step[2][1], approval=step[3])
        elif kind == "second":
            end = step[1] + timedelta(days=step[2]) if step[2] is not None else None
            cadre.seconded(step[1], end, approval=step[3])
        elif kind == "appoint":
            cadre.appointed(step[1], kind=step[2], post=f"P{len(cadre.entries)}")
        elif kind == "admonish":
            cadre.add(ev.Admonished, date=step[1], authority="县纪委", reason="x")
        elif len(cadre.entries) > 1:
            cadre.retract(cadre.entries[1 + step[1] % (len(cadre.entries) - 1)], date(2026, 1, 1))
    return cadre


@settings(max_examples=200, deadline=None)
@given(recruited=DAY, steps=st.lists(STEP, max_size=8), gap=st.integers(1, 50), on=DAY)
def test_the_same_history_yields_the_same_findings_whatever_its_positions(
    recruited: date, steps: list[Any], gap: int, on: date
) -> None:
    history = build(recruited, steps).history()
    first = evaluate_cadre(history, evaluation(on))
    assert evaluate_cadre(history, evaluation(on)) == first
    # Other aggregates' events arriving in between only move the positions.
    moved = {e.position: 10_000 + i * gap for i, e in enumerate(history.entries)}
    shifted = CadreHistory(
        history.code,
        tuple(Entry(moved[e.position], _renumber(e.event, moved)) for e in history.entries),
    )
    again = evaluate_cadre(shifted, evaluation(on))
    assert again == [
        replace(c, evidence=tuple(sorted(moved[p] for p in c.evidence))) for c in first
    ]


def _renumber(event: Any, moved: dict[int, int]) -> Any:
    if isinstance(event, ev.EntryRetracted):
        return replace(event, position=moved[event.position])
    return event
