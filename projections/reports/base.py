"""A report: the table an organisation department or discipline commission submits, with
Chinese column headers, its rows and its totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    """A column: the key in each row, and its header as printed (Chinese)."""

    key: str
    header: str


@dataclass
class Report:
    """One report's table and what it was asked for."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The report as the JSON API answers it."""
        return {
            "name": self.name, "title": self.title, **self.params,
            "columns": [{"key": c.key, "header": c.header} for c in self.columns],
            "rows": self.rows, "totals": self.totals,
        }  # fmt: skip


def sums(rows: list[dict[str, Any]], *keys: str) -> dict[str, int]:
    """The sum of each numeric column over the rows."""
    return {key: sum(int(r.get(key) or 0) for r in rows) for key in keys}


def share(part: int, whole: int) -> float:
    """A share rounded to four places (0 for nothing)."""
    return round(part / whole, 4) if whole else 0.0


def yes(value: bool) -> str:
    """是 or 否."""
    return "是" if value else "否"
