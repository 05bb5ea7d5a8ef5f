"""R-DATA-01: late entries (补录), at the 30-day boundary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain import cadre_events as ev
from tests.support.rules import PARAMS, CadreFile, only

TODAY = date(2026, 11, 26)


def test_data_01_fires_on_an_event_recorded_31_days_late() -> None:
    a = CadreFile()
    recruited = a.add(
        ev.Recruited, recorded=date(2024, 4, 1), effective_date=date(2024, 3, 1), unit="T1",
        unit_level="township", channel="exam", probation_months=12,
    )  # fmt: skip
    [found] = only("R-DATA-01", a.evaluate(TODAY))
    assert (found.anchor, found.evidence) == ("v2", (recruited.position,))
    assert (found.details["days_late"], found.details["event"]) == (31, "Recruited")


def test_data_01_does_not_fire_at_exactly_30_days() -> None:
    a = CadreFile()
    a.add(
        ev.Recruited, recorded=date(2024, 3, 31), effective_date=date(2024, 3, 1), unit="T1",
        unit_level="township", channel="exam", probation_months=12,
    )  # fmt: skip
    assert only("R-DATA-01", a.evaluate(TODAY)) == []


def test_data_01_exempts_annual_reviews_and_migration_subjects() -> None:
    a = CadreFile()
    a.add(ev.AnnualReviewRecorded, recorded=date(2024, 3, 1), year=2023, rating="competent")
    a.add(ev.Admonished, recorded=date(2024, 6, 1), date=date(2024, 1, 1), authority="x",
          reason="x", by="migration")  # fmt: skip
    params = replace(PARAMS, data=replace(PARAMS.data, exempt_recorders=frozenset({"migration"})))
    assert only("R-DATA-01", a.evaluate(TODAY, params)) == []
    assert len(only("R-DATA-01", a.evaluate(TODAY))) == 1
