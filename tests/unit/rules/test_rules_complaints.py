"""R-PET-01..03: each fires on a minimal history and not at the nearest legal boundary."""

from __future__ import annotations

from datetime import date

from domain import complaint as cp
from tests.support.rules import ComplaintFile, only

RECEIVED = date(2024, 3, 1)


# -- R-PET-01: decide within 15 days ------------------------------------------------------------


def test_pet_01_fires_on_the_sixteenth_day_without_a_decision() -> None:
    c = ComplaintFile(RECEIVED)
    assert only("R-PET-01", c.evaluate(date(2024, 3, 16))) == []
    [found] = only("R-PET-01", c.evaluate(date(2024, 3, 17)))
    assert (found.subject_kind, found.subject_code, found.evidence) == (
        "complaint", str(c.id), (c.entries[0].position,),
    )  # fmt: skip
    assert found.details["decide_by"] == "2024-03-16"
    assert "reporter_sealed" not in found.details


def test_pet_01_does_not_fire_on_a_decision_on_day_fifteen() -> None:
    c = ComplaintFile(RECEIVED)
    c.step(cp.ComplaintDeclined, date(2024, 3, 16), reason="不属于受理范围")
    assert only("R-PET-01", c.evaluate(date(2024, 6, 1))) == []


def test_pet_01_keeps_a_late_decision_on_record() -> None:
    c = ComplaintFile(RECEIVED)
    forwarded = c.step(cp.ComplaintForwarded, date(2024, 3, 18), to_authority="市纪委")
    [found] = only("R-PET-01", c.evaluate(date(2024, 6, 1)))
    assert found.details["days_late"] == 2
    assert forwarded.position in found.evidence


# -- R-PET-02: conclude within 60 days of acceptance, plus the extension ---------------------


def test_pet_02_does_not_fire_on_a_conclusion_on_day_sixty() -> None:
    c = ComplaintFile(RECEIVED)
    c.accepted(date(2024, 3, 5))
    c.concluded(date(2024, 5, 4))
    assert only("R-PET-02", c.evaluate(date(2024, 6, 1))) == []


def test_pet_02_fires_on_day_sixty_one_without_a_conclusion() -> None:
    c = ComplaintFile(RECEIVED)
    accepted = c.accepted(date(2024, 3, 5))
    assert only("R-PET-02", c.evaluate(date(2024, 5, 4))) == []
    [found] = only("R-PET-02", c.evaluate(date(2024, 5, 5)))
    assert accepted.position in found.evidence


def test_pet_02_an_extension_moves_the_deadline_by_its_days() -> None:
    c = ComplaintFile(RECEIVED)
    c.accepted(date(2024, 3, 5))
    c.extended(30, date(2024, 4, 20))
    assert only("R-PET-02", c.evaluate(date(2024, 6, 3))) == []
    assert len(only("R-PET-02", c.evaluate(date(2024, 6, 4)))) == 1


# -- R-PET-03: notify a named reporter within 15 working days ----------------------------------


def test_pet_03_does_not_fire_on_the_fifteenth_working_day_across_national_day() -> None:
    # Concluded Friday 27 Sep 2024; working days after it: 29 Sep (Sunday, 调休), 30 Sep,
    # then 8-11 Oct, 12 Oct (Saturday, 调休), 14-18 Oct, 21-23 Oct: the 15th is 23 October.
    c = ComplaintFile(date(2024, 8, 1))
    c.accepted(date(2024, 8, 5))
    c.concluded(date(2024, 9, 27))
    c.notified(date(2024, 10, 23))
    assert only("R-PET-03", c.evaluate(date(2024, 11, 30))) == []


def test_pet_03_fires_on_the_sixteenth_working_day() -> None:
    c = ComplaintFile(date(2024, 8, 1))
    c.accepted(date(2024, 8, 5))
    concluded = c.concluded(date(2024, 9, 27))
    assert only("R-PET-03", c.evaluate(date(2024, 10, 23))) == []
    [found] = only("R-PET-03", c.evaluate(date(2024, 10, 24)))
    assert found.details["notify_by"] == "2024-10-23"
    assert concluded.position in found.evidence


def test_pet_03_does_not_judge_anonymous_complaints() -> None:
    c = ComplaintFile(date(2024, 8, 1), named=False)
    c.accepted(date(2024, 8, 5))
    c.concluded(date(2024, 9, 27))
    assert only("R-PET-03", c.evaluate(date(2024, 12, 1))) == []


def test_complaint_rules_read_only_steps_dated_by_the_evaluation_date() -> None:
    c = ComplaintFile(RECEIVED)
    c.accepted(date(2024, 3, 20))
    assert len(only("R-PET-01", c.evaluate(date(2024, 3, 19)))) == 1
