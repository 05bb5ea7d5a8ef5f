"""The rules added in the second wave: each fires on a minimal history, does not fire at the
nearest lawful boundary, and a retraction of its evidence withdraws it.

R-TOWN-05/06, R-TRAIN-01, R-REV-01, R-DATA-02, R-DATA-01 over complaint steps, prior service
counted by the service rules, and R-SEC-04 over secondment periods.
"""

from __future__ import annotations

from datetime import date

from domain import cadre_events as ev
from domain import complaint as cp
from domain.rules import evaluate_cadre, evaluate_unit
from tests.support.rules import CITY, CadreFile, ComplaintFile, UnitFile, evaluation, only

R = date(2020, 7, 1)
TODAY = date(2026, 11, 26)


def recruit(code: str = "A1", day: date = R, **kw: object) -> CadreFile:
    cadre = CadreFile(code)
    cadre.recruited(day, **kw)
    return cadre


def resign(cadre: CadreFile, day: date, reason: str = "辞去公职") -> object:
    return cadre.add(ev.Departed, effective_date=day, reason=reason)


# -- R-TOWN-05: leaving the township system within 5 years other than by a transfer ------------


def test_town_05_fires_on_a_resignation_a_day_before_five_years() -> None:
    cadre = recruit()
    left = resign(cadre, date(2025, 6, 30))
    [found] = only("R-TOWN-05", cadre.evaluate(TODAY))
    assert found.evidence == (cadre.entries[1].position, left.position)  # type: ignore[attr-defined]
    assert (found.details["how"], found.details["minimum_service_ends"]) == (
        "resignation", "2025-07-01",
    )  # fmt: skip


def test_town_05_does_not_fire_at_exactly_five_years() -> None:
    cadre = recruit()
    resign(cadre, date(2025, 7, 1))
    assert only("R-TOWN-05", cadre.evaluate(TODAY)) == []


def test_town_05_does_not_judge_retirement_death_or_dismissal() -> None:
    for reason in ("因病去世", "退休", "辞退"):
        cadre = recruit()
        resign(cadre, date(2022, 7, 1), reason=reason)
        assert only("R-TOWN-05", cadre.evaluate(TODAY)) == [], reason


def test_town_05_leaves_transfers_to_r_town_01_and_02() -> None:
    cadre = recruit()
    cadre.transferred(date(2023, 1, 1), to_unit="C2")
    found = cadre.evaluate(TODAY)
    assert only("R-TOWN-05", found) == [] and len(only("R-TOWN-02", found)) == 1


def test_town_05_an_appointment_in_a_village_is_not_leaving() -> None:
    cadre = recruit()
    cadre.appointed(date(2023, 1, 1), unit="V1", level="village", kind="lateral")
    assert only("R-TOWN-05", cadre.evaluate(TODAY)) == []


def test_town_05_after_a_lawful_transfer_out_a_resignation_is_not_judged() -> None:
    cadre = recruit()
    cadre.transferred(date(2023, 1, 1), to_unit="C2", approval=CITY)
    resign(cadre, date(2024, 1, 1))
    assert only("R-TOWN-05", cadre.evaluate(TODAY)) == []


def test_town_05_is_withdrawn_when_the_resignation_is_retracted() -> None:
    cadre = recruit()
    left = resign(cadre, date(2023, 7, 1))
    assert len(only("R-TOWN-05", cadre.evaluate(TODAY))) == 1
    cadre.retract(left, date(2023, 8, 1))  # type: ignore[arg-type]
    assert only("R-TOWN-05", cadre.evaluate(TODAY)) == []


# -- R-TOWN-06: a village stay (驻村) within a year of recruitment --------------------------------


def dispatch(cadre: CadreFile, start: date) -> object:
    return cadre.add(
        ev.Dispatched, dispatch_id=f"d{len(cadre.entries)}", village_unit="V1",
        role="work_team", start_date=start, planned_end_date=date(start.year + 2, 1, 1),
    )  # fmt: skip


