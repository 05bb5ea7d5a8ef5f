"""The complaint queue (deadlines counted down), a complaint's page with its handling steps and
messages, the handling forms, and the intake clerk's form for complaints received in person."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from api.deps import MIN_POSITION_WAIT, PlatformDep, record_read
from api.routes import complaint_handling as api
from api.routes.unsealing import UnsealAsk
from api.schemas import LINE
from api.scope import REFILL_ROUNDS
from api.ui.forms import beijing_instant, check, form_text, nested, read_form
from api.ui.pages.common import (
    IntakeClerk,
    Overseer,
    Worker,
    context,
    names,
    reading_purpose,
)
from api.ui.pages.unsealing import unseal_requests
from api.ui.session import Staff, check_staff_csrf
from api.ui.templating import is_htmx, render
from domain.errors import DomainError, NotFound
from domain.values import By

router = APIRouter(prefix="/ui", include_in_schema=False)
STATUSES = ("filed", "accepted", "declined", "forwarded", "concluded", "notified")


@router.get("/complaints")
def queue(request: Request, staff: Overseer, p: PlatformDep) -> Response:
    """The queue, oldest first, 50 a page; overdue ones in red."""
    q = request.query_params
    status = q.get("status") if q.get("status") in STATUSES else None
    overdue = {"true": True, "false": False}.get(q.get("overdue", ""))
    category = (q.get("category") or "").strip()[:100] or None
    after = None
    if q.get("after_at") and q.get("after_id"):
        after = (q["after_at"][:64], q["after_id"][:64])
    keep = p.scope.complaints_kept(staff.who)
    page: list[dict[str, Any]] = []
    last: dict[str, Any] | None = None
    for _ in range(REFILL_ROUNDS):  # as api.scope.filtered_page: a scoped page fills up
        rows = p.reads.complaints(
            today=p.clock.today(), status=status, category=category, overdue=overdue,
            after=after, limit=51 - len(page),
        )  # fmt: skip
        read, more_rows = rows[: 50 - len(page)], len(rows) > 50 - len(page)
        page += [r for r in read if keep(r)]
        last = read[-1] if read and more_rows else None
        if last is None or len(page) >= 50:
            break
        after = (last["received_at"], last["complaint_id"])
    filters = {k: v for k, v in (("status", status), ("category", category),
                                 ("overdue", q.get("overdue"))) if v}  # fmt: skip
    more = None
    if last is not None:
        more = "/ui/complaints?" + urlencode(
            {**filters, "after_at": last["received_at"], "after_id": last["complaint_id"]}
        )
    values = {"rows": page, "filters": filters, "statuses": STATUSES, "more": more}
    return render(request, "complaints.html", context(p, staff, "complaints", **values),
                  block="queue")  # fmt: skip


def _doc(p: Any, staff: Staff, complaint_id: str) -> dict[str, Any]:
    if len(complaint_id) > 64:
        raise NotFound("没有这件信访举报。")
    p.scope.complaint(staff.who, complaint_id)  # outside the officer's unit: as if none
    doc = api.complaint_doc(p, complaint_id)
    values: dict[str, Any] = {
        "c": doc,
        "names": names(p, units=doc["subject_units"], cadres=doc["subject_cadres"]),
    }
    if doc["reporter"] == "sealed":  # a named complaint: who asked to unseal it, who approved
        values["unseal"] = unseal_requests(p, complaint_id)
    return values


@router.get("/complaints/new")
def intake_form(request: Request, staff: IntakeClerk, p: PlatformDep) -> Response:
    """The intake clerk's form for a complaint received by letter, visit or phone."""
    return render(request, "complaint_new.html", context(p, staff, "intake", posted={}, errors={}))


INTAKE_FIELDS = ["channel", "received_at", "category", "title", "body", "named",
                 "reporter.name", "reporter.phone"]  # fmt: skip


def _codes(text: str | None) -> list[str]:
    return [c for c in (text or "").replace("，", ",").replace(" ", ",").split(",") if c]


@router.post("/complaints/new")
async def file_complaint(request: Request, staff: IntakeClerk, p: PlatformDep) -> Response:
    """File it (the API's command and checks); the receipt is shown once, to hand over."""
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    body: dict[str, Any] = nested(form, INTAKE_FIELDS)
    body["received_at"] = beijing_instant(body.get("received_at"))
    body["named"] = body.get("named") == "true"
    if not body["named"]:
        body.pop("reporter", None)
    body["subject_cadres"] = _codes(form_text(form, "subject_cadres"))
    body["subject_units"] = _codes(form_text(form, "subject_units"))
    model, errors = check(api.ComplaintIntake, body)
    posted = {k: form_text(form, k) or "" for k in form}
    if model is None:
        values = context(p, staff, "intake", posted=posted, errors=errors)
        return render(request, "complaint_new.html", values, status=422)
    try:
        written = await run_in_threadpool(
            lambda: p.services.complaints.file(staff.who, **model.fields())
        )
    except DomainError as error:
        values = context(p, staff, "intake", posted=posted, errors={"form": str(error)})
        return render(request, "complaint_new.html", values, status=error.status)
    await p.followers.until(written.position, MIN_POSITION_WAIT, ["read_models"])
    values = context(p, staff, "intake", receipt=written.ids["receipt"],
                     complaint_id=written.ids["complaint_id"])  # fmt: skip
    return render(request, "complaint_filed.html", values, status=201)


@router.get("/complaints/{complaint_id}")
async def complaint_page(
    request: Request, complaint_id: str, staff: Overseer, p: PlatformDep
) -> Response:
    """One complaint: deadlines, handling steps, messages with the reporter, case notes; the
    reading goes to the access log like the API's."""
    values = await run_in_threadpool(_doc, p, staff, complaint_id)
    values["done"] = request.query_params.get("done", "")[:20]
    await record_read(request, p, staff.who, f"complaint:{complaint_id}", reading_purpose(request))
    return render(request, "complaint.html", context(p, staff, "complaints", **values),
                  block="complaint")  # fmt: skip


