"""Township team statistics (乡镇领导班子结构): per township, and per county over its townships.

Counted in people, from the same :func:`domain.rules.team.township_team` that R-TOWN-04 judges,
so the figures an organisation department submits are the ones supervision checks.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from domain.errors import InvalidValue, NotFound
from domain.rules.team import Team, township_team
from domain.supervision.evaluation import Evaluator
from projections.sql import SqlViews
from projections.unit_tree import UnitRow, UnitTree

DAYS_A_YEAR = 365.25


class TeamStatistics:
    """Team figures of a township, or of every township under a county, city or province."""

    def __init__(self, evaluator: Evaluator, views: SqlViews) -> None:
        self.evaluator = evaluator
        self.views = views

    def of(self, code: str, as_of: date) -> dict[str, Any]:
        """A township's team, or the teams of the townships under a higher unit."""
        tree = UnitTree.read(self.views)
        unit = tree.get(code)
        if unit.level == "township":
            return self.township(tree.primary(unit), as_of)
        if unit.level == "village":
            raise InvalidValue(f"unit {code} is a village: it has no township team")
        return self.area(unit, as_of, tree)

    def township(self, unit: UnitRow, as_of: date) -> dict[str, Any]:
        """The team of one township (its units sharing one staff together)."""
        team = self.team(unit.code, as_of)
        return {
            "unit": unit.code, "name": unit.name, "level": unit.level,
            "units": list(team.units), "as_of": as_of.isoformat(),
            "members": [
                {
                    "code": m.code, "name": m.name,
                    "posts": [{"unit": u, "post": p} for u, p in m.posts],
                    "township_years": round(m.township_days / DAYS_A_YEAR, 1),
                    "experienced": m.experienced,
                    "service_reached_on": _iso(m.service_reached_on),
                }
                for m in team.members
            ],
            **_figures(team.experienced, team.total, team.target),
        }  # fmt: skip

    def area(self, unit: UnitRow, as_of: date, tree: UnitTree) -> dict[str, Any]:
        """The teams of every township under a county (or city, or province), and the sums."""
        townships = sorted(
            {tree.primary(u).code for u in tree.below(unit.code) if u.level == "township"}
        )
        rows, target = [], Fraction(2, 3)
        for code in townships:
            team = self.team(code, as_of)
            target = team.target
            rows.append({"unit": code, "name": tree.units[code].name,
                         **_figures(team.experienced, team.total, team.target)})  # fmt: skip
        experienced = sum(r["experienced"] for r in rows)
        total = sum(r["total"] for r in rows)
        return {
            "unit": unit.code, "name": unit.name, "level": unit.level, "as_of": as_of.isoformat(),
            "townships": rows, **_figures(experienced, total, target),
            "townships_short": sum(not r["meets_target"] for r in rows),
        }  # fmt: skip

    def team(self, code: str, as_of: date) -> Team:
        """The domain's team of a township's primary unit."""
        evaluator = self.evaluator
        subject = evaluator.unit_subject(evaluator.histories.unit(code), as_of)
        team = township_team(subject, evaluator.evaluation(as_of)) if subject else None
        if team is None:
            raise NotFound(f"unit {code} has no township team on {as_of}")
        return team


def _figures(experienced: int, total: int, target: Fraction) -> dict[str, Any]:
    share = Fraction(experienced, total) if total else Fraction(0)
    return {
        "experienced": experienced, "total": total, "share": round(float(share), 4),
        "target": f"{target.numerator}/{target.denominator}",
        "meets_target": total == 0 or share >= target,
    }  # fmt: skip


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
