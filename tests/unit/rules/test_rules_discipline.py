"""R-DISC-01..03: each fires on a minimal history and not at the nearest legal boundary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain import cadre_events as ev
from tests.support.rules import PARAMS, CadreFile, only

TODAY = date(2026, 11, 26)
LATER = date(2027, 12, 31)


def cadre() -> CadreFile:
    record = CadreFile()
    record.recruited(date(2015, 7, 1))
    return record


# -- R-DISC-01: 6 months after an admonishment ----------------------------------------------


def test_disc_01_fires_on_a_promotion_decided_a_day_before_six_months() -> None:
    a = cadre()
    talk = a.add(ev.Admonished, date=date(2024, 1, 31), authority="县纪委", reason="作风")
    promoted = a.appointed(date(2024, 8, 30), decided_on=date(2024, 7, 30))
    [found] = only("R-DISC-01", a.evaluate(TODAY))
    assert found.evidence == (talk.position, promoted.position)
    assert found.details["blocked_until"] == "2024-07-31"


def test_disc_01_does_not_fire_exactly_six_months_after_a_month_end_admonishment() -> None:
    a = cadre()
    a.add(ev.Admonished, date=date(2024, 1, 31), authority="县纪委", reason="作风")
    a.appointed(date(2024, 8, 30), decided_on=date(2024, 7, 31))
    assert only("R-DISC-01", a.evaluate(TODAY)) == []


def test_disc_01_does_not_count_an_admonishment_after_the_decision() -> None:
    a = cadre()
    a.appointed(date(2024, 8, 30), decided_on=date(2024, 7, 31))
    a.add(ev.Admonished, date=date(2024, 8, 1), authority="县纪委", reason="作风")
    assert only("R-DISC-01", a.evaluate(TODAY)) == []


# -- R-DISC-02: a sanction's influence period ------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "months", "last_blocked", "first_free"),
    [
        ("warning", 6, date(2024, 7, 30), date(2024, 7, 31)),
        ("demerit", 12, date(2025, 1, 30), date(2025, 1, 31)),
        ("major_demerit", 18, date(2025, 7, 30), date(2025, 7, 31)),
        ("demotion", 24, date(2026, 1, 30), date(2026, 1, 31)),
        ("party_serious_warning", 18, date(2025, 7, 30), date(2025, 7, 31)),
        ("removal_from_party_post", 24, date(2026, 1, 30), date(2026, 1, 31)),
    ],
)
def test_disc_02_blocks_promotion_for_the_kind_s_months_exactly(
    kind: str, months: int, last_blocked: date, first_free: date
) -> None:
    blocked, free = cadre(), cadre()
    for record, decided in ((blocked, last_blocked), (free, first_free)):
        record.add(ev.Sanctioned, date=date(2024, 1, 31), kind=kind, authority="县监委", reason="x")
        record.appointed(date(2026, 6, 1), decided_on=decided)
    [found] = only("R-DISC-02", blocked.evaluate(TODAY))
    assert found.details["sanctions"][0]["kind"] == kind
    assert only("R-DISC-02", free.evaluate(TODAY)) == []


def test_disc_02_ignores_kinds_without_an_influence_period_in_the_rules_file() -> None:
    months = {k: v for k, v in PARAMS.discipline.sanction_months.items() if k != "warning"}
    params = replace(PARAMS, discipline=replace(PARAMS.discipline, sanction_months=months))
    a = cadre()
    a.add(ev.Sanctioned, date=date(2024, 1, 31), kind="warning", authority="x", reason="x")
    a.appointed(date(2024, 3, 1), decided_on=date(2024, 2, 1))
    assert len(only("R-DISC-02", a.evaluate(TODAY))) == 1
    assert only("R-DISC-02", a.evaluate(TODAY, params)) == []


@pytest.mark.parametrize(
    ("term", "last_blocked", "first_free"),
    [(12, date(2026, 1, 30), date(2026, 1, 31)), (24, date(2027, 1, 30), date(2027, 1, 31))],
)
def test_disc_02_party_probation_blocks_its_term_plus_twelve_months(
    term: int, last_blocked: date, first_free: date
) -> None:
    blocked, free = cadre(), cadre()
    for record, decided in ((blocked, last_blocked), (free, first_free)):
        record.add(ev.Sanctioned, date=date(2024, 1, 31), kind="party_probation",
                   authority="县纪委", reason="x", term_months=term)  # fmt: skip
        record.appointed(date(2027, 6, 1), decided_on=decided)
    [found] = only("R-DISC-02", blocked.evaluate(LATER))
    assert found.details["sanctions"][0]["term_months"] == term
    assert only("R-DISC-02", free.evaluate(LATER)) == []


def test_disc_02_a_party_probation_of_unknown_term_is_judged_by_the_longer_term() -> None:
    a = cadre()
    a.add(ev.Sanctioned, date=date(2024, 1, 31), kind="party_probation", authority="x", reason="x")
    a.appointed(date(2027, 6, 1), decided_on=date(2027, 1, 30))
    [found] = only("R-DISC-02", a.evaluate(LATER))
    assert found.details["sanctions"][0]["until"] == "2027-01-31"


def test_disc_02_expulsion_never_ends_but_does_not_reach_back() -> None:
    a = cadre()
    before = a.appointed(date(2023, 6, 1), decided_on=date(2023, 5, 1), post="P0")
    a.add(ev.Sanctioned, date=date(2023, 6, 2), kind="expulsion", authority="x", reason="x")
    later = a.appointed(date(2040, 6, 1), decided_on=date(2040, 5, 1), post="P9")
    [found] = only("R-DISC-02", a.evaluate(date(2040, 12, 31)))
    assert found.anchor == f"v{later.version}" != f"v{before.version}"


def test_disc_02_a_retracted_sanction_blocks_nothing() -> None:
    a = cadre()
    wrong = a.add(ev.Sanctioned, date=date(2024, 1, 31), kind="party_probation",
                  authority="x", reason="x", term_months=12)  # fmt: skip
    a.appointed(date(2024, 6, 1), decided_on=date(2024, 5, 1))
    assert len(only("R-DISC-02", a.evaluate(TODAY))) == 1
    a.retract(wrong, date(2024, 7, 1))
    assert only("R-DISC-02", a.evaluate(TODAY)) == []


# -- R-DISC-03: no transfer or promotion while an investigation is open -----------------------


def investigated(closed_on: date | None) -> CadreFile:
    a = cadre()
    a.add(
        ev.InvestigationOpened,
        investigation_id="i1",
        opened_on=date(2024, 3, 1),
        authority="县监委",
    )
    if closed_on is not None:
        a.add(ev.InvestigationClosed, investigation_id="i1", closed_on=closed_on, outcome="了结")
    return a


def test_disc_03_fires_on_a_transfer_while_open() -> None:
    a = investigated(None)
    moved = a.transferred(date(2024, 5, 1))
    [found] = only("R-DISC-03", a.evaluate(TODAY))
    assert found.evidence == (a.entries[2].position, moved.position)
    assert found.details["act"] == "Transferred"


def test_disc_03_fires_on_a_promotion_on_the_opening_day() -> None:
    a = investigated(date(2024, 6, 1))
    a.appointed(date(2024, 3, 1), decided_on=date(2024, 2, 1))
    assert len(only("R-DISC-03", a.evaluate(TODAY))) == 1


def test_disc_03_does_not_fire_on_the_closing_day() -> None:
    a = investigated(date(2024, 5, 1))
    a.transferred(date(2024, 5, 1))
    assert only("R-DISC-03", a.evaluate(TODAY)) == []


def test_disc_03_does_not_judge_lateral_appointments() -> None:
    a = investigated(None)
    a.appointed(date(2024, 5, 1), kind="lateral")
    assert only("R-DISC-03", a.evaluate(TODAY)) == []
