"""The rule defects of the domain review (issue 14), each reproduced on a minimal history.

Each test failed before its fix. Defects seen over HTTP (2, 8, 9) are reproduced there too
(tests/e2e/test_rule_defects_api.py).
"""

from __future__ import annotations

from datetime import date

from domain import cadre_events as ev
from tests.support.rules import CITY, COUNTY, CadreFile, UnitFile, only

TODAY = date(2026, 11, 26)


def recruit(code: str = "A1", day: date = date(2020, 7, 1), **kw: object) -> CadreFile:
    cadre = CadreFile(code)
    cadre.recruited(day, **kw)
    return cadre


# -- 1. R-TOWN-04 counts people, not posts; departed holders are not the team -------------


def test_1_a_secretary_holding_two_team_posts_counts_once() -> None:
    unit = UnitFile("T1")
    for post in ("sj", "rd", "zz", "fz"):
        unit.post(post)
    secretary = recruit("S", day=date(2024, 1, 1))  # under two years: not experienced
    secretary.appointed(date(2024, 2, 1), post="sj", kind="lateral", team_member=True)
    secretary.appointed(date(2024, 2, 1), post="rd", kind="lateral", team_member=True)
    mayor = recruit("M", day=date(2015, 1, 1))
    mayor.appointed(date(2024, 2, 1), post="zz", kind="lateral", team_member=True)
    deputy = recruit("D", day=date(2016, 1, 1))
    deputy.appointed(date(2024, 2, 1), post="fz", kind="lateral", team_member=True)
    # 2 of 3 people have two years: the team meets the target (by posts it would be 2 of 4).
    assert only("R-TOWN-04", unit.evaluate([secretary, mayor, deputy], date(2024, 6, 1))) == []


def test_1_a_departed_holder_is_not_counted() -> None:
    unit = UnitFile("T1")
    for post in ("sj", "zz", "fz"):
        unit.post(post)
    members = []
    for code, post, start in (("S", "sj", 2015), ("M", "zz", 2016), ("D", "fz", 2024)):
        cadre = recruit(code, day=date(start, 1, 1))
        cadre.appointed(date(2024, 2, 1), post=post, kind="lateral", team_member=True)
        members.append(cadre)
    members[0].add(ev.Departed, effective_date=date(2024, 3, 1), reason="辞去公职")
    # S resigned without being removed from the post: the team is M and D, 1 of 2.
    [found] = only("R-TOWN-04", unit.evaluate(members, date(2024, 6, 1)))
    assert (found.details["with_service"], found.details["team_members"]) == (1, 2)


# -- 3. R-TOWN-01/02 are about newly recruited civil servants of township organs -------------


def test_3_a_transfer_in_is_not_a_township_recruit() -> None:
    cadre = recruit(channel="transfer_in")
    cadre.transferred(date(2021, 1, 1))
    found = cadre.evaluate(TODAY)
    assert only("R-TOWN-01", found) == [] and only("R-TOWN-02", found) == []


def test_3_institution_staff_are_not_township_recruits() -> None:
    cadre = recruit(channel="institution", unit_kind="institution")
    cadre.transferred(date(2021, 1, 1))
    assert only("R-TOWN-01", cadre.evaluate(TODAY)) == []


def test_3_a_selected_graduate_is_a_township_recruit() -> None:
    cadre = recruit(channel="selected_graduate")
    cadre.transferred(date(2021, 1, 1))
    assert len(only("R-TOWN-01", cadre.evaluate(TODAY))) == 1


# -- 4. R-TOWN-02 judges leaving the township system, not later county moves --------------


def test_4_a_county_to_county_move_after_a_lawful_departure_is_not_judged() -> None:
    cadre = recruit()
    cadre.transferred(date(2023, 3, 1), to_unit="C2", approval=CITY)
    cadre.transferred(
        date(2024, 1, 1), to_unit="C3", from_unit="C2", from_level="county", approval=None
    )
    assert only("R-TOWN-02", cadre.evaluate(TODAY)) == []


def test_4_leaving_again_after_coming_back_is_judged() -> None:
    cadre = recruit()
    cadre.transferred(date(2023, 3, 1), to_unit="C2", approval=CITY)
    cadre.transferred(
        date(2023, 9, 1), to_unit="T2", to_level="township", from_unit="C2", from_level="county"
    )
    left = cadre.transferred(date(2024, 3, 1), to_unit="C3", from_unit="T2", approval=COUNTY)
    [found] = only("R-TOWN-02", cadre.evaluate(TODAY))
    assert found.anchor == f"v{left.version}"


