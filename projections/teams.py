"""Township team statistics (乡镇领导班子结构): per township, and per county over its townships.

Counted in people, from the same :func:`domain.rules.team.township_team` that R-TOWN-04 judges,
so the figures an organisation department submits are the ones supervision checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from domain.errors import InvalidValue, NotFound
from domain.rules.team import Team, township_team
from domain.supervision.evaluation import Evaluator
from projections.sql import SqlViews

DAYS_A_YEAR = 365.25


@dataclass(frozen=True)
class UnitRow:
    """A unit as the organisation view holds it."""

    code: str
    name: str
    level: str
    parent: str | None
    joint_with: str | None


class TeamStatistics:
    """Team figures of a township, or of every township under a county, city or province."""

    def __init__(self, evaluator: Evaluator, views: SqlViews) -> None:
        self.evaluator = evaluator
        self.views = views

    def of(self, code: str, as_of: date) -> dict[str, Any]:
        """A township's team, or the teams of the townships under a higher unit."""
        units = self._units()
        unit = units.get(code)
        if unit is None:
            raise NotFound(f"unit {code} not found")
        if unit.level == "township":
            return self.township(_primary(unit, units), as_of, units)
        if unit.level == "village":
            raise InvalidValue(f"unit {code} is a village: it has no township team")
        return self.area(unit, as_of, units)

    def township(self, unit: UnitRow, as_of: date, units: dict[str, UnitRow]) -> dict[str, Any]:
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

    def area(self, unit: UnitRow, as_of: date, units: dict[str, UnitRow]) -> dict[str, Any]:
        """The teams of every township under a county (or city, or province), and the sums."""
        townships = sorted(
            {_primary(u, units).code for u in _subtree(unit.code, units) if u.level == "township"}
        )
        rows, target = [], Fraction(2, 3)
        for code in townships:
            team = self.team(code, as_of)
            target = team.target
            rows.append({"unit": code, "name": units[code].name,
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

    def _units(self) -> dict[str, UnitRow]:
        rows = self.views.query("SELECT code, name, level, parent, joint_with FROM units")
        return {
            r["code"]: UnitRow(r["code"], r["name"], r["level"], r["parent"], r["joint_with"])
            for r in rows
        }


def _figures(experienced: int, total: int, target: Fraction) -> dict[str, Any]:
    share = Fraction(experienced, total) if total else Fraction(0)
    return {
        "experienced": experienced, "total": total, "share": round(float(share), 4),
        "target": f"{target.numerator}/{target.denominator}",
        "meets_target": total == 0 or share >= target,
    }  # fmt: skip


def _primary(unit: UnitRow, units: dict[str, UnitRow]) -> UnitRow:
    """The unit a township unit shares its staff with (itself when none)."""
    return units.get(unit.joint_with or "", unit)


def _subtree(code: str, units: dict[str, UnitRow]) -> list[UnitRow]:
    children: dict[str, list[UnitRow]] = {}
    for unit in units.values():
        if unit.parent:
            children.setdefault(unit.parent, []).append(unit)
    found, todo = [], [code]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child.code)
    return found


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