def test_town_06_fires_once_the_year_passed_without_a_dispatch() -> None:
    cadre = recruit()
    assert only("R-TOWN-06", cadre.evaluate(date(2021, 7, 1))) == []
    [found] = only("R-TOWN-06", cadre.evaluate(date(2021, 7, 2)))
    assert (found.details["dispatch_due_by"], found.evidence) == (
        "2021-07-01", (cadre.entries[1].position,),
    )  # fmt: skip


def test_town_06_a_dispatch_starting_on_the_anniversary_counts() -> None:
    on_time, late = recruit(), recruit()
    dispatch(on_time, date(2021, 7, 1))
    dispatch(late, date(2021, 7, 2))
    assert only("R-TOWN-06", on_time.evaluate(TODAY)) == []
    assert len(only("R-TOWN-06", late.evaluate(TODAY))) == 1


def test_town_06_applies_to_institution_staff_but_not_to_transfers_in() -> None:
    staff = recruit(channel="institution", unit_kind="institution")
    assert len(only("R-TOWN-06", staff.evaluate(TODAY))) == 1
    assert only("R-TOWN-06", recruit(channel="transfer_in").evaluate(TODAY)) == []


def test_town_06_prior_village_service_is_experience() -> None:
    cadre = CadreFile()
    cadre.add(
        ev.PriorServiceRecorded, recorded=date(2020, 6, 1), unit_name="某村村委会",
        unit_level="village", from_date=date(2017, 8, 1), to_date=date(2020, 6, 30),
        source="干部档案",
    )  # fmt: skip
    cadre.recruited(R, channel="targeted")
    assert only("R-TOWN-06", cadre.evaluate(TODAY)) == []


def test_town_06_is_withdrawn_by_a_back_dated_dispatch() -> None:
    cadre = recruit()
    assert len(only("R-TOWN-06", cadre.evaluate(TODAY))) == 1
    dispatch(cadre, date(2021, 3, 1))
    assert only("R-TOWN-06", cadre.evaluate(TODAY)) == []


# -- R-TOWN-04 over a township's whole team: party committee and government share one staff ----


def test_town_04_judges_the_team_of_the_units_sharing_a_staff_together() -> None:
    government, committee = UnitFile("T1"), UnitFile("T1-DW", joint_with="T1")
    for unit, posts in ((government, ("zz", "fz")), (committee, ("sj", "fsj", "zzwy"))):
        for post in posts:
            unit.post(post)
    members = []
    for code, unit, post, start in (("M", "T1", "zz", 2010), ("D", "T1", "fz", 2024),
                                    ("S", "T1-DW", "sj", 2012), ("F", "T1-DW", "fsj", 2015),
                                    ("Z", "T1-DW", "zzwy", 2016)):  # fmt: skip
        cadre = recruit(code, day=date(start, 3, 1))
        cadre.appointed(date(2024, 6, 1), unit=unit, post=post, kind="lateral", team_member=True)
        members.append(cadre)
    on = date(2024, 9, 1)
    # Alone, the government's team is 1 of 2; the township's is 4 of 5.
    assert len(only("R-TOWN-04", government.evaluate(members, on))) == 1
    assert only("R-TOWN-04", government.evaluate(members, on, (committee,))) == []
    assert committee.evaluate(members, on, (government,)) == []  # judged at T1, not twice
    for leaving in members[3:]:  # F and Z retire: 2 of the 3 left have two years
        leaving.add(ev.Departed, effective_date=date(2024, 8, 1), reason="退休")
    assert only("R-TOWN-04", government.evaluate(members, on, (committee,))) == []
    members[2].add(ev.Departed, effective_date=date(2024, 8, 1), reason="退休")
    [found] = only("R-TOWN-04", government.evaluate(members, on, (committee,)))
    assert (found.details["with_service"], found.details["team_members"]) == (1, 2)
    assert found.details["units"] == ["T1", "T1-DW"]


# -- prior service (PriorServiceRecorded) counts where service is counted ------------------------


