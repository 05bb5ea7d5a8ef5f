"""Need to know (按管理权限): what a token limited to a unit's subtree may see.

A token issued with ``--unit CODE`` sees the units of CODE's subtree, the cadres whose home unit
lies in it, the complaints with a subject (a unit, or a cadre's home unit) in it and the
findings whose subject is. Anything else answers 404, exactly as if it did not exist, and lists
and search leave it out. Every read, list, search hit, export and report asks this one service;
a token without a unit sees everything its role allows.

Routes call ``platform.scope.of(who)`` once and then ask the ``Scope``; web pages do the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from api.tokens import Principal
from domain.errors import NotFound, UnknownReference
from projections.search.query import Hit, SearchResult
from projections.sql import SqlViews

T = TypeVar("T")
REFILL_ROUNDS = 20
"""A filtered page reads at most this many pages of the list under it (then it ends early,
with a cursor: correct, only shorter)."""


@dataclass(frozen=True)
class Scope:
    """The units of a subtree, and the cadres whose home unit lies in it."""

    root: str
    units: frozenset[str]
    cadres: frozenset[str]

    def unit(self, code: str | None) -> bool:
        """Whether a unit is within."""
        return code is not None and code in self.units

    def cadre(self, code: str | None) -> bool:
        """Whether a cadre's home unit is within."""
        return code is not None and code in self.cadres

    def any_subject(self, cadres: Iterable[str | None], units: Iterable[str | None]) -> bool:
        """Whether any subject (a cadre or a unit) is within: a complaint, a finding, a hit."""
        return any(self.cadre(c) for c in cadres) or any(self.unit(u) for u in units)

    def finding(self, row: dict[str, Any]) -> bool:
        """Whether a finding (a view row or a finding document) is about something within."""
        subject = row.get("subject") or {}
        kind = row.get("subject_kind") or subject.get("kind")
        code = row.get("subject_code") or subject.get("code")
        if kind == "cadre":
            return self.cadre(code)
        if kind == "unit":
            return self.unit(code)
        return False  # complaint findings: judged by the complaint (see NeedToKnow.finding)

    def hit(self, hit: dict[str, Any]) -> bool:
        """Whether a search hit is within: cadre documents by the cadre's home unit; the others
        by any cadre or unit they name."""
        source = hit.get("source") or {}
        cadres, units = source.get("cadres") or [], source.get("units") or []
        kind = hit.get("kind") or source.get("kind")
        if kind in ("cadres", "secondments") or source.get("aggregate") == "cadre":
            return any(self.cadre(c) for c in cadres)
        return self.any_subject(cadres, units)

    def complaint_row(self, row: dict[str, Any]) -> bool:
        """Whether a row of the complaint queue names a cadre or a unit within."""
        return self.any_subject(row.get("subject_cadres") or [], row.get("subject_units") or [])


