"""The findings register: filter it, see what a finding rests on, acknowledge and resolve."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from api.deps import MIN_POSITION_WAIT, PlatformDep
from api.routes.findings import Acknowledge, Resolve
from api.schemas import approval_value
from api.scope import filtered_page
from api.ui.describe import describe, facts, units_of
from api.ui.forms import check, form_text, nested, read_form
from api.ui.pages.common import Overseer, Worker, context, names, opened, sealed
from api.ui.session import Staff, check_staff_csrf
from api.ui.templating import is_htmx, render
from domain.errors import DomainError, NotFound
from projections.finding_reads import STATUSES
from projections.overview import post_titles

router = APIRouter(prefix="/ui", include_in_schema=False)
RULE = re.compile(r"^[A-Za-z0-9-]{1,32}\*?$")
CODE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")


def _filters(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    """The filters given, and a message for each one that cannot be used."""
    given = {k: request.query_params.get(k, "").strip()[:200]
             for k in ("rule", "status", "severity", "cadre", "unit", "cursor")}  # fmt: skip
    checks: dict[str, tuple[Callable[[str], bool], str]] = {
        "rule": (lambda v: bool(RULE.match(v)), "规则编号的格式不对（如 R-SEC-01 或 R-SEC-*）。"),
        "status": (lambda v: v in STATUSES, "状态不在列表中。"),
        "severity": (lambda v: v in ("violation", "warning"), "性质只能是违规或提醒。"),
        "cadre": (lambda v: bool(CODE.match(v)), "干部编码的格式不对。"),
        "unit": (lambda v: bool(CODE.match(v)), "单位编码的格式不对。"),
    }
    errors = {k: message for k, (ok, message) in checks.items() if given[k] and not ok(given[k])}
    return {k: v for k, v in given.items() if v and k not in errors}, errors


def _page_after(base: dict[str, str], cursor: str | None) -> str | None:
    return f"/ui/findings?{urlencode({**base, 'cursor': cursor})}" if cursor else None


@router.get("/findings")
def register(request: Request, staff: Overseer, p: PlatformDep) -> Response:
    """The register, oldest first, filtered; 50 a page."""
    filters, errors = _filters(request)
    findings: list[dict[str, Any]] = []
    next_cursor = None
    base = {k: v for k, v in filters.items() if k != "cursor"}

    def fetch(after: str | None, n: int) -> tuple[list[dict[str, Any]], str | None]:
        found: tuple[list[dict[str, Any]], str | None] = p.supervision.reads.list(
            rule=filters.get("rule"), status=filters.get("status"),
            severity=filters.get("severity"), cadre=filters.get("cadre"),
            unit=filters.get("unit"), after=after, limit=n,
        )  # fmt: skip
        return found

    try:
        after = opened(p, "/ui/findings", base, filters.get("cursor"))
        findings, resume = filtered_page(fetch, p.scope.findings_kept(staff.who), after, 50)
        next_cursor = sealed(p, "/ui/findings", base, resume)
    except DomainError as error:  # a cursor that is not ours
        errors["cursor"] = str(error)
    units = {f["subject"]["code"] for f in findings if f["subject"]["kind"] == "unit"}
    units |= {u for f in findings for u in (f["details"].get("units") or [])}
    if filters.get("unit"):
        units.add(filters["unit"])
    cadres = {f["subject"]["code"] for f in findings if f["subject"]["kind"] == "cadre"}
    values = {
        "findings": findings, "filters": filters, "errors": errors, "statuses": STATUSES,
        "next": _page_after(base, next_cursor),
        "names": names(p, units=units, cadres=cadres),
    }  # fmt: skip
    return render(request, "findings.html", context(p, staff, "findings", **values),
                  block="register", status=422 if errors else 200)  # fmt: skip


def _evidence(p: Any, finding: dict[str, Any]) -> list[dict[str, Any]]:
    """The recorded events a finding rests on (those of its cadre's timeline)."""
    subject = finding["subject"]
    if subject["kind"] != "cadre":
        return []
    try:
        events = p.reads.timeline(subject["code"], include_retracted=True)["events"]
    except NotFound:
        return []
    cited = set(finding["evidence"])
    return [e for e in events if e["position"] in cited]


def _finding(p: Any, staff: Staff, finding_id: str) -> dict[str, Any]:
    """The finding, if the officer may see it (outside their unit: as if there were none)."""
    if not ID.match(finding_id):
        raise NotFound("没有这条问题线索。")
    finding: dict[str, Any] = p.supervision.reads.get(finding_id)
    p.scope.finding(staff.who, finding)
    return finding


def _detail(p: Any, staff: Staff, finding_id: str) -> dict[str, Any]:
    finding = _finding(p, staff, finding_id)
    evidence = _evidence(p, finding)
    units = set(finding["details"].get("units") or [])
    for key in ("home_unit", "host_unit", "unit"):
        if finding["details"].get(key):
            units.add(str(finding["details"][key]))
    if finding["subject"]["kind"] == "unit":
        units.add(finding["subject"]["code"])
    cadres = {finding["subject"]["code"]} if finding["subject"]["kind"] == "cadre" else set()
    looked_up = names(p, units=units, cadres=cadres)
    posts = post_titles(p.views, units | {u for e in evidence for u in units_of([e])})
    for event in evidence:
        event["line"] = describe(event, looked_up["units"], posts)
    return {"f": finding, "evidence": evidence, "names": looked_up,
            "details": facts(finding["details"], looked_up["units"])}  # fmt: skip


@router.get("/findings/{finding_id}")
def finding_page(request: Request, finding_id: str, staff: Overseer, p: PlatformDep) -> Response:
    """One finding: what it says, what it rests on, its lifecycle, and what can be done."""
    values = _detail(p, staff, finding_id)
    values["done"] = request.query_params.get("done", "")[:20]
    return render(request, "finding.html", context(p, staff, "findings", **values),
                  block="finding")  # fmt: skip


async def _work(request: Request, finding_id: str, staff: Any, p: Any, step: str) -> Response:
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    await run_in_threadpool(_finding, p, staff, finding_id)  # 404 first, as the API's
    fields = ["note", "expected_version"]
    if step == "resolve":
        fields += ["resolution", "approval.level", "approval.authority", "approval.document_no"]
    body = nested(form, fields)
    if "expected_version" in body:
        body["expected_version"] = (
            int(body["expected_version"])
            if body["expected_version"].isdigit()
            else body["expected_version"]
        )
    model, errors = check(Acknowledge if step == "acknowledge" else Resolve, body)
    if model is None:
        return _again(request, p, staff, finding_id, step, errors, form)
    register = p.supervision.register
    try:
        if isinstance(model, Resolve):
            written = await run_in_threadpool(
                register.resolve, staff.who, finding_id, resolution=model.resolution,
                note=model.note, approval=approval_value(model.approval),
                expected_version=model.expected_version,
            )  # fmt: skip
        else:
            assert isinstance(model, Acknowledge)
            written = await run_in_threadpool(
                register.acknowledge, staff.who, finding_id, note=model.note,
                expected_version=model.expected_version,
            )  # fmt: skip
    except DomainError as error:
        if error.status == 404:
            raise
        return _again(request, p, staff, finding_id, step, {"form": str(error)}, form,
                      status=error.status)  # fmt: skip
    await p.followers.until(written.position, MIN_POSITION_WAIT, ["read_models"])
    done = "acknowledged" if step == "acknowledge" else "resolved"
    if is_htmx(request):
        values = _detail(p, staff, finding_id)
        values["done"] = done
        return render(request, "finding.html", context(p, staff, "findings", **values),
                      block="finding")  # fmt: skip
    return RedirectResponse(f"/ui/findings/{finding_id}?done={done}", status_code=303)


def _again(
    request: Request,
    p: Any,
    staff: Any,
    finding_id: str,
    step: str,
    errors: dict[str, str],
    form: Any,
    status: int = 422,
) -> Response:
    values = _detail(p, staff, finding_id)
    values.update(errors=errors, step=step, posted={k: form_text(form, k) or "" for k in form})
    return render(request, "finding.html", context(p, staff, "findings", **values),
                  block="finding", status=status)  # fmt: skip


@router.post("/findings/{finding_id}/acknowledge")
async def acknowledge(request: Request, finding_id: str, staff: Worker, p: PlatformDep) -> Response:
    """An inspector takes the finding up (the same command as the API's)."""
    return await _work(request, finding_id, staff, p, "acknowledge")


@router.post("/findings/{finding_id}/resolve")
async def resolve(request: Request, finding_id: str, staff: Worker, p: PlatformDep) -> Response:
    """Close the finding: remedied, waived with an approval, or a false positive."""
    return await _work(request, finding_id, staff, p, "resolve")
