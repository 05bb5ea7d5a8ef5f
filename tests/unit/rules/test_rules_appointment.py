"""R-APPT-01..04: each fires on a minimal history and not at the nearest legal boundary."""

from __future__ import annotations

from datetime import date

from domain.rules import WeekdayCalendar, evaluate_cadre
from domain.rules.base import Evaluation
from tests.support.rules import PARAMS, STEPS, CadreFile, evaluation, only

TODAY = date(2026, 11, 26)


def cadre() -> CadreFile:
    record = CadreFile()
    record.recruited(date(2015, 7, 1))
    return record


# -- R-APPT-01: a public notice of 5 working days, after the decision, before the effect ---


def national_day(end: date) -> CadreFile:
    """A promotion noticed from Friday 27 September 2024 over the National Day week."""
    a = cadre()
    a.appointed(
        date(2024, 10, 10), decided_on=date(2024, 9, 26),
        notice={"start": date(2024, 9, 27), "end": end},
    )  # fmt: skip
    return a


def test_appt_01_does_not_fire_on_exactly_five_working_days_across_national_day() -> None:
    # 27 Sep (Fri), 29 Sep (Sun, 调休 working day), 30 Sep, 8 Oct, 9 Oct; 1-7 Oct are holidays.
    a = national_day(date(2024, 10, 9))
    assert only("R-APPT-01", a.evaluate(TODAY)) == []


def test_appt_01_fires_on_four_working_days_across_national_day() -> None:
    a = national_day(date(2024, 10, 8))
    [found] = only("R-APPT-01", a.evaluate(TODAY))
    assert found.details["working_days"] == 4
    assert found.evidence == (a.entries[-1].position,)
    # Monday to Friday alone would count eight days: the holiday calendar decides.
    weekdays = Evaluation(as_of=TODAY, params=PARAMS, calendar=WeekdayCalendar())
    assert only("R-APPT-01", evaluate_cadre(a.history(), weekdays)) == []


def test_appt_01_fires_without_a_notice_or_when_it_starts_before_the_decision() -> None:
    a = cadre()
    a.appointed(date(2024, 5, 20), decided_on=date(2024, 5, 10), notice={})
    b = cadre()
    b.appointed(
        date(2024, 5, 31), decided_on=date(2024, 5, 13),
        notice={"start": date(2024, 5, 10), "end": date(2024, 5, 20)},
    )  # fmt: skip
    assert only("R-APPT-01", a.evaluate(TODAY))[0].details["breaches"] == ["no public notice"]
    assert only("R-APPT-01", b.evaluate(TODAY))[0].details["breaches"] == [
        "the notice starts before the decision"
    ]


def test_appt_01_effect_on_the_last_notice_day_is_legal_but_a_day_earlier_is_not() -> None:
    notice = {"start": date(2024, 5, 13), "end": date(2024, 5, 17)}
    a = cadre()
    a.appointed(date(2024, 5, 17), decided_on=date(2024, 5, 13), notice=notice)
    b = cadre()
    b.appointed(date(2024, 5, 16), decided_on=date(2024, 5, 13), notice=notice)
    assert only("R-APPT-01", a.evaluate(TODAY)) == []
    assert len(only("R-APPT-01", b.evaluate(TODAY))) == 1


def test_appt_01_counts_monday_to_friday_in_a_year_without_a_schedule_and_says_so() -> None:
    a = cadre()
    a.appointed(
        date(2031, 3, 20), decided_on=date(2031, 3, 3),
        notice={"start": date(2031, 3, 3), "end": date(2031, 3, 6)},
    )  # fmt: skip
    [found] = only("R-APPT-01", a.evaluate(date(2031, 3, 21)))
    assert found.details["working_days"] == 4
    assert "2031" in found.details["calendar"]
    assert "Monday to Friday" in found.details["calendar"]


def test_appt_01_ignores_lateral_appointments() -> None:
    a = cadre()
    a.appointed(date(2024, 5, 20), kind="lateral", notice={})
    assert only("R-APPT-01", a.evaluate(TODAY)) == []


# -- R-APPT-02: the four procedure steps, on or before the decision --------------------------


def test_appt_02_does_not_fire_when_every_step_is_on_the_decision_day() -> None:
    a = cadre()
    day = date(2024, 5, 10)
    a.appointed(date(2024, 6, 10), decided_on=day, steps=dict.fromkeys(STEPS, day))
    assert only("R-APPT-02", a.evaluate(TODAY)) == []


