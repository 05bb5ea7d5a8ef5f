"""The projections the platform runs, by name."""

from __future__ import annotations

from projections.campaigns import CampaignRegister
from projections.careers import Careers
from projections.complaint_queue import ComplaintQueue
from projections.findings_view import FindingsView
from projections.following import EventSource, Runner
from projections.framework import Projection, Projector
from projections.lead_requests import LeadRequests
from projections.organisation import Organisation
from projections.sql import SqlViews
from projections.view import Table

PROJECTIONS: dict[str, type[Projection]] = {
    p.name: p
    for p in (
        Organisation,
        Careers,
        ComplaintQueue,
        FindingsView,
        LeadRequests,
        CampaignRegister,
    )
}
TABLES: dict[str, Table] = {t.name: t for p in PROJECTIONS.values() for t in p.tables}


def all_projections(suffix: str = "") -> list[Projection]:
    """A fresh instance of every projection."""
    return [cls(suffix) for cls in PROJECTIONS.values()]


def read_models(
    source: EventSource, views: SqlViews, batch_size: int = 2000, *, passive: bool = False
) -> Runner:
    """The runner of every projection over a views database (``passive``: another process,
    the Kafka projector group, applies the events; this runner only reports and waits)."""
    return Runner(
        source, Projector(views, all_projections(), source), batch_size=batch_size, passive=passive
    )
