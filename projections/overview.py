"""Reads the web pages need beside the API's: tallies of the findings register, and the names
of the units and cadres a page mentions by code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from domain.ids import cadre_id, unit_id
from projections.sql import SqlViews

HOLDING = ("open", "acknowledged")  # a finding that still holds
CHUNK = 500


@dataclass(frozen=True)
class Tally:
    """How many findings hold, by one key."""

    key: str
    violations: int
    warnings: int

    @property
    def total(self) -> int:
        """Violations and warnings together."""
        return self.violations + self.warnings


def _tallies(rows: list[dict[str, Any]]) -> list[Tally]:
    counts: dict[str, list[int]] = {}
    for row in rows:
        slot = counts.setdefault(str(row["k"]), [0, 0])
        slot[0 if row["severity"] == "violation" else 1] += int(row["n"])
    tallies = [Tally(k, v, w) for k, (v, w) in counts.items()]
    return sorted(tallies, key=lambda t: (-t.violations, -t.total, t.key))


Keep = Callable[[dict[str, Any]], bool]
"""Which findings a reader may see (a unit-scoped token's); a row has the finding's
``finding_id``, ``rule``, ``severity``, ``subject_kind`` and ``subject_code``."""


def holding_by_rule(views: SqlViews, keep: Keep | None = None) -> list[Tally]:
    """Findings that hold (open or acknowledged), by rule, most violations first (only those
    ``keep`` keeps, when given)."""
    if keep is not None:
        return _tallies(_counted((r["rule"], r) for r in _holding(views) if keep(r)))
    rows = views.query(
        "SELECT rule AS k, severity, COUNT(*) AS n FROM findings "
        "WHERE status IN (?, ?) GROUP BY rule, severity",
        list(HOLDING),
    )
    return _tallies(rows)


def holding_by_unit(views: SqlViews, limit: int = 20, keep: Keep | None = None) -> list[Tally]:
    """Findings that hold, by each unit they concern, most violations first (only those
    ``keep`` keeps, when given)."""
    if keep is not None:
        kept = {r["finding_id"]: r for r in _holding(views) if keep(r)}
        pairs = views.query(
            "SELECT u.finding_id AS finding_id, u.unit AS unit FROM finding_units u "
            "JOIN findings f ON f.finding_id = u.finding_id WHERE f.status IN (?, ?)",
            list(HOLDING),
        )
        counted = ((p["unit"], kept[p["finding_id"]]) for p in pairs if p["finding_id"] in kept)
        return _tallies(_counted(counted))[:limit]
    rows = views.query(
        "SELECT u.unit AS k, f.severity AS severity, COUNT(*) AS n FROM finding_units u "
        "JOIN findings f ON f.finding_id = u.finding_id WHERE f.status IN (?, ?) "
        "GROUP BY u.unit, f.severity",
        list(HOLDING),
    )
    return _tallies(rows)[:limit]


def _holding(views: SqlViews) -> list[dict[str, Any]]:
    return views.query(
        "SELECT finding_id, rule, severity, subject_kind, subject_code FROM findings "
        "WHERE status IN (?, ?)",
        list(HOLDING),
    )


def _counted(keyed: Iterable[tuple[Any, dict[str, Any]]]) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], int] = {}
    for key, row in keyed:
        slot = (str(key), str(row["severity"]))
        counts[slot] = counts.get(slot, 0) + 1
    return [{"k": k, "severity": sev, "n": n} for (k, sev), n in counts.items()]


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def unit_names(views: SqlViews, codes: Iterable[str]) -> dict[str, str]:
    """The current name of each unit code given (codes of no unit are left out)."""
    wanted = sorted({c for c in codes if c})
    ids = {str(unit_id(c)): c for c in wanted}
    names: dict[str, str] = {}
    for chunk in _chunks(list(ids)):
        marks = ", ".join("?" for _ in chunk)
        for row in views.query(f"SELECT code, name FROM units WHERE unit_id IN ({marks})", chunk):
            names[str(row["code"])] = str(row["name"])
    return names


def cadre_names(views: SqlViews, codes: Iterable[str]) -> dict[str, str]:
    """The name of each cadre code given (codes of no cadre are left out)."""
    wanted = sorted({c for c in codes if c})
    ids = [str(cadre_id(c)) for c in wanted]
    names: dict[str, str] = {}
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        for row in views.query(f"SELECT code, name FROM cadres WHERE cadre_id IN ({marks})", chunk):
            names[str(row["code"])] = str(row["name"])
    return names


def post_titles(views: SqlViews, units: Iterable[str]) -> dict[tuple[str, str], str]:
    """The title of every post of the units given, by (unit code, post code)."""
    wanted = sorted({u for u in units if u})
    titles: dict[tuple[str, str], str] = {}
    for chunk in _chunks(wanted):
        marks = ", ".join("?" for _ in chunk)
        for row in views.query(
            f"SELECT unit, code, title FROM posts WHERE unit IN ({marks})", chunk
        ):
            titles[(str(row["unit"]), str(row["code"]))] = str(row["title"])
    return titles
