"""R-SEC-01..07: each fires on a minimal history and not at the nearest legal boundary."""

from __future__ import annotations

from datetime import date

from tests.support.rules import CITY, COUNTY, PROVINCE, CadreFile, only

R = date(2018, 7, 1)
TODAY = date(2026, 11, 26)


def cadre(recruited: date = R, level: str = "township") -> CadreFile:
    record = CadreFile()
    record.recruited(recruited, level=level)
    return record


# -- R-SEC-01: township cadre to a higher organ needs an approval of the host's level ------


def test_sec_01_fires_without_an_approval() -> None:
    a = cadre()
    s = a.seconded(date(2024, 1, 1), date(2024, 6, 30), approval=None)
    [found] = only("R-SEC-01", a.evaluate(date(2024, 3, 1)))
    # It rests on the secondment and on what made the cadre a township cadre then.
    home = a.entries[1].position
    assert (found.anchor, found.evidence) == (s.event.secondment_id, (home, s.position))


def test_sec_01_fires_with_an_approval_below_the_host_level() -> None:
    a = cadre()
    a.seconded(date(2024, 1, 1), date(2024, 6, 30), host="S1", host_level="city", approval=COUNTY)
    assert len(only("R-SEC-01", a.evaluate(date(2024, 3, 1)))) == 1


def test_sec_01_does_not_fire_with_an_approval_of_the_host_level() -> None:
    a = cadre()
    a.seconded(date(2024, 1, 1), date(2024, 6, 30), host="S1", host_level="city", approval=CITY)
    assert only("R-SEC-01", a.evaluate(date(2024, 3, 1))) == []


def test_sec_01_does_not_judge_a_secondment_between_townships() -> None:
    a = cadre()
    a.seconded(date(2024, 1, 1), date(2024, 6, 30), host="T2", host_level="township", approval=None)
    assert only("R-SEC-01", a.evaluate(date(2024, 3, 1))) == []


# -- R-SEC-02: a planned end ------------------------------------------------------------------


def test_sec_02_fires_on_a_secondment_without_a_planned_end() -> None:
    a = cadre()
    a.seconded(date(2024, 1, 1), None)
    assert len(only("R-SEC-02", a.evaluate(date(2024, 3, 1)))) == 1


def test_sec_02_does_not_fire_on_a_one_day_secondment() -> None:
    a = cadre()
    a.seconded(date(2024, 1, 1), date(2024, 1, 1))
    assert only("R-SEC-02", a.evaluate(date(2024, 3, 1))) == []


def test_sec_02_stops_holding_once_an_extension_sets_an_end() -> None:
    a = cadre()
    s = a.seconded(date(2024, 1, 1), None)
    a.extended(s.event.secondment_id, date(2024, 2, 1), date(2024, 5, 1))
    assert len(only("R-SEC-02", a.evaluate(date(2024, 1, 31)))) == 1
    assert only("R-SEC-02", a.evaluate(date(2024, 2, 1))) == []


# -- R-SEC-03: no township recruit to a higher organ before R + 2 years -----------------------


def test_sec_03_fires_a_day_before_two_years_even_with_an_approval() -> None:
    a = cadre(recruited=date(2022, 3, 1))
    s = a.seconded(date(2024, 2, 29), date(2024, 6, 1), approval=PROVINCE)
    [found] = only("R-SEC-03", a.evaluate(date(2024, 3, 5)))
    assert found.evidence == (a.entries[1].position, s.position)


def test_sec_03_does_not_fire_at_exactly_two_years() -> None:
    a = cadre(recruited=date(2022, 3, 1))
    a.seconded(date(2024, 3, 1), date(2024, 6, 1))
    assert only("R-SEC-03", a.evaluate(date(2024, 3, 5))) == []


# -- R-SEC-04: 6 months without an extension, 12 without a higher approval ------------------


def test_sec_04_does_not_fire_at_exactly_six_months_from_a_month_end() -> None:
    a = cadre()
    a.seconded(date(2024, 1, 31), date(2024, 7, 31))
    assert only("R-SEC-04", a.evaluate(date(2024, 3, 1))) == []


def test_sec_04_fires_when_planned_a_day_past_six_months() -> None:
    a = cadre()
    s = a.seconded(date(2024, 1, 31), date(2024, 8, 1))
    [found] = only("R-SEC-04", a.evaluate(date(2024, 3, 1)))
    assert found.evidence == (s.position,)
    assert found.details["breaches"] == ["over 6 months without an extension"]


def test_sec_04_fires_when_an_active_secondment_outlives_six_months() -> None:
    a = cadre()
    a.seconded(date(2024, 1, 31), date(2024, 7, 31))
    assert only("R-SEC-04", a.evaluate(date(2024, 7, 31))) == []
    assert len(only("R-SEC-04", a.evaluate(date(2024, 8, 1)))) == 1


def test_sec_04_an_extension_covers_up_to_twelve_months() -> None:
    a = cadre()
    s = a.seconded(date(2024, 1, 31), date(2024, 7, 31))
    a.extended(s.event.secondment_id, date(2024, 7, 1), date(2025, 1, 31))
    assert only("R-SEC-04", a.evaluate(date(2024, 12, 1))) == []