def test_prior_township_service_makes_a_team_member_experienced() -> None:
    unit = UnitFile("T1")
    unit.post("P0")
    cadre = CadreFile("M0")
    prior = cadre.add(
        ev.PriorServiceRecorded, recorded=date(2024, 1, 2), unit_name="外县某镇人民政府",
        unit_level="township", from_date=date(2019, 1, 1), to_date=date(2023, 12, 31),
        source="干部档案",
    )  # fmt: skip
    cadre.recruited(date(2024, 1, 1), channel="transfer_in")
    cadre.appointed(date(2024, 1, 1), post="P0", kind="lateral", team_member=True)
    assert unit.evaluate([cadre], date(2024, 6, 1)) == []
    cadre.retract(prior, date(2024, 7, 1))
    assert len(only("R-TOWN-04", unit.evaluate([cadre], date(2024, 7, 1)))) == 1


def test_prior_service_adjoining_the_recruitment_continues_the_township_spell() -> None:
    cadre = CadreFile()
    cadre.add(
        ev.PriorServiceRecorded, recorded=date(2021, 1, 1), unit_name="外县某镇人民政府",
        unit_level="township", from_date=date(2016, 1, 1), to_date=date(2020, 12, 31),
        source="干部档案",
    )  # fmt: skip
    cadre.recruited(date(2021, 1, 1), channel="transfer_in")
    cadre.appointed(date(2021, 6, 1), category="non_leadership")
    assert only("R-TOWN-03", cadre.evaluate(TODAY)) == []


def test_prior_service_is_never_a_late_entry() -> None:
    cadre = recruit()
    cadre.add(
        ev.PriorServiceRecorded, recorded=date(2024, 1, 2), unit_name="某县某局",
        unit_level="county", from_date=date(2010, 1, 1), to_date=date(2015, 12, 31),
        source="干部档案",
    )  # fmt: skip
    assert only("R-DATA-01", cadre.evaluate(TODAY)) == []


# -- R-SEC-04 periods: the boundary of "one period" ------------------------------------------------


def test_sec_04_a_period_of_exactly_six_months_is_lawful() -> None:
    cadre = recruit(day=date(2015, 1, 1))
    first = cadre.seconded(date(2024, 1, 1), date(2024, 3, 31))
    cadre.ended(first.event.secondment_id, date(2024, 3, 31))
    second = cadre.seconded(date(2024, 4, 30), date(2024, 7, 1))
    cadre.ended(second.event.secondment_id, date(2024, 7, 1))
    assert only("R-SEC-04", cadre.evaluate(TODAY)) == []
    cadre.retract(cadre.entries[-1], date(2024, 8, 1))  # the second's end: it runs on
    [found] = only("R-SEC-04", cadre.evaluate(TODAY))
    assert found.details["period"] == [first.event.secondment_id, second.event.secondment_id]


def test_sec_04_another_host_starts_another_period() -> None:
    cadre = recruit(day=date(2015, 1, 1))
    for host, (start, end) in (("C2", (date(2024, 1, 1), date(2024, 6, 30))),
                               ("C3", (date(2024, 7, 5), date(2024, 12, 31)))):  # fmt: skip
        s = cadre.seconded(start, end, host=host)
        cadre.ended(s.event.secondment_id, end)
    assert only("R-SEC-04", cadre.evaluate(TODAY)) == []


# -- R-TRAIN-01: 12 training days in each whole year of service -----------------------------------


def train(cadre: CadreFile, start: date, days: int) -> object:
    return cadre.add(ev.TrainingRecorded, start_date=start, days=days, topic="专题培训")


def test_train_01_fires_on_eleven_days_and_not_on_twelve() -> None:
    short, enough = recruit(day=date(2022, 1, 1)), recruit(day=date(2022, 1, 1))
    course = train(short, date(2023, 5, 8), 11)
    train(enough, date(2023, 5, 8), 7)
    train(enough, date(2023, 11, 6), 5)
    found = [f for f in only("R-TRAIN-01", short.evaluate(date(2024, 1, 1)))
             if f.anchor == "training-2023"]  # fmt: skip
    assert [f.details["training_days"] for f in found] == [11]
    assert course.position in found[0].evidence  # type: ignore[attr-defined]
    assert "training-2023" not in {
        f.anchor for f in only("R-TRAIN-01", enough.evaluate(date(2024, 1, 1)))
    }


