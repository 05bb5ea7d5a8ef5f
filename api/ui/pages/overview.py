"""The overview: what holds, what is overdue, and how far the read models and the index lag."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import PlatformDep
from api.routes.status import status as platform_status
from api.ui.pages.common import AnyStaff, context, names
from api.ui.templating import render
from projections.overview import holding_by_rule, holding_by_unit

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/")
def overview(request: Request, staff: AnyStaff, p: PlatformDep) -> Response:
    """The staff's front page."""
    values: dict[str, object] = {"status": platform_status(request)}
    if staff.may("inspector", "auditor"):
        # A unit-scoped officer's tallies count only what the findings register shows them.
        keep = p.scope.findings_kept(staff.who) if staff.who.unit is not None else None
        by_unit = holding_by_unit(p.views, keep=keep)
        overdue = p.reads.complaints(
            today=p.clock.today(), overdue=True, limit=50 if keep is None else 500
        )
        shown = p.scope.complaints_kept(staff.who)  # the scope read once, not per row
        overdue = [r for r in overdue if shown(r)][:50]
        values.update(
            by_rule=holding_by_rule(p.views, keep=keep),
            by_unit=by_unit,
            overdue=overdue,
            names=names(p, units={t.key for t in by_unit}),
        )
    return render(request, "overview.html", context(p, staff, "overview", **values))
