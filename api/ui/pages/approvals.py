"""What waits for a lead: unseal and retraction requests to approve (two persons: never one's
own), and what was approved lately. Leads (and admins, who read but cannot approve)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from api.deps import MIN_POSITION_WAIT, PlatformDep
from api.scope import filtered_page
from api.ui.describe import describe, units_of
from api.ui.forms import form_text, read_form
from api.ui.pages.common import LeadStaff, context, names, staff_with
from api.ui.session import Staff, check_staff_csrf
from api.ui.templating import render
from domain.errors import DomainError, NotFound
from projections.lead_requests import RETRACTION, UNSEAL, lead_requests
from projections.overview import post_titles

router = APIRouter(prefix="/ui", include_in_schema=False)
Reader = Annotated[Staff, staff_with("lead")]  # as api.auth.Approver: a lead (or admin)
LISTED = 200
"""Requests a page lists of each kind and state (the oldest pending; the latest approved)."""


def _requests(p: Any, staff: Staff, kind: str, state: str) -> list[dict[str, Any]]:
    """Requests of one kind the officer may know of, as ``GET /unseal-requests`` and
    ``/retraction-requests`` list them (the same read model and scope checks)."""
    scope = p.scope.of(staff.who)

    def fetch(after: str | None, n: int) -> tuple[list[dict[str, Any]], str | None]:
        rows = lead_requests(p.views, kind, state=state, after=int(after or 0), limit=n + 1)
        more = len(rows) > n
        return rows[:n], (str(rows[n - 1]["position"]) if more else None)

    def keep(row: dict[str, Any]) -> bool:
        if scope is None:
            return True
        if kind == UNSEAL:
            return bool(p.scope.complaint_within(scope, str(row["subject"])))
        return bool(scope.cadre(row["subject"]))

    rows: list[dict[str, Any]] = []
    after: str | None = None
    while True:  # pending: the oldest first; approved: read on to the latest
        page, after = filtered_page(fetch, keep, after, LISTED)
        rows = (rows + page)[-LISTED:] if state == "approved" else rows + page
        if after is None or state == "pending":
            return rows


def _entries(p: Any, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The timeline entries retraction requests name, by request id (described in words)."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["kind"] != "retraction":
            continue
        try:
            events = p.reads.timeline(row["subject"], include_retracted=True)["events"]
        except NotFound:
            continue
        event = next((e for e in events if e["position"] == row["entry"]), None)
        if event is not None:
            found[row["request_id"]] = event
    units = units_of(list(found.values()))
    looked_up = names(p, units=units)["units"]
    posts = post_titles(p.views, units)
    for event in found.values():
        event["line"] = describe(event, looked_up, posts)
    return found


def _values(p: Any, staff: Staff) -> dict[str, Any]:
    waiting = _requests(p, staff, UNSEAL, "pending") + _requests(p, staff, RETRACTION, "pending")
    waiting.sort(key=lambda r: int(r["position"]))
    approved = _requests(p, staff, UNSEAL, "approved")
    approved += _requests(p, staff, RETRACTION, "approved")
    approved = sorted(approved, key=lambda r: str(r["approved_at"]), reverse=True)[:20]
    cadres = {r["subject"] for r in waiting + approved if r["kind"] == "retraction"}
    return {
        "waiting": waiting, "approved": approved, "entries": _entries(p, waiting + approved),
        "names": names(p, cadres=cadres),
        "approver": staff.who.role == "lead",
    }  # fmt: skip


@router.get("/approvals")
def approvals_page(request: Request, staff: Reader, p: PlatformDep) -> Response:
    """Pending requests oldest first, each with what it asks and why; approved ones below."""
    values = _values(p, staff)
    values["done"] = request.query_params.get("done", "")[:20]
    return render(request, "approvals.html", context(p, staff, "approvals", **values))


async def _approve(
    request: Request, staff: Staff, p: Any, check: Callable[[], None], call: Callable[[], Any],
    done: str,
) -> Response:  # fmt: skip
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    await run_in_threadpool(check)  # outside the lead's unit: as if there were none (404)
    try:
        written = await run_in_threadpool(call)
    except DomainError as error:
        if error.status == 404:
            raise
        values = await run_in_threadpool(_values, p, staff)
        values["error"] = str(error)
        return render(request, "approvals.html", context(p, staff, "approvals", **values),
                      status=error.status)  # fmt: skip
    await p.followers.until(written.position, MIN_POSITION_WAIT, ["read_models"])
    return RedirectResponse(f"/ui/approvals?done={quote(done)}", status_code=303)


@router.post("/complaints/{complaint_id}/unseal-requests/{request_id}/approve")
async def approve_unseal(
    request: Request, complaint_id: str, request_id: str, staff: LeadStaff, p: PlatformDep
) -> Response:
    """A lead, not the asker, approves: the asker may read the reporter for 24 hours."""
    return await _approve(
        request, staff, p, lambda: p.scope.complaint(staff.who, complaint_id[:64]),
        lambda: p.services.complaints.approve_unseal(staff.who, complaint_id, request_id[:64]),
        "unseal",
    )  # fmt: skip


@router.post("/cadres/{code}/retraction-requests/{request_id}/approve")
async def approve_retraction(
    request: Request, code: str, request_id: str, staff: LeadStaff, p: PlatformDep
) -> Response:
    """A lead, not the asker, approves: the entry is retracted (by the asker, approved by the
    lead)."""
    return await _approve(
        request, staff, p, lambda: p.scope.cadre(staff.who, code[:64]),
        lambda: p.services.personnel.approve_retraction(staff.who, code, request_id[:64]),
        "retraction",
    )  # fmt: skip
