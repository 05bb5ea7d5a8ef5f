"""Admonishments, sanctions and one open investigation, placed so that no promotion, transfer
or appointment breaks their effects (the planted promotion after an admonishment is apart)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from demo import acts
from demo.careers import CareerPlanner
from demo.dates import workday_on_or_after
from domain.rules.dates import add_months

ADMONISHMENTS = (
    "在耕地保护工作中履职不力",
    "工作作风漂浮，群众反映的问题长期未解决",
    "防汛值班期间擅自脱岗",
    "落实意识形态工作责任制不到位",
)
SANCTIONS = (
    ("warning", "清河县监察委员会", "违规发放津贴补贴"),
    ("demerit", "清河县监察委员会", "在项目验收中把关不严，造成财政资金损失"),
)
SUPERVISION = "中共清河县纪律检查委员会"


def _active(career: CareerPlanner) -> bool:
    return not any(a.verb == "depart" for a in career.plan.acts)


def _clear(career: CareerPlanner, day: date, months: int) -> bool:
    """No promotion decided within ``months`` after ``day``, and in service since a year."""
    until = add_months(day, months)
    recent = day > add_months(career.recruited, 12)
    return recent and not any(day < d <= until for d in career.plan.promotions())


def _unpromoted(day: date, months: int) -> Callable[[CareerPlanner], bool]:
    return lambda career: _clear(career, day, months)


def _pick(
    careers: list[CareerPlanner],
    rng: random.Random,
    taken: set[str],
    fits: Callable[[CareerPlanner], bool],
) -> CareerPlanner | None:
    found = [c for c in careers if c.plan.code not in taken and _active(c) and fits(c)]
    if not found:
        return None
    chosen = rng.choice(found)
    taken.add(chosen.plan.code)
    return chosen


def discipline(careers: list[CareerPlanner], rng: random.Random) -> dict[str, str]:
    """Record the discipline of a few regular cadres; returns the codes complaints refer to."""
    today = careers[0].world.today
    organs = set(careers[0].world.organs)
    taken: set[str] = set()
    roles: dict[str, str] = {}
    drink_day = workday_on_or_after(today - timedelta(days=38))
    drinker = _pick(
        careers, rng, taken, lambda c: c.plan.home in organs and _clear(c, drink_day, 7)
    )
    if drinker:
        drinker.plan.add(drink_day, "admonish", acts.CASES, on=drink_day, authority=SUPERVISION,
                         reason="工作日午间饮酒，违反中央八项规定精神")  # fmt: skip
        roles["drinker"] = drinker.plan.code
    car_day = workday_on_or_after(today - timedelta(days=120))
    driver = _pick(
        careers, rng, taken, lambda c: c.plan.home == "QHX-SQZ" and _clear(c, car_day, 26)
    )
    if driver:
        driver.plan.add(car_day, "sanction", acts.CASES, on=car_day, kind="party_warning",
                        authority=SUPERVISION, reason="公车私用，违反中央八项规定精神")  # fmt: skip
        roles["driver"] = driver.plan.code
    for reason in ADMONISHMENTS:
        day = workday_on_or_after(today - timedelta(days=rng.randint(90, 5 * 365)))
        chosen = _pick(careers, rng, taken, _unpromoted(day, 7))
        if chosen:
            authority = rng.choice((SUPERVISION, acts.COUNTY_ORG))
            chosen.plan.add(day, "admonish", acts.CASES, on=day, authority=authority, reason=reason)
    for kind, authority, reason in SANCTIONS:
        day = workday_on_or_after(today - timedelta(days=rng.randint(200, 6 * 365)))
        chosen = _pick(careers, rng, taken, _unpromoted(day, 26))
        if chosen:
            chosen.plan.add(day, "sanction", acts.CASES, on=day, kind=kind, authority=authority,
                            reason=reason)  # fmt: skip
    opened = workday_on_or_after(today - timedelta(days=60))
    suspect = _pick(careers, rng, taken, lambda c: c.plan.home == "QHX-QSZ" and c.rank in (
        "deputy", "head") and c.plan.last_move() < opened - timedelta(days=30))  # fmt: skip
    if suspect is None:
        suspect = _pick(careers, rng, taken, lambda c: c.township and c.rank in ("deputy", "head")
                        and c.plan.last_move() < opened - timedelta(days=30))  # fmt: skip
    if suspect:
        suspect.plan.add(opened, "open_investigation", acts.CASES, opened_on=opened,
                         authority=SUPERVISION)  # fmt: skip
        roles["suspect"] = suspect.plan.code
    return roles