# -- 5. R-TOWN-03: 在岗 (seconded out is not serving in the township) ------------------------


def test_5_a_promotion_while_seconded_out_fires() -> None:
    cadre = recruit(day=date(2012, 1, 1))
    cadre.seconded(date(2023, 1, 1), date(2023, 6, 30))
    cadre.appointed(date(2023, 3, 1), category="non_leadership")
    [found] = only("R-TOWN-03", cadre.evaluate(TODAY))
    assert found.details["seconded_out"] is True


def test_5_time_seconded_out_does_not_count_as_township_service() -> None:
    cadre = recruit(day=date(2018, 1, 1))
    s = cadre.seconded(date(2021, 1, 1), date(2022, 12, 31))
    cadre.ended(s.event.secondment_id, date(2023, 1, 1))
    cadre.appointed(date(2023, 3, 1), category="non_leadership")
    # 5 years 2 months at home, 2 years of them seconded to the county: about 3 years served.
    [found] = only("R-TOWN-03", cadre.evaluate(TODAY))
    assert found.details["required_from"] == "2024-12-31"


# -- 6. back-to-back secondments to one host are one period for R-SEC-04 --------------------


def _three_spells(cadre: CadreFile, gap_days: int) -> None:
    spells = ((date(2024, 1, 1), date(2024, 6, 30)),)
    start = date(2024, 6, 30).toordinal() + gap_days
    spells += ((date.fromordinal(start), date.fromordinal(start + 180)),)
    start += 180 + gap_days
    spells += ((date.fromordinal(start), date.fromordinal(start + 180)),)
    for begin, end in spells:
        s = cadre.seconded(begin, end)
        cadre.ended(s.event.secondment_id, end)


def test_6_three_six_month_secondments_to_one_host_are_one_period() -> None:
    cadre = recruit(day=date(2015, 1, 1))
    _three_spells(cadre, gap_days=10)
    [found] = only("R-SEC-04", cadre.evaluate(TODAY))
    assert len(found.details["period"]) == 3
    assert found.anchor == cadre.entries[2].event.secondment_id  # the period's first


def test_6_a_gap_of_more_than_thirty_days_starts_a_new_period() -> None:
    cadre = recruit(day=date(2015, 1, 1))
    _three_spells(cadre, gap_days=31)
    assert only("R-SEC-04", cadre.evaluate(TODAY)) == []


# -- 7. leaving the township system by resignation or an appointment elsewhere -------------


def test_7_a_resignation_within_five_years_fires_r_town_05() -> None:
    cadre = recruit()
    left = cadre.add(ev.Departed, effective_date=date(2023, 7, 1), reason="辞去公职")
    [found] = only("R-TOWN-05", cadre.evaluate(TODAY))
    assert left.position in found.evidence


def test_7_an_appointment_in_a_county_organ_without_a_transfer_fires() -> None:
    cadre = recruit()
    cadre.appointed(date(2023, 7, 1), unit="C2", level="county", kind="lateral")
    found = cadre.evaluate(TODAY)
    assert len(only("R-TOWN-05", found)) == 1
    assert len(only("R-DATA-02", found)) == 1


# -- 10. 留党察看 and 开除 have influence periods ------------------------------------------------


def test_10_party_probation_blocks_its_term_plus_twelve_months() -> None:
    cadre = recruit(day=date(2010, 1, 1))
    cadre.add(
        ev.Sanctioned, date=date(2020, 1, 1), kind="party_probation", authority="县纪委",
        reason="违反工作纪律", term_months=24,
    )  # fmt: skip
    cadre.appointed(date(2023, 3, 1), decided_on=date(2022, 12, 31))
    [found] = only("R-DISC-02", cadre.evaluate(TODAY))
    assert found.details["sanctions"][0]["until"] == "2023-01-01"


def test_10_expulsion_blocks_forever() -> None:
    cadre = recruit(day=date(2000, 1, 1))
    cadre.add(
        ev.Sanctioned, date=date(2005, 1, 1), kind="expulsion", authority="县纪委",
        reason="严重违纪", term_months=None,
    )  # fmt: skip
    cadre.appointed(date(2024, 3, 1))
    [found] = only("R-DISC-02", cadre.evaluate(TODAY))
    assert found.details["sanctions"][0]["until"] is None
