"""The reports (统计报表) an organisation department and a discipline commission submit:
township teams, secondments, findings, complaints, training and reviews; as data here, as
JSON, CSV or XLSX at the API and the command line."""

from __future__ import annotations

from collections.abc import Set
from datetime import date

from domain.errors import InvalidValue
from domain.supervision.evaluation import Evaluator
from projections.reports import organisation, records
from projections.reports.base import Column, Report
from projections.sql import SqlViews
from projections.teams import TeamStatistics
from projections.unit_tree import UnitTree

NAMES = ("township-teams", "secondments", "findings", "complaints", "training", "reviews")
YEARLY = ("training", "reviews")  # a year is always asked for (default: last year)

__all__ = ["NAMES", "Column", "Report", "Reports"]


class Reports:
    """Builds a report by name for a unit's subtree (or everything), a year and a date."""

    def __init__(self, views: SqlViews, teams: TeamStatistics, evaluator: Evaluator) -> None:
        self.views = views
        self.teams = teams
        self.evaluator = evaluator

    def build(
        self, name: str, *, unit: str | None, year: int | None, as_of: date,
        cadres: Set[str] | None = None,
    ) -> Report:  # fmt: skip
        """The report ``name``; unknown names and units, and years after ``as_of``, refused.
        ``cadres``: the only cadres whose rows may appear (a unit-scoped reader's), or all."""
        if name not in NAMES:
            raise InvalidValue(f"report must be one of {', '.join(NAMES)}")
        if year is not None and not 1949 <= year <= as_of.year:
            raise InvalidValue(f"year must be 1949 to {as_of.year}")
        tree = UnitTree.read(self.views)
        scope = sorted(tree.scope(unit)) if unit is not None else None
        if unit is not None:
            tree.get(unit)
        if name in YEARLY:
            year = year if year is not None else as_of.year - 1
        report = self._build(name, tree, unit, scope, year, as_of, cadres)
        report.params = {"unit": unit, "year": year, "as_of": as_of.isoformat()}
        return report

    def _build(
        self, name: str, tree: UnitTree, unit: str | None, scope: list[str] | None,
        year: int | None, as_of: date, visible: Set[str] | None,
    ) -> Report:  # fmt: skip
        if name == "township-teams":
            return organisation.township_teams(self.teams, tree, unit, as_of)
        if name == "secondments":
            return records.secondments(self.views, scope, year, as_of, visible)
        if name == "findings":
            return records.findings(self.views, scope, year, visible)
        if name == "complaints":
            return records.complaints(self.views, scope, year, as_of)
        assert year is not None
        cadres = [c for c in self._cadres(scope) if visible is None or c in visible]
        within = set(scope) if scope is not None else None
        if name == "training":
            return organisation.training(self.evaluator, cadres, year, as_of, tree, within)
        return organisation.reviews(self.evaluator, cadres, year, as_of, tree, within)

    def _cadres(self, scope: list[str] | None) -> list[str]:
        """Personnel codes of the cadres any of whose events names a unit of the scope."""
        if scope is None:
            rows = self.views.query("SELECT code FROM cadres ORDER BY code")
        else:
            marks = ", ".join("?" for _ in scope)
            rows = self.views.query(
                "SELECT DISTINCT c.code FROM cadre_units u JOIN cadres c ON c.cadre_id = "
                f"u.cadre_id WHERE u.unit IN ({marks}) ORDER BY c.code",
                scope,
            )
        return [r["code"] for r in rows]
