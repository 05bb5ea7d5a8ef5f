"""The county's regular cadres: who entered service where, when and how, and how each career
went on (every act lawful; the deliberately illegal ones live in ``planted``)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from demo.acts import CadrePlan, second
from demo.careers import CareerPlanner, World
from demo.dates import workday_on_or_after
from demo.names import growth_place, person_name
from domain.rules.dates import add_months, add_years

TOWNSHIP_CHANNELS = (("exam", 60), ("selected_graduate", 15), ("targeted", 15), ("transfer_in", 10))
COUNTY_CHANNELS = (
    ("exam", 55),
    ("selected_graduate", 10),
    ("institution", 15),
    ("transfer_in", 20),
)
AGE_AT_ENTRY = {
    "exam": (22, 30), "selected_graduate": (22, 25), "targeted": (23, 30),
    "institution": (25, 35), "transfer_in": (28, 45),
}  # fmt: skip
INSPECTION_OFFICE = "QHX-XCY"
# 2024: 上级机关原则上不得从县及以下单位借调干部 (R-SEC-07).
NO_SECONDMENT_UPWARDS = date(2024, 1, 1)


def entrants(world: World, rng: random.Random) -> list[tuple[date, str, str]]:
    """(recruitment date, unit, channel) of every regular cadre, oldest first."""
    found = []
    for units, channels, size in (
        (list(world.townships), TOWNSHIP_CHANNELS, (22, 28)),
        (world.organs, COUNTY_CHANNELS, (8, 12)),
    ):
        names = [name for name, _ in channels]
        weights = [weight for _, weight in channels]
        for unit in units:
            for _ in range(rng.randint(*size)):
                day = world.today - timedelta(days=rng.randint(150, 22 * 365))
                found.append((workday_on_or_after(day), unit, rng.choices(names, weights)[0]))
    return sorted(found)


def person(world: World, rng: random.Random, code: str, day: date, channel: str,
           taken: set[str], townships: list[str]) -> CadrePlan:  # fmt: skip
    """A cadre of plausible age for the channel."""
    gender = "男" if rng.random() < 0.62 else "女"
    age = rng.randint(*AGE_AT_ENTRY[channel])
    birth = day - timedelta(days=age * 365 + rng.randrange(365))
    return CadrePlan(code, person_name(rng, gender, taken), gender, birth,
                     growth_place(rng, townships))  # fmt: skip


def live(career: CareerPlanner) -> None:
    """Plan the career from the end of probation to today."""
    world, rng, plan = career.world, career.rng, career.plan
    today = world.today
    retire = add_months(add_years(plan.birth_date, 60).replace(day=1), 1)  # 退休: month after 60
    limit = min(today - timedelta(days=40), retire - timedelta(days=90))
    t = add_months(career.recruited, 12)
    while True:
        t += timedelta(days=rng.randint(600, 1500))
        if t > limit:
            break
        if step(career, t, rng.random(), limit) == "left":
            career.reviews(t)
            return
        t = max(t, plan.last_move())
    if retire <= today - timedelta(days=10):
        career.retire(retire, "退休")
        career.reviews(retire)
        return
    current(career)
    career.reviews(today)


def step(career: CareerPlanner, t: date, roll: float, limit: date) -> str:
    """One turn of a career at ``t``: an episode, a promotion, a move, or nothing."""
    years, rank, township = career.years(t), career.rank, career.township
    today = career.world.today
    # Township cadres go to county organs only before the 2024 rule (R-SEC-07) and not lately;
    # county cadres to another county organ (the same level) at any time.
    lately = t > min(add_years(today, -3), NO_SECONDMENT_UPWARDS)
    may_second = not career.seconded and (not township or not lately)
    if may_second and years >= 3 and roll < 0.07 and add_months(t, 10) < limit:
        career.second_to_county(t)
        return "episode"
    if not township and years >= 3 and 0.07 <= roll < 0.17 and add_months(t, 25) < limit:
        career.dispatch(t, current=False)
        return "episode"
    if rank == "ky":
        if years >= (6 if township else 4) and roll < 0.75:
            career.promote(t, "zr4", None)
        elif township and years >= 6 and roll < 0.9:
            career.move_across(t, to_county=True)
        elif (5 if township else 3) <= years < 8 and roll > 0.985:
            # A township recruit serves 5 years before leaving the townships (R-TOWN-05).
            career.retire(t, "辞去公职")
            return "left"
    elif rank in ("zr4", "zr2"):
        if years >= 8 and roll < 0.5:
            lead(career, t, "deputy")
        elif rank == "zr4" and years >= 11 and roll < 0.8:
            career.promote(t, "zr2", None)
        elif township and roll < 0.9:
            career.move_across(t, to_county=True)
    elif rank == "deputy":
        if (t - career.rank_since).days >= 3 * 365 and roll < 0.45:
            lead(career, t, "head")
        elif township and roll < 0.65:
            career.move_across(t, to_county=False)
    elif township and roll < 0.25:
        career.move_across(t, to_county=False)
    return "moved"


def lead(career: CareerPlanner, t: date, rank: str) -> None:
    """提拔 to a leadership post at home, else in another unit of the same kind."""
    principal = rank == "head"
    if not career.promote(t, rank, career.leaders(principal=principal, elsewhere=False)):
        career.promote(t, rank, career.leaders(principal=principal, elsewhere=True))


def fill_vacancies(careers: list[CareerPlanner], rng: random.Random) -> None:
    """提拔 into the leadership posts the careers left empty: heads from deputies of 3 years,
    deputies from 主任科员 of 8 years, each at least a year after the candidate's last move."""
    world = careers[0].world
    latest = world.today - timedelta(days=60)
    for principal, rank in ((True, "head"), (False, "deputy")):
        for unit, post in vacancies(world, principal, latest):
            township = unit.removesuffix("-DW") in world.townships
            pool = [c for c in careers if c.township == township and _ready(c, rank, latest)]
            rng.shuffle(pool)
            for career in pool:
                earliest = career.plan.last_move() + timedelta(days=365)
                if principal:
                    earliest = max(earliest, career.rank_since + timedelta(days=3 * 365))
                if earliest >= latest:
                    continue
                decided = earliest + timedelta(days=rng.randrange((latest - earliest).days))
                if career.promote(decided, rank, [(unit, post)]):
                    break


