"""R-TOWN-01..04: each fires on a minimal history and not at the nearest legal boundary."""

from __future__ import annotations

from datetime import date

from tests.support.rules import CITY, COUNTY, CadreFile, UnitFile, only

R = date(2020, 7, 1)  # recruitment into township T1
TODAY = date(2026, 11, 26)


def recruit(code: str = "A1", day: date = R, level: str = "township") -> CadreFile:
    cadre = CadreFile(code)
    cadre.recruited(day, level=level)
    return cadre


# -- R-TOWN-01: no transfer at all before R + 2 years --------------------------------------


def test_town_01_fires_on_a_transfer_a_day_before_two_years() -> None:
    cadre = recruit()
    moved = cadre.transferred(date(2022, 6, 30), to_unit="T2", to_level="township")
    [found] = only("R-TOWN-01", cadre.evaluate(TODAY))
    assert found.evidence == (cadre.entries[1].position, moved.position)
    assert (found.subject_code, found.anchor, found.severity) == ("A1", "v3", "violation")
    assert found.details["allowed_from"] == "2022-07-01"


def test_town_01_does_not_fire_on_a_transfer_at_exactly_two_years() -> None:
    cadre = recruit()
    cadre.transferred(date(2022, 7, 1), to_unit="T2", to_level="township")
    assert only("R-TOWN-01", cadre.evaluate(TODAY)) == []


def test_town_01_is_not_waived_by_an_approval() -> None:
    cadre = recruit()
    cadre.transferred(date(2021, 1, 1), approval=CITY)
    assert len(only("R-TOWN-01", cadre.evaluate(TODAY))) == 1


def test_town_01_ignores_a_cadre_recruited_into_a_county_unit() -> None:
    cadre = recruit(level="county")
    cadre.transferred(date(2021, 1, 1))
    assert only("R-TOWN-01", cadre.evaluate(TODAY)) == []


def test_town_01_forgets_a_retracted_transfer() -> None:
    cadre = recruit()
    moved = cadre.transferred(date(2021, 1, 1))
    cadre.retract(moved, date(2021, 2, 1))
    assert only("R-TOWN-01", cadre.evaluate(TODAY)) == []


# -- R-TOWN-02: leaving the township system before R + 5 years needs a city approval --------


def test_town_02_fires_on_a_county_transfer_in_year_three_with_a_county_approval() -> None:
    cadre = recruit()
    moved = cadre.transferred(date(2023, 3, 1), approval=COUNTY)
    [found] = only("R-TOWN-02", cadre.evaluate(TODAY))
    assert found.evidence == (cadre.entries[1].position, moved.position)
    assert found.details["approval_level"] == "county"


def test_town_02_does_not_fire_with_a_city_approval() -> None:
    cadre = recruit()
    cadre.transferred(date(2023, 3, 1), approval=CITY)
    assert only("R-TOWN-02", cadre.evaluate(TODAY)) == []


def test_town_02_does_not_fire_at_exactly_five_years() -> None:
    cadre = recruit()
    cadre.transferred(date(2025, 7, 1))
    assert only("R-TOWN-02", cadre.evaluate(TODAY)) == []


def test_town_02_fires_a_day_before_five_years() -> None:
    cadre = recruit()
    cadre.transferred(date(2025, 6, 30))
    assert len(only("R-TOWN-02", cadre.evaluate(TODAY))) == 1


def test_town_02_allows_a_transfer_to_another_township() -> None:
    cadre = recruit()
    cadre.transferred(date(2023, 3, 1), to_unit="T2", to_level="township")
    assert only("R-TOWN-02", cadre.evaluate(TODAY)) == []


# -- R-TOWN-03: non-leadership promotion in a township needs 5 continuous township years ---


def test_town_03_fires_on_a_promotion_after_four_years() -> None:
    cadre = recruit()
    promoted = cadre.appointed(date(2024, 7, 1), category="non_leadership")
    [found] = only("R-TOWN-03", cadre.evaluate(TODAY))
    assert promoted.position in found.evidence
    assert (found.details["township_since"], found.details["required_from"]) == (
        "2020-07-01", "2025-07-01",
    )  # fmt: skip