def test_train_01_judges_a_year_only_once_it_is_over_and_only_whole_years() -> None:
    cadre = recruit(day=date(2022, 1, 2))  # 2022 is not a whole year of service
    assert only("R-TRAIN-01", cadre.evaluate(date(2023, 12, 31))) == []
    assert [f.anchor for f in only("R-TRAIN-01", cadre.evaluate(date(2024, 1, 1)))] == [
        "training-2023"
    ]


def test_train_01_does_not_judge_the_year_of_departure() -> None:
    cadre = recruit(day=date(2022, 1, 1))
    train(cadre, date(2022, 3, 1), 12)
    resign(cadre, date(2023, 12, 31), reason="退休")
    assert only("R-TRAIN-01", cadre.evaluate(TODAY)) == []


def test_train_01_is_withdrawn_when_a_course_is_recorded_later() -> None:
    cadre = recruit(day=date(2022, 1, 1))
    train(cadre, date(2022, 3, 1), 12)
    assert len(only("R-TRAIN-01", cadre.evaluate(date(2024, 1, 1)))) == 1
    train(cadre, date(2023, 3, 1), 12)
    assert only("R-TRAIN-01", cadre.evaluate(date(2024, 1, 1))) == []


# -- R-REV-01: at most 20 % excellent in a township unit's annual review --------------------------


def reviewed(ratings: list[str], year: int = 2025) -> tuple[UnitFile, list[CadreFile]]:
    unit = UnitFile("T1")
    cadres = []
    for n, rating in enumerate(ratings):
        cadre = recruit(f"R{n}", day=date(2015, 1, 1))
        cadre.add(ev.AnnualReviewRecorded, recorded=date(year + 1, 1, 10), year=year,
                  rating=rating)  # fmt: skip
        cadres.append(cadre)
    return unit, cadres


def test_rev_01_fires_on_two_of_nine_and_not_on_one_of_five() -> None:
    unit, cadres = reviewed(["excellent"] * 2 + ["competent"] * 7)
    [found] = only("R-REV-01", unit.evaluate(cadres, TODAY))
    assert (found.anchor, found.details["share"]) == ("review-2025", "2/9")
    assert len(found.evidence) == 9
    unit, cadres = reviewed(["excellent"] + ["competent"] * 4)
    assert only("R-REV-01", unit.evaluate(cadres, TODAY)) == []


def test_rev_01_waits_for_the_whole_unit_until_the_reviews_are_due() -> None:
    unit, cadres = reviewed(["excellent", "competent"])
    cadres.append(recruit("R9", day=date(2015, 1, 1)))  # not reviewed yet
    assert only("R-REV-01", unit.evaluate(cadres, date(2026, 3, 31))) == []
    assert len(only("R-REV-01", unit.evaluate(cadres, date(2026, 4, 1)))) == 1


def test_rev_01_counts_only_the_unit_s_own_cadres() -> None:
    unit, cadres = reviewed(["excellent", "excellent"] + ["competent"] * 7)
    assert len(only("R-REV-01", unit.evaluate(cadres, TODAY))) == 1
    cadres[0].transferred(date(2025, 6, 1), to_unit="C2")  # in the county on 31 December
    assert only("R-REV-01", unit.evaluate(cadres, TODAY)) == []  # 1 of 8


def test_rev_01_is_withdrawn_when_an_excellent_rating_is_retracted() -> None:
    unit, cadres = reviewed(["excellent", "excellent"] + ["competent"] * 7)
    cadres[1].retract(cadres[1].entries[-1], date(2026, 2, 1))
    assert only("R-REV-01", evaluate_unit(unit.history(), [c.history() for c in cadres],
                                          evaluation(TODAY))) == []  # fmt: skip


