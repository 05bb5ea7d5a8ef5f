"""The units as a tree (parent links) with the units that share one staff (合署), read from the
organisation view: what "a unit and the units under it" means for statistics, reports and
campaigns; and the list of units with filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import NotFound
from projections.sql import SqlViews


@dataclass(frozen=True)
class UnitRow:
    """A unit as the organisation view holds it."""

    code: str
    name: str
    level: str
    kind: str
    parent: str | None
    joint_with: str | None


class UnitTree:
    """Every unit, read once: parents, children and joint organs."""

    def __init__(self, rows: list[UnitRow]) -> None:
        self.units = {u.code: u for u in rows}
        self.children: dict[str, list[UnitRow]] = {}
        for unit in rows:
            if unit.parent:
                self.children.setdefault(unit.parent, []).append(unit)

    @classmethod
    def read(cls, views: SqlViews) -> UnitTree:
        """The tree as the organisation view holds it now."""
        rows = views.query("SELECT code, name, level, kind, parent, joint_with FROM units")
        return cls(
            [
                UnitRow(r["code"], r["name"], r["level"], r["kind"], r["parent"], r["joint_with"])
                for r in rows
            ]
        )

    def get(self, code: str) -> UnitRow:
        """The unit of a code, or NotFound."""
        unit = self.units.get(code)
        if unit is None:
            raise NotFound(f"unit {code} not found")
        return unit

    def primary(self, unit: UnitRow) -> UnitRow:
        """The unit a unit shares its staff with (itself when none)."""
        return self.units.get(unit.joint_with or "", unit)

    def below(self, code: str) -> list[UnitRow]:
        """The units under a unit, at any depth (not the unit itself)."""
        found, todo = [], [code]
        while todo:
            for child in self.children.get(todo.pop(), []):
                found.append(child)
                todo.append(child.code)
        return found

    def scope(self, code: str) -> set[str]:
        """A unit, the units under it, and every unit sharing staff with any of those."""
        codes = {code, *(u.code for u in self.below(code))}
        joint = {u.code for u in self.units.values() if u.joint_with in codes}
        joint |= {self.units[c].joint_with or c for c in codes if c in self.units}
        return codes | joint


def list_units(
    views: SqlViews,
    *,
    parent: str | None = None,
    level: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Units matching every filter given, in code order after the code ``after``; ``q`` finds
    text in the code or the name (as typed: no pattern characters)."""
    clauses, params = ["1 = 1"], []
    for column, value in (("parent", parent), ("level", level), ("kind", kind)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append("(code LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')")
        params += [pattern, pattern]
    if after is not None:
        clauses.append("code > ?")
        params.append(after)
    rows = views.query(
        "SELECT code, name, level, kind, parent, joint_with, abolished_on FROM units "
        f"WHERE {' AND '.join(clauses)} ORDER BY code LIMIT {int(limit)}",
        params,
    )
    return [dict(r) for r in rows]
