"""The whole demo county as plain data, planned from a seed and today's date (no store)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from demo import planted, planted_more
from demo.acts import CadrePlan, Documents
from demo.careers import CareerPlanner, World
from demo.complaint_cases import ComplaintPlan, complaints
from demo.county import COUNTY_ORGANS, TOWNSHIPS, Roster, UnitSpec, county_units
from demo.discipline import discipline
from demo.population import entrants, fill_vacancies, live, person
from demo.reviews import cap_excellent, plant_excellent

SEED = 2015  # the year the township service rules this demo exercises were issued


@dataclass
class Plan:
    """Units, cadres with their careers, and complaints, ready to be recorded."""

    today: date
    units: list[UnitSpec]
    cadres: list[CadrePlan]
    complaints: list[ComplaintPlan]
    roles: dict[str, str]  # cadres the complaints name: drinker, driver, suspect
    campaign: planted_more.CampaignPlan | None = None  # the cleanup under way

    @property
    def acts(self) -> int:
        """How many personnel acts the careers hold."""
        return sum(len(c.acts) for c in self.cadres)


def world_of(today: date, units: list[UnitSpec]) -> World:
    """The county as careers see it."""
    townships = {f"QHX-{short}": (f"QHX-{short}", f"QHX-{short}-DW") for short, *_ in TOWNSHIPS}
    villages = {
        gov: [u.code for u in units if u.parent == gov and u.level == "village"]
        for gov in townships
    }
    organs = [code for code, *_ in COUNTY_ORGANS]
    return World(today, Roster(units), Documents(), townships, organs, villages)


def build_plan(today: date, seed: int = SEED) -> Plan:
    """Plan the county for ``today``: the same seed and date give the same county."""
    units = county_units()
    world = world_of(today, units)
    rng = random.Random(seed)
    taken: set[str] = set()
    places = [name for _, name, *_ in TOWNSHIPS]

    def new_person(code: str, recruited: date, channel: str) -> CadrePlan:
        return person(world, random.Random(f"{seed}:{code}"), code, recruited, channel, taken,
                      places)  # fmt: skip

    careers = planted.build(world, new_person, random.Random(f"{seed}:planted"))
    reserved = planted.planted_codes()
    numbers = (n for n in range(1, 100_000) if f"QH{n:05d}" not in reserved)
    regular: list[CareerPlanner] = []
    for recruited, unit, channel in entrants(world, rng):
        code = f"QH{next(numbers):05d}"
        career_rng = random.Random(f"{seed}:{code}:career")
        career = CareerPlanner(world, new_person(code, recruited, channel), career_rng, recruited)
        career.start(unit, channel)
        live(career)
        regular.append(career)
    fill_vacancies(regular, random.Random(f"{seed}:vacancies"))
    roles = discipline(regular, rng)
    cadres = sorted((c.plan for c in careers + regular), key=lambda plan: plan.code)
    cap_excellent(cadres)
    # The latest year whose reviews are all recorded (they are, by the end of January).
    reviewed = today.year - 1 if today >= date(today.year, 1, 25) else today.year - 2
    plant_excellent(cadres, planted_more.TOO_MANY_EXCELLENT, reviewed)
    names = {plan.code: plan.name for plan in cadres}
    return Plan(today, units, cadres, complaints(today, names, roles, rng), roles,
                planted_more.campaign(today))  # fmt: skip