@router.post("/complaints/{complaint_id}/reporter")
async def reporter(request: Request, complaint_id: str, staff: Worker, p: PlatformDep) -> Response:
    """The asker of an approved unseal request reads the reporter's name and phone, within its
    24 hours (the API's service: the reading is an event and an access-log entry). The identity
    is shown in this answer only: it is never put in a URL or kept by the page."""
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    values = await run_in_threadpool(_doc, p, staff, complaint_id)
    purpose = (form_text(form, "purpose") or "").strip()
    if len(purpose) > 200 or not re.fullmatch(LINE, purpose):
        values.update(errors={"purpose": "查阅事由须为一行文字，最多 200 字。"}, step="reporter")
        return render(request, "complaint.html", context(p, staff, "complaints", **values),
                      block="complaint", status=422)  # fmt: skip
    try:
        identity, _ = await run_in_threadpool(
            p.services.complaints.unseal_reporter, staff.who, complaint_id
        )
    except NotFound:
        values.update(errors={"form": "您没有在有效期内、已获批准的启封申请。"}, step="reporter")
        return render(request, "complaint.html", context(p, staff, "complaints", **values),
                      block="complaint", status=404)  # fmt: skip
    await record_read(request, p, staff.who, f"reporter:{complaint_id}", purpose)
    values = await run_in_threadpool(_doc, p, staff, complaint_id)  # with this reading
    values["identity"] = {"name": identity.get("name", ""), "phone": identity.get("phone", "")}
    return render(request, "complaint.html", context(p, staff, "complaints", **values),
                  block="complaint")  # fmt: skip


# Each handling step: the API's body model, its fields, and the service call it makes.
Call = Callable[[Any, By, str, Any], Any]
STEPS: dict[str, tuple[type[BaseModel], list[str], Call]] = {
    "accept": (api.Accept, ["date", "handler_unit"], lambda s, by, cid, b: s.accept(
        by, cid, on=b.date, handler_unit=b.handler_unit, expected_version=b.expected_version)),
    "decline": (api.Decline, ["date", "reason"], lambda s, by, cid, b: s.decline(
        by, cid, on=b.date, reason=b.reason, expected_version=b.expected_version)),
    "forward": (api.Forward, ["date", "to_authority"], lambda s, by, cid, b: s.forward(
        by, cid, on=b.date, to_authority=b.to_authority, expected_version=b.expected_version)),
    "extend": (api.Extend, ["days", "reason"], lambda s, by, cid, b: s.extend(
        by, cid, days=b.days, reason=b.reason, expected_version=b.expected_version)),
    "notes": (api.Note, ["text"], lambda s, by, cid, b: s.add_note(
        by, cid, text=b.text, expected_version=b.expected_version)),
    "messages": (api.Note, ["text"], lambda s, by, cid, b: s.message_reporter(
        by, cid, text=b.text, expected_version=b.expected_version)),
    "conclude": (api.Conclude, ["date", "finding", "summary"], lambda s, by, cid, b: s.conclude(
        by, cid, on=b.date, finding=b.finding, summary=b.summary,
        expected_version=b.expected_version)),
    "unseal-requests": (UnsealAsk, ["reason"], lambda s, by, cid, b: s.request_unseal(
        by, cid, reason=b.reason)),
    "notify-reporter": (api.NotifyReporter, ["date", "method"],
                        lambda s, by, cid, b: s.notify_reporter(
        by, cid, on=b.date, method=b.method, expected_version=b.expected_version)),
}  # fmt: skip


@router.post("/complaints/{complaint_id}/{step}")
async def handle(
    request: Request, complaint_id: str, step: str, staff: Worker, p: PlatformDep
) -> Response:
    """One handling step, with the API's model and the same service call."""
    if step not in STEPS:
        raise NotFound("没有这个办理步骤。")
    model_cls, fields, call = STEPS[step]
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    _doc(p, staff, complaint_id)  # 404 before anything else for a complaint that does not exist
    versioned = "expected_version" in model_cls.model_fields
    body = nested(form, [*fields, "expected_version"] if versioned else fields)
    for key in ("expected_version", "days"):
        if isinstance(body.get(key), str) and body[key].isdigit():
            body[key] = int(body[key])
    model, errors = check(model_cls, body)
    if model is None:
        return _again(request, p, staff, complaint_id, step, errors, form)
    try:
        written = await run_in_threadpool(
            call, p.services.complaints, staff.who, complaint_id, model
        )
    except DomainError as error:
        if error.status == 404:
            raise
        return _again(request, p, staff, complaint_id, step, {"form": str(error)}, form,
                      status=error.status)  # fmt: skip
    await p.followers.until(written.position, MIN_POSITION_WAIT, ["read_models"])
    if is_htmx(request):
        values = _doc(p, staff, complaint_id)
        values["done"] = step
        return render(request, "complaint.html", context(p, staff, "complaints", **values),
                      block="complaint")  # fmt: skip
    return RedirectResponse(f"/ui/complaints/{complaint_id}?done={step}", status_code=303)


def _again(
    request: Request,
    p: Any,
    staff: Any,
    complaint_id: str,
    step: str,
    errors: dict[str, str],
    form: Any,
    status: int = 422,
) -> Response:
    values = _doc(p, staff, complaint_id)
    values.update(errors=errors, step=step, posted={k: form_text(form, k) or "" for k in form})
    return render(request, "complaint.html", context(p, staff, "complaints", **values),
                  block="complaint", status=status)  # fmt: skip
