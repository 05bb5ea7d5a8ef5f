"""The access log for auditors: who read which cadre file, complaint or reporter, when, why and
from where (the same entries as ``GET /api/v1/audit/access``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import PlatformDep
from api.routes.access_log import _utc as utc_text
from api.routes.access_log import check_access_log
from api.ui.forms import beijing_instant, form_text, read_form
from api.ui.pages.common import AuditorStaff, context, opened, sealed
from api.ui.session import Staff, check_staff_csrf
from api.ui.templating import render
from domain.errors import DomainError

router = APIRouter(prefix="/ui", include_in_schema=False)
PAGE = 100


def _instant(text: str, name: str) -> str | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(beijing_instant(text[:64]) or "")
        return utc_text(moment, name)
    except (ValueError, HTTPException):
        raise ValueError(f"“{name}”不是有效的时间。") from None


def _unscoped(staff: Staff) -> None:
    if staff.who.unit is not None:  # as the API: the log names records of every unit
        raise HTTPException(403, "查阅记录只对不限单位的审计账号开放。")


@router.post("/access/verify")
async def verify(request: Request, staff: AuditorStaff, p: PlatformDep) -> Response:
    """Recompute the log's chain and compare it with its anchors in the event store (the check
    of ``POST /api/v1/audit/access/verify``)."""
    _unscoped(staff)
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    found = await run_in_threadpool(check_access_log, p)
    given = dict.fromkeys(("subject", "resource", "from", "to"), "")
    values: dict[str, Any] = {"given": given, "entries": [], "next": None, "error": None,
                              "check": found}  # fmt: skip
    return render(request, "access.html", _context(p, staff, values))


@router.get("/access")
def access_page(request: Request, staff: AuditorStaff, p: PlatformDep) -> Response:
    """The readings, oldest first, filtered by reader, record and time (Beijing time)."""
    _unscoped(staff)
    q = request.query_params
    given = {k: q.get(k, "").strip()[:200] for k in ("subject", "resource", "from", "to")}
    filters = {k: v for k, v in given.items() if v}
    values: dict[str, Any] = {"given": given, "entries": [], "next": None, "error": None}
    status = 200
    try:
        since, until = _instant(given["from"], "起"), _instant(given["to"], "止")
        after = opened(p, "/ui/access", filters, q.get("cursor", "")[:2000] or None)
        found = p.access_log.entries(
            subject=given["subject"] or None, resource=given["resource"] or None, since=since,
            until=until, after=int(after or 0), limit=PAGE + 1,
        )  # fmt: skip
        page = found[:PAGE]
        values["entries"] = page
        if len(found) > PAGE:
            cursor = sealed(p, "/ui/access", filters, str(page[-1].seq))
            values["next"] = "/ui/access?" + urlencode({**filters, "cursor": cursor or ""})
    except (ValueError, DomainError) as error:
        values["error"] = str(error)
        status = 422
    return render(request, "access.html", _context(p, staff, values), status=status)


def _context(p: Any, staff: Staff, values: dict[str, Any]) -> dict[str, Any]:
    return context(p, staff, "access", **values)
