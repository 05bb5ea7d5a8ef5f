"""The organisation-department clerk's forms on a cadre's file: a secondment begins or ends, and
a wrongly recorded event is retracted. The API's models check them, the same services record them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from api.deps import MIN_POSITION_WAIT, PlatformDep
from api.routes.cadres import Retraction, RetractionAsk, SecondmentEnd, SecondmentStart
from api.schemas import approval_value
from api.ui.forms import check, form_text, nested, read_form
from api.ui.pages.common import Clerk, context
from api.ui.session import Staff, check_staff_csrf
from api.ui.templating import render
from domain.errors import DomainError, NotFound
from domain.values import By

router = APIRouter(prefix="/ui", include_in_schema=False)

APPROVAL = ["approval.level", "approval.authority", "approval.document_no"]
Call = Callable[[Any, By, str, Any, str], Any]
ACTIONS: dict[str, tuple[type[BaseModel], list[str], Call]] = {
    "secondments": (
        SecondmentStart, ["host_unit", "start_date", "planned_end_date", "purpose", *APPROVAL],
        lambda s, by, code, b, _: s.second(
            by, code, host_unit=b.host_unit, start_date=b.start_date,
            planned_end_date=b.planned_end_date, purpose=b.purpose,
            approval=approval_value(b.approval), expected_version=b.expected_version,
        ),
    ),
    "secondment-end": (
        SecondmentEnd, ["end_date", "reason"],
        lambda s, by, code, b, active: s.end_secondment(
            by, code, active, end_date=b.end_date, reason=b.reason,
            expected_version=b.expected_version,
        ),
    ),
    "retractions": (
        Retraction, ["position", "reason"],
        lambda s, by, code, b, _: s.retract(
            by, code, position=b.position, reason=b.reason, expected_version=b.expected_version
        ),
    ),
    "retraction-requests": (
        RetractionAsk, ["position", "reason"],
        lambda s, by, code, b, _: s.request_retraction(
            by, code, position=b.position, reason=b.reason
        ),
    ),
}  # fmt: skip


def _state(p: Any, staff: Staff, code: str) -> dict[str, Any]:
    p.scope.cadre(staff.who, code)  # outside the clerk's unit: as if there were none
    doc = p.reads.cadre(code, today=p.clock.today())
    events = p.reads.timeline(code)["events"]
    return {"code": code, "doc": doc, "events": events}


@router.get("/cadres/{code}/record")
def record_forms(request: Request, code: str, staff: Clerk, p: PlatformDep) -> Response:
    """The clerk's forms for this cadre."""
    if len(code) > 64:
        raise NotFound("没有这个干部编码。")
    values = _state(p, staff, code)
    values.update(errors={}, action=None, posted={})
    return render(request, "record.html", context(p, staff, "cadres", **values))


@router.post("/cadres/{code}/{action}")
async def record(
    request: Request, code: str, action: str, staff: Clerk, p: PlatformDep
) -> Response:
    """Record one personnel action (the API's command and checks)."""
    if action not in ACTIONS or len(code) > 64:
        raise NotFound("没有这个登记事项。")
    model_cls, fields, call = ACTIONS[action]
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    values = await run_in_threadpool(_state, p, staff, code)  # 404 for a cadre that does not exist
    versioned = "expected_version" in model_cls.model_fields
    body = nested(form, [*fields, "expected_version"] if versioned else fields)
    for key in ("expected_version", "position"):
        if isinstance(body.get(key), str) and body[key].isdigit():
            body[key] = int(body[key])
    posted = {k: form_text(form, k) or "" for k in form}
    model, errors = check(model_cls, body)
    active = (values["doc"].get("secondment") or {}).get("secondment_id", "")
    if model is not None and action == "secondment-end" and not active:
        model, errors = None, {"form": "这名干部目前没有借调。"}
    if model is None:
        values.update(errors=errors, action=action, posted=posted)
        return render(request, "record.html", context(p, staff, "cadres", **values), status=422)
    try:
        written = await run_in_threadpool(
            call, p.services.personnel, staff.who, code, model, active
        )
    except DomainError as error:
        if error.status == 404:
            raise
        values.update(errors={"form": str(error)}, action=action, posted=posted)
        return render(request, "record.html", context(p, staff, "cadres", **values),
                      status=error.status)  # fmt: skip
    await p.followers.until(written.position, MIN_POSITION_WAIT, ["read_models"])
    anchor = "" if action == "retraction-requests" else f"#e{written.position}"  # not on the file
    return RedirectResponse(f"/ui/cadres/{quote(code)}?recorded={action}{anchor}",
                            status_code=303)  # fmt: skip