def test_town_03_does_not_fire_at_exactly_five_continuous_years_across_townships() -> None:
    cadre = recruit()
    cadre.transferred(date(2023, 1, 1), to_unit="T2", to_level="township")
    cadre.appointed(date(2025, 7, 1), unit="T2", category="non_leadership")
    assert only("R-TOWN-03", cadre.evaluate(TODAY)) == []


def test_town_03_counts_only_the_unbroken_spell() -> None:
    cadre = recruit(day=date(2015, 1, 1))
    cadre.transferred(date(2021, 1, 1), to_unit="C2", to_level="county")
    cadre.transferred(date(2022, 1, 1), to_unit="T2", to_level="township", from_unit="C2",
                      from_level="county")  # fmt: skip
    cadre.appointed(date(2026, 6, 1), unit="T2", category="non_leadership")
    [found] = only("R-TOWN-03", cadre.evaluate(TODAY))
    assert found.details["township_since"] == "2022-01-01"


def test_town_03_ignores_leadership_and_lateral_appointments() -> None:
    cadre = recruit()
    cadre.appointed(date(2021, 7, 1), category="leadership")
    cadre.appointed(date(2021, 8, 1), category="non_leadership", kind="lateral", post="P2")
    assert only("R-TOWN-03", cadre.evaluate(TODAY)) == []


# -- R-TOWN-04: two thirds of a township team with 2 years of township service ------------


def team(
    service_starts: list[date], as_of_post: date = date(2024, 1, 1)
) -> tuple[UnitFile, list[CadreFile]]:
    unit = UnitFile("T1")
    cadres = []
    for n, start in enumerate(service_starts):
        unit.post(f"P{n}")
        cadre = recruit(f"M{n}", day=start)
        cadre.appointed(as_of_post, post=f"P{n}", kind="lateral", team_member=True)
        cadres.append(cadre)
    return unit, cadres


def test_town_04_fires_when_one_of_three_members_has_two_years() -> None:
    unit, cadres = team([date(2020, 1, 1), date(2023, 6, 1), date(2023, 6, 1)])
    [found] = only("R-TOWN-04", unit.evaluate(cadres, date(2024, 6, 1)))
    assert (found.subject_kind, found.subject_code, found.anchor) == ("unit", "T1", "team")
    assert (found.details["with_service"], found.details["team_members"]) == (1, 3)
    appointed = {c.entries[-1].position for c in cadres}
    assert appointed <= set(found.evidence)


def test_town_04_does_not_fire_at_exactly_two_thirds() -> None:
    unit, cadres = team([date(2020, 1, 1), date(2020, 1, 1), date(2023, 6, 1)])
    assert only("R-TOWN-04", unit.evaluate(cadres, date(2024, 6, 1))) == []


def test_town_04_counts_exactly_two_years_of_service_as_two_years() -> None:
    unit, cadres = team([date(2022, 6, 1), date(2022, 6, 1), date(2023, 6, 1)])
    assert only("R-TOWN-04", unit.evaluate(cadres, date(2024, 6, 1))) == []
    assert len(only("R-TOWN-04", unit.evaluate(cadres, date(2024, 5, 31)))) == 1


def test_town_04_adds_up_service_across_a_spell_outside_the_townships() -> None:
    unit = UnitFile("T1")
    unit.post("P0")
    cadre = recruit("M0", day=date(2020, 1, 1))
    cadre.transferred(date(2021, 1, 1), to_unit="C2", to_level="county")
    cadre.transferred(date(2023, 1, 1), to_unit="T1", to_level="township", from_unit="C2",
                      from_level="county")  # fmt: skip
    cadre.appointed(date(2023, 1, 1), post="P0", kind="lateral", team_member=True)
    # one year, then two years away, then back: two years are reached on 2024-01-01
    assert len(only("R-TOWN-04", unit.evaluate([cadre], date(2023, 12, 31)))) == 1
    assert only("R-TOWN-04", unit.evaluate([cadre], date(2024, 1, 1))) == []


def test_town_04_only_judges_township_units() -> None:
    unit, cadres = team([date(2023, 6, 1)])
    county = UnitFile("T1", level="county")
    county.post("P0")
    assert len(only("R-TOWN-04", unit.evaluate(cadres, date(2024, 6, 1)))) == 1
    assert county.evaluate(cadres, date(2024, 6, 1)) == []