def test_appt_02_fires_on_a_missing_step_or_a_step_after_the_decision() -> None:
    a = cadre()
    day = date(2024, 5, 10)
    steps = {
        **dict.fromkeys(STEPS, day),
        "records_review": None,
        "individual_talks": date(2024, 5, 11),
    }
    promoted = a.appointed(date(2024, 6, 10), decided_on=day, steps=steps)
    [found] = only("R-APPT-02", a.evaluate(TODAY))
    assert (found.details["missing"], found.details["after_decision"]) == (
        ["records_review"], ["individual_talks"],
    )  # fmt: skip
    assert found.evidence == (promoted.position,)


# -- R-APPT-03: an integrity talk on or before a leadership appointment takes effect ---------


def test_appt_03_does_not_fire_on_a_talk_the_day_it_takes_effect() -> None:
    a = cadre()
    a.appointed(date(2024, 6, 10), kind="lateral", talk=date(2024, 6, 10))
    assert only("R-APPT-03", a.evaluate(TODAY)) == []


def test_appt_03_fires_on_a_talk_a_day_late() -> None:
    a = cadre()
    a.appointed(date(2024, 6, 10), kind="lateral", talk=date(2024, 6, 11))
    [found] = only("R-APPT-03", a.evaluate(TODAY))
    assert found.details["integrity_talk"] == "2024-06-11"


def test_appt_03_does_not_judge_non_leadership_posts() -> None:
    a = cadre()
    a.appointed(date(2024, 6, 10), category="non_leadership", talk=date(2024, 7, 1))
    assert only("R-APPT-03", a.evaluate(TODAY)) == []


# -- R-APPT-04: no exceptional promotion within a year of a promotion, nor in probation -------


def test_appt_04_does_not_fire_exactly_a_year_after_the_previous_promotion() -> None:
    a = cadre()
    a.appointed(date(2023, 6, 10))
    a.appointed(date(2024, 6, 10), kind="exceptional", post="P2")
    assert only("R-APPT-04", a.evaluate(TODAY)) == []


def test_appt_04_fires_a_day_short_of_a_year() -> None:
    a = cadre()
    first = a.appointed(date(2023, 6, 10))
    second = a.appointed(date(2024, 6, 9), kind="exceptional", post="P2")
    [found] = only("R-APPT-04", a.evaluate(TODAY))
    assert found.evidence == (first.position, second.position)


def test_appt_04_fires_in_probation_and_not_on_the_day_it_ends() -> None:
    a = CadreFile()
    a.recruited(date(2023, 1, 31), probation_months=12)
    a.appointed(date(2024, 1, 30), kind="exceptional")
    b = CadreFile()
    b.recruited(date(2023, 1, 31), probation_months=12)
    b.appointed(date(2024, 1, 31), kind="exceptional")
    assert only("R-APPT-04", a.evaluate(TODAY))[0].details["breaches"] == [
        "in probation until 2024-01-31"
    ]
    assert only("R-APPT-04", b.evaluate(TODAY)) == []


def test_appt_04_a_recorded_probation_completion_ends_it() -> None:
    from domain import cadre_events as ev

    a = CadreFile()
    a.recruited(date(2023, 1, 31), probation_months=12)
    a.add(ev.ProbationCompleted, effective_date=date(2023, 12, 1))
    a.appointed(date(2024, 1, 2), kind="exceptional")
    assert only("R-APPT-04", a.evaluate(TODAY)) == []


def test_appt_03_fires_without_any_talk() -> None:
    a = cadre()
    a.appointed(date(2024, 6, 10), kind="lateral", talk=None)
    assert only("R-APPT-03", a.evaluate(TODAY))[0].details["integrity_talk"] is None


def test_appt_rules_read_only_what_took_effect_by_the_evaluation_date() -> None:
    a = cadre()
    a.appointed(date(2024, 6, 10), kind="lateral", talk=date(2024, 6, 11))
    assert only("R-APPT-03", evaluate_cadre(a.history(), evaluation(date(2024, 6, 9)))) == []
    assert len(only("R-APPT-03", evaluate_cadre(a.history(), evaluation(date(2024, 6, 10))))) == 1