class NeedToKnow:
    """The one scope check of the service layer."""

    def __init__(self, views: SqlViews) -> None:
        self.views = views

    def of(self, who: Principal) -> Scope | None:
        """The scope of a principal, or None when the token has no unit (unlimited)."""
        if who.unit is None:
            return None
        units = self._subtree(who.unit)
        return Scope(who.unit, units, self._cadres_in(units))

    # -- checks that answer 404 ---------------------------------------------------------------

    def unit(self, who: Principal, code: str) -> None:
        """NotFound unless the unit is within the caller's scope."""
        scope = self.of(who)
        if scope is not None and not scope.unit(code):
            raise NotFound(f"unit {code} not found")

    def cadre(self, who: Principal, code: str) -> None:
        """NotFound unless the cadre's home unit is within the caller's scope."""
        scope = self.of(who)
        if scope is not None and not scope.cadre(code):
            raise NotFound(f"cadre {code} not found")

    def complaint(self, who: Principal, complaint_id: str) -> None:
        """NotFound unless a subject of the complaint is within the caller's scope."""
        scope = self.of(who)
        if scope is not None and not self.complaint_within(scope, complaint_id):
            raise NotFound("complaint not found")

    def finding(self, who: Principal, row: dict[str, Any]) -> None:
        """NotFound unless the finding's subject is within the caller's scope."""
        scope = self.of(who)
        if scope is not None and not self.finding_within(scope, row):
            raise NotFound("finding not found")

    def within_for_new_unit(self, who: Principal, parent: str | None) -> None:
        """A unit-scoped token registers units under its subtree only (the parent within)."""
        scope = self.of(who)
        if scope is not None and not scope.unit(parent):
            # As for a unit that does not exist: what lies outside is not there.
            raise UnknownReference(f"unknown unit {parent}" if parent else "a parent is needed")

    def recruitment(self, who: Principal, code: str, unit: str) -> None:
        """A unit-scoped token recruits into its subtree, a cadre within it or with no home
        unit yet (just registered)."""
        scope = self.of(who)
        if scope is None:
            return
        rows = self.views.query("SELECT home_unit FROM cadres WHERE code = ?", [code])
        if rows and rows[0]["home_unit"] is not None and not scope.cadre(code):
            raise NotFound(f"cadre {code} not found")
        if not scope.unit(unit):
            raise UnknownReference(f"unknown unit {unit}")

    # -- judging rows ---------------------------------------------------------------------------

    def findings_kept(self, who: Principal) -> Callable[[dict[str, Any]], bool]:
        """Which findings of a list the caller may see (all, for a token without a unit)."""
        scope = self.of(who)
        if scope is None:
            return lambda row: True
        return lambda row: self.finding_within(scope, row)

    def complaints_kept(self, who: Principal) -> Callable[[dict[str, Any]], bool]:
        """Which rows of the complaint queue the caller may see."""
        scope = self.of(who)
        return (lambda row: True) if scope is None else scope.complaint_row

    def complaint_within(self, scope: Scope, complaint_id: str) -> bool:
        """Whether a complaint names a cadre or a unit within ``scope``."""
        rows = self.views.query(
            "SELECT kind, code FROM complaint_subjects WHERE complaint_id = ?", [complaint_id]
        )
        return scope.any_subject(
            (r["code"] for r in rows if r["kind"] == "cadre"),
            (r["code"] for r in rows if r["kind"] == "unit"),
        )

    def finding_within(self, scope: Scope, row: dict[str, Any]) -> bool:
        """Whether a finding's subject is within ``scope`` (a complaint's by its subjects)."""
        subject = row.get("subject") or {}
        kind = row.get("subject_kind") or subject.get("kind")
        if kind == "complaint":
            return self.complaint_within(scope, str(row.get("subject_code") or subject["code"]))
        return scope.finding(row)

    # -- the subtree ------------------------------------------------------------------------------

    def _subtree(self, root: str) -> frozenset[str]:
        rows = self.views.query(
            "WITH RECURSIVE tree(code) AS (SELECT code FROM units WHERE code = ? "
            "UNION SELECT u.code FROM units u JOIN tree t ON u.parent = t.code) "
            "SELECT code FROM tree",
            [root],
        )
        return frozenset(str(r["code"]) for r in rows)

    def _cadres_in(self, units: frozenset[str]) -> frozenset[str]:
        if not units:
            return frozenset()
        found: set[str] = set()
        codes = sorted(units)
        for start in range(0, len(codes), 500):
            chunk = codes[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self.views.query(f"SELECT code FROM cadres WHERE home_unit IN ({marks})", chunk)
            found.update(str(r["code"]) for r in rows)
        return frozenset(found)


def scoped_result(
    scope: Scope | None,
    run: Callable[[str | None, int], SearchResult],
    after: str | None,
    size: int,
) -> SearchResult:
    """The page of a search (or of the secondment register) a caller may see. A unit-scoped
    token's page keeps only the hits within its subtree (reading on until the page is full);
    its ``total`` counts that page and it has no facets, since counts over the whole index
    would tell what lies outside it."""
    if scope is None:
        return run(after, size)
    last: list[SearchResult] = []

    def fetch(resume: str | None, n: int) -> tuple[list[Hit], str | None]:
        got = run(resume, n)
        last[:] = [got]
        return got.hits, got.next_cursor

    hits, resume = filtered_page(fetch, lambda h: scope.hit(h.as_json()), after, size)
    return replace(last[0], total=len(hits), hits=hits, next_cursor=resume, facets={})


def filtered_page(
    fetch: Callable[[str | None, int], tuple[Sequence[T], str | None]],
    keep: Callable[[T], bool],
    after: str | None,
    limit: int,
) -> tuple[list[T], str | None]:
    """Up to ``limit`` kept rows of a paged list, and where to resume (None at its end).

    ``fetch(after, n)`` answers at most ``n`` rows after a resume point and the resume point
    after them. Each round asks only for as many rows as are still missing, so a page never
    holds more than ``limit`` and resuming skips nothing; a page may hold fewer (a scope that
    keeps few rows of a long list), its cursor then going on where the reading stopped.
    """
    kept: list[T] = []
    for _ in range(REFILL_ROUNDS):
        rows, after = fetch(after, limit - len(kept))
        kept += [row for row in rows if keep(row)]
        if after is None or len(kept) >= limit:
            break
    return kept, after
