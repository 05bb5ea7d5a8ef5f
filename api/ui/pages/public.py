"""The public pages: report a complaint (phone first, no account, JavaScript optional), then
follow it and write back with the receipt. Rate limited like the public API; the receipt only
ever travels in a POST body, never in a URL."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import MIN_POSITION_WAIT, PlatformDep
from api.routes.public import ReporterMessage, evenly, progress, rate_limited
from api.schemas import ComplaintReport
from api.ui.forms import check, form_text, nested, read_form
from api.ui.session import check_public_csrf, public_form
from api.ui.templating import render
from domain.complaints import PUBLIC
from domain.errors import DomainError, NotFound

router = APIRouter(prefix="/report", include_in_schema=False)
REPORT_FIELDS = ["category", "title", "body", "named", "reporter.name", "reporter.phone"]


def _page(request: Request, name: str, values: dict[str, Any], status: int = 200) -> Response:
    form = public_form(request)
    return form.apply(render(request, name, {"csrf": form.csrf, "staff": None, **values},
                             status=status))  # fmt: skip


@router.get("")
def report_form(request: Request) -> Response:
    """The complaint form."""
    return _page(request, "report.html", {"posted": {}, "errors": {}})


@router.post("", dependencies=[Depends(rate_limited)])
async def report(request: Request, p: PlatformDep) -> Response:
    """File the complaint (the public API's command); show the receipt, once."""
    form = await read_form(request)
    check_public_csrf(request, form_text(form, "csrf"))
    body: dict[str, Any] = nested(form, REPORT_FIELDS)
    body["named"] = body.get("named") == "true"
    if not body["named"]:
        body.pop("reporter", None)  # a name typed before choosing "anonymous" is not kept
    posted = {k: form_text(form, k) or "" for k in REPORT_FIELDS}
    model, errors = check(ComplaintReport, body)
    if model is None:
        return _page(request, "report.html", {"posted": posted, "errors": errors}, 422)
    complaints = p.services.complaints
    try:
        result = await run_in_threadpool(
            lambda: complaints.file(PUBLIC, channel="web", **model.fields())
        )
    except DomainError as error:
        values = {"posted": posted, "errors": {"form": str(error)}}
        return _page(request, "report.html", values, error.status)
    # Officers see it in the queue before the reporter has even copied the receipt down.
    await p.followers.until(result.position, MIN_POSITION_WAIT, ["read_models"])
    return _page(request, "report_receipt.html",
                 {"receipt": result.ids["receipt"], "named": model.named}, 201)  # fmt: skip


@router.get("/status")
def status_form(request: Request) -> Response:
    """Where a reporter enters the receipt."""
    return _page(request, "report_status.html", {"progress": None, "receipt": "", "error": None})


def _lookup(request: Request, p: Any, receipt: str, **extra: Any) -> Response:
    try:
        found = progress(p.services.complaints.by_receipt(receipt))
    except NotFound:
        values: dict[str, Any] = {"progress": None, "receipt": "",
                  "error": "没有找到这个回执码对应的举报，请核对 16 位数字后重试。"}  # fmt: skip
        return _page(request, "report_status.html", values, 404)
    values = {"progress": found, "receipt": receipt, "error": None, **extra}
    return _page(request, "report_status.html", values)


@router.post("/status", dependencies=[Depends(rate_limited)])
async def status(request: Request, p: PlatformDep) -> Response:
    """The complaint's status and messages, for the receipt posted."""
    form = await read_form(request)
    check_public_csrf(request, form_text(form, "csrf"))
    receipt = "".join((form_text(form, "receipt") or "").split())[:64]
    # No sooner than the API's floor: the time of the answer must not tell which receipts exist.
    return await evenly(p, lambda: _lookup(request, p, receipt))


@router.post("/status/reply", dependencies=[Depends(rate_limited)])
async def reply(request: Request, p: PlatformDep) -> Response:
    """The reporter writes back to the officers."""
    form = await read_form(request)
    check_public_csrf(request, form_text(form, "csrf"))
    receipt = "".join((form_text(form, "receipt") or "").split())[:64]
    model, errors = check(ReporterMessage, nested(form, ["text"]))
    if model is None:
        return await evenly(
            p, lambda: _lookup(request, p, receipt, reply_error=errors.get("text", "请填写留言。"))
        )

    def write_back() -> Response:
        try:
            p.services.complaints.message_from_reporter(receipt, text=model.text)
        except NotFound:
            return _lookup(request, p, receipt)
        return _lookup(request, p, receipt, sent=True)

    return await evenly(p, write_back)
