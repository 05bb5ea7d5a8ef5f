"""年度考核 ratings as a county grades them: at most a fifth of a unit's cadres are rated
excellent in a year (优秀比例; R-REV-01 judges the townships); careers are planned one by one,
so the cap is applied afterwards, over each unit's reviews of each year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from fractions import Fraction

from demo.acts import CadrePlan

EXCELLENT_SHARE = Fraction(1, 5)  # the rules file's reviews.excellent_share


def home_on(plan: CadrePlan, day: date) -> str | None:
    """The cadre's home unit on ``day`` by the plan (recruitment and transfers)."""
    home = None
    for act in plan.ordered():
        if act.day > day:
            break
        if act.verb == "recruit":
            home = act.args["unit"]
        elif act.verb == "transfer":
            home = act.args["to_unit"]
    return home


def cap_excellent(plans: list[CadrePlan]) -> None:
    """Rate ``competent`` the excellent reviews of a unit's year beyond its fifth (the lowest
    personnel codes keep theirs)."""
    groups: dict[tuple[str, int], list[tuple[CadrePlan, int]]] = defaultdict(list)
    for plan in plans:
        for index, act in enumerate(plan.acts):
            if act.verb != "record_review":
                continue
            year = act.args["year"]
            home = home_on(plan, date(year, 12, 31))
            if home is not None:
                groups[(home, year)].append((plan, index))
    for reviews in groups.values():
        allowed = int(len(reviews) * EXCELLENT_SHARE)
        excellent = sorted(
            ((plan, i) for plan, i in reviews if plan.acts[i].args["rating"] == "excellent"),
            key=lambda pair: pair[0].code,
        )
        for plan, i in excellent[allowed:]:
            act = plan.acts[i]
            plan.acts[i] = replace(act, args={**act.args, "rating": "competent"})


def plant_excellent(plans: list[CadrePlan], unit: str, year: int) -> None:
    """Rate one more of a township's cadres excellent for a year than its fifth allows
    (the planted R-REV-01 case)."""
    reviews = [
        (plan, i)
        for plan in sorted(plans, key=lambda p: p.code)
        for i, act in enumerate(plan.acts)
        if act.verb == "record_review"
        and act.args["year"] == year
        and home_on(plan, date(year, 12, 31)) == unit
    ]
    wanted = int(len(reviews) * EXCELLENT_SHARE) + 1
    for plan, i in reviews[:wanted]:
        act = plan.acts[i]
        plan.acts[i] = replace(act, args={**act.args, "rating": "excellent"})