def vacancies(world: World, principal: bool, day: date) -> list[tuple[str, str]]:
    """Leadership posts of the county organs and townships nobody holds from ``day`` on."""
    units = world.organs + [u for pair in world.townships.values() for u in pair]
    return world.roster.free_leadership(units, day, principal=principal)


def _ready(career: CareerPlanner, rank: str, day: date) -> bool:
    """Whether a cadre in service could be promoted to ``rank`` a year after the last move."""
    ranks = ("deputy",) if rank == "head" else ("zr4", "zr2")
    return (
        career.rank in ranks
        and career.years(day) >= 8
        and career.plan.last_move() + timedelta(days=365) < day
        and not any(a.verb == "depart" for a in career.plan.acts)
    )


def current(career: CareerPlanner) -> None:
    """Episodes still running today: a village dispatch or a secondment to an inspection round."""
    world, rng, plan = career.world, career.rng, career.plan
    if career.township or career.seconded:
        return
    earliest = plan.last_move() + timedelta(days=60)
    roll = rng.random()
    if roll < 0.05 and plan.home != INSPECTION_OFFICE:
        start = workday_on_or_after(world.today - timedelta(days=rng.randint(20, 70)))
        if start > earliest:
            second(plan, host=INSPECTION_OFFICE, start=start, planned_end=add_months(start, 3),
                   purpose="借调参加县委第六轮巡察",
                   approval=world.docs.approval(start))  # fmt: skip
            career.seconded = True
    elif roll < 0.15:
        start = workday_on_or_after(world.today - timedelta(days=rng.randint(30, 600)))
        if start > earliest:
            career.dispatch(start, current=True)