# -- R-DATA-02: a post outside the home unit without a transfer or secondment ----------------------


def test_data_02_fires_on_a_post_in_another_township_and_not_in_the_host_of_a_secondment() -> None:
    cadre = recruit()
    post = cadre.appointed(date(2023, 1, 1), unit="T2", kind="lateral")
    [found] = only("R-DATA-02", cadre.evaluate(TODAY))
    assert found.evidence == (cadre.entries[1].position, post.position)
    hosted = recruit()
    hosted.seconded(date(2023, 1, 1), date(2023, 6, 30), host="C2")
    hosted.appointed(date(2023, 1, 1), unit="C2", level="county", kind="lateral")
    assert only("R-DATA-02", hosted.evaluate(TODAY)) == []


def test_data_02_a_transfer_on_the_day_of_the_appointment_makes_it_the_home() -> None:
    cadre = recruit()
    cadre.appointed(date(2023, 1, 1), unit="T2", kind="lateral")
    cadre.transferred(date(2023, 1, 1), to_unit="T2", to_level="township")
    assert only("R-DATA-02", cadre.evaluate(TODAY)) == []


class Joint:
    def joint(self, code: str) -> frozenset[str]:
        return frozenset({"T1", "T1-DW"}) if code in {"T1", "T1-DW"} else frozenset({code})


def test_data_02_a_unit_sharing_its_staff_with_the_home_is_the_home() -> None:
    cadre = recruit()
    cadre.appointed(date(2023, 1, 1), unit="T1-DW", kind="lateral")
    assert len(only("R-DATA-02", cadre.evaluate(TODAY))) == 1
    with_joint = evaluation(TODAY).__class__(
        as_of=TODAY, params=evaluation(TODAY).params, calendar=evaluation(TODAY).calendar,
        units=Joint(),
    )  # fmt: skip
    assert only("R-DATA-02", evaluate_cadre(cadre.history(), with_joint)) == []


def test_data_02_is_withdrawn_when_the_appointment_is_retracted() -> None:
    cadre = recruit()
    post = cadre.appointed(date(2023, 1, 1), unit="T2", kind="lateral")
    cadre.retract(post, date(2023, 2, 1))
    assert only("R-DATA-02", cadre.evaluate(TODAY)) == []


# -- R-DATA-01 over complaint steps, and the extensions R-PET-02 counts ---------------------------


def test_data_01_a_decision_dated_in_time_but_recorded_after_the_deadline() -> None:
    c = ComplaintFile(date(2024, 3, 1))
    c._add(cp.ComplaintAccepted, date(2024, 4, 10), date=date(2024, 3, 10), handler_unit="县纪委")
    found = c.evaluate(date(2024, 6, 1))
    assert only("R-PET-01", found) == []
    [late] = only("R-DATA-01", found)
    assert (late.subject_kind, late.details["deadline"]) == ("complaint", "2024-03-16")


def test_data_01_a_decision_recorded_on_its_deadline_is_in_time() -> None:
    c = ComplaintFile(date(2024, 3, 1))
    c._add(cp.ComplaintAccepted, date(2024, 3, 16), date=date(2024, 3, 10), handler_unit="县纪委")
    assert only("R-DATA-01", c.evaluate(date(2024, 6, 1))) == []


def test_pet_02_an_extension_recorded_after_the_deadline_extends_nothing() -> None:
    c = ComplaintFile(date(2024, 3, 1))
    c.accepted(date(2024, 3, 5))
    c.extended(30, date(2024, 5, 5))  # the conclude-by date was 4 May
    [found] = only("R-PET-02", c.evaluate(date(2024, 6, 1)))
    assert (found.details["extension_days"], found.details["conclude_by"]) == (0, "2024-05-04")
    on_time = ComplaintFile(date(2024, 3, 1))
    on_time.accepted(date(2024, 3, 5))
    on_time.extended(30, date(2024, 5, 4))
    assert only("R-PET-02", on_time.evaluate(date(2024, 6, 1))) == []
