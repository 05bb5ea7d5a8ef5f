"""The projections the platform runs, by name."""

from __future__ import annotations

from projections.careers import Careers
from projections.complaint_queue import ComplaintQueue
from projections.findings_view import FindingsView
from projections.framework import Projection
from projections.organisation import Organisation
from projections.view import Table

PROJECTIONS: dict[str, type[Projection]] = {
    p.name: p for p in (Organisation, Careers, ComplaintQueue, FindingsView)
}
TABLES: dict[str, Table] = {t.name: t for p in PROJECTIONS.values() for t in p.tables}


def all_projections(suffix: str = "") -> list[Projection]:
    """A fresh instance of every projection."""
    return [cls(suffix) for cls in PROJECTIONS.values()]