def test_sec_04_beyond_twelve_months_needs_an_approval_above_the_host() -> None:
    a = cadre()
    s = a.seconded(date(2024, 1, 31), date(2024, 7, 31))
    sid = s.event.secondment_id
    extension = a.extended(sid, date(2024, 7, 1), date(2025, 2, 1), approval=COUNTY)
    [found] = only("R-SEC-04", a.evaluate(date(2024, 12, 1)))
    assert found.evidence == (s.position, extension.position)
    b = cadre()
    s = b.seconded(date(2024, 1, 31), date(2024, 7, 31))
    b.extended(s.event.secondment_id, date(2024, 7, 1), date(2025, 2, 1), approval=CITY)
    assert only("R-SEC-04", b.evaluate(date(2024, 12, 1))) == []


# -- R-SEC-05: overdue --------------------------------------------------------------------------


def test_sec_05_fires_the_day_after_the_planned_end() -> None:
    a = cadre()
    a.seconded(date(2024, 1, 31), date(2024, 7, 31))
    assert only("R-SEC-05", a.evaluate(date(2024, 7, 31))) == []
    [found] = only("R-SEC-05", a.evaluate(date(2024, 8, 1)))
    assert found.details["days_overdue"] == 1


def test_sec_05_stops_holding_when_the_secondment_ends() -> None:
    a = cadre()
    s = a.seconded(date(2024, 1, 31), date(2024, 7, 31))
    a.ended(s.event.secondment_id, date(2024, 9, 1))
    assert len(only("R-SEC-05", a.evaluate(date(2024, 8, 15)))) == 1
    assert only("R-SEC-05", a.evaluate(date(2024, 9, 1))) == []


def test_sec_05_follows_the_extended_end() -> None:
    a = cadre()
    s = a.seconded(date(2024, 1, 31), date(2024, 7, 31))
    a.extended(s.event.secondment_id, date(2024, 7, 1), date(2024, 12, 31), approval=CITY)
    assert only("R-SEC-05", a.evaluate(date(2024, 12, 31))) == []


# -- R-SEC-06: again within 2 years of the previous secondment's end ------------------------


def _two(gap_end: date, again: date) -> CadreFile:
    a = cadre()
    first = a.seconded(date(2022, 1, 1), date(2022, 6, 30))
    a.ended(first.event.secondment_id, gap_end)
    a.seconded(again, date(again.year, 12, 31))
    return a


def test_sec_06_fires_a_day_before_two_years_after_the_previous_end() -> None:
    a = _two(date(2022, 6, 30), date(2024, 6, 29))
    [found] = only("R-SEC-06", a.evaluate(TODAY))
    assert found.evidence == (a.entries[3].position, a.entries[4].position)
    assert found.severity == "warning"


def test_sec_06_does_not_fire_at_exactly_two_years() -> None:
    a = _two(date(2022, 6, 30), date(2024, 6, 30))
    assert only("R-SEC-06", a.evaluate(TODAY)) == []


# -- R-SEC-07: county-or-lower to a higher organ ------------------------------------------------


def test_sec_07_warns_on_a_township_cadre_seconded_to_the_county() -> None:
    a = cadre()
    a.seconded(date(2024, 1, 1), date(2024, 3, 1))
    [found] = only("R-SEC-07", a.evaluate(date(2024, 2, 1)))
    assert found.severity == "warning"


def test_sec_07_warns_on_a_county_cadre_seconded_to_the_city() -> None:
    a = cadre(level="county")
    a.seconded(date(2024, 1, 1), date(2024, 3, 1), home="C1", home_level="county", host="S1",
               host_level="city")  # fmt: skip
    assert len(only("R-SEC-07", a.evaluate(date(2024, 2, 1)))) == 1


def test_sec_07_does_not_warn_between_units_of_the_same_level() -> None:
    a = cadre(level="county")
    a.seconded(date(2024, 1, 1), date(2024, 3, 1), home="C1", home_level="county")
    b = cadre()
    b.seconded(date(2024, 1, 1), date(2024, 3, 1), host="T2", host_level="township")
    assert only("R-SEC-07", a.evaluate(date(2024, 2, 1))) == []
    assert only("R-SEC-07", b.evaluate(date(2024, 2, 1))) == []


def test_sec_07_does_not_judge_a_city_cadre() -> None:
    a = cadre(level="city")
    a.seconded(date(2024, 1, 1), date(2024, 3, 1), home="S2", home_level="city", host="P1",
               host_level="province")  # fmt: skip
    assert only("R-SEC-07", a.evaluate(date(2024, 2, 1))) == []


def test_sec_07_judges_secondments_from_the_2024_rule_on() -> None:
    a = cadre()
    a.seconded(date(2023, 12, 31), date(2024, 3, 1))
    b = cadre()
    b.seconded(date(2024, 1, 1), date(2024, 3, 1))
    assert only("R-SEC-07", a.evaluate(date(2024, 2, 1))) == []
    assert len(only("R-SEC-07", b.evaluate(date(2024, 2, 1)))) == 1
