"""The cadre file: state, findings with their evidence, and the timeline, as of a date and as
known at a time (retractions struck through; who recorded what, and when)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from api.deps import PlatformDep, record_read
from api.ledger_marks import mark_timeline
from api.routes.common import as_of_known_at
from api.scope import scoped_result
from api.ui.describe import describe, facts, units_of
from api.ui.forms import beijing_instant
from api.ui.pages.common import AnyStaff, context, names, reading_purpose, scope_of
from api.ui.session import Staff
from api.ui.templating import render
from domain.errors import DomainError, NotFound
from projections.overview import post_titles
from projections.search.query import SearchRequest

router = APIRouter(prefix="/ui", include_in_schema=False)
CODE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Invalid(ValueError):
    """A control of the page holds something unusable."""


def _as_of(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("“截至日期”不是有效的日期（应为 YYYY-MM-DD）。") from None


def _known_at(value: str | None) -> datetime | None:
    if not value:
        return None
    text = beijing_instant(value[:64]) or ""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("“录入截至”不是有效的时间。") from None


@router.get("/cadres")
def find_cadre(request: Request, staff: AnyStaff, p: PlatformDep, q: str = "") -> Response:
    """Open a cadre's file by personnel code, or find cadres by name."""
    q = q.strip()[:200]
    hits: list[Any] = []
    error = None
    if q and CODE.match(q):
        try:
            p.scope.cadre(staff.who, q)  # outside the officer's unit: as if there were none
            p.reads.cadre(q, today=p.clock.today())
            return RedirectResponse(f"/ui/cadres/{quote(q)}", status_code=303)
        except NotFound:
            pass
    if q and staff.may("inspector", "auditor") and p.search is not None:
        try:
            request_, engine = SearchRequest(q=q, kind="cadres", size=50), p.search
            hits = scoped_result(
                scope_of(p, staff),
                lambda after, n: engine.search(replace(request_, size=n, cursor=after)),
                None, 50,
            ).hits  # fmt: skip
        except DomainError as err:
            error = str(err)
    elif q:
        error = f"没有编码为 {q} 的干部。"
    unit_codes = {str(h.source.get("home_unit")) for h in hits}
    values = {"q": q, "hits": hits, "error": error, "names": names(p, units=unit_codes)}
    return render(request, "cadre_find.html", context(p, staff, "cadres", **values))


@router.get("/cadres/{code}")
async def cadre_file(request: Request, code: str, staff: AnyStaff, p: PlatformDep) -> Response:
    """A cadre's file, now or as it stood on a date, as known at a time; the reading goes to
    the access log like the API's."""
    if not CODE.match(code):
        raise NotFound("没有这个干部编码。")
    if staff.who.unit is not None:  # an unscoped officer: nothing to ask
        await run_in_threadpool(p.scope.cadre, staff.who, code)
    response = await run_in_threadpool(_cadre_page, request, code, staff, p)
    if response.status_code == 200:
        await record_read(request, p, staff.who, f"cadre:{code}", reading_purpose(request))
    return response


def _cadre_page(request: Request, code: str, staff: Staff, p: Any) -> Response:
    params = request.query_params
    values: dict[str, Any] = {"code": code, "error": None,
                              "as_of_text": params.get("as_of", "")[:10],
                              "known_at_text": params.get("known_at", "")[:64],
                              "recorded": params.get("recorded", "")[:40]}  # fmt: skip
    status = 200
    try:
        as_of, known_at = as_of_known_at(p, _as_of(params.get("as_of")),
                                         _known_at(params.get("known_at")))  # fmt: skip
        values.update(_file(p, code, as_of, known_at, staff.may("inspector", "auditor")))
    except Invalid as error:
        values["error"] = str(error)
        values.update(_file(p, code, None, None, staff.may("inspector", "auditor")))
        status = 422
    return render(request, "cadre.html", context(p, staff, "cadres", **values),
                  block="file", status=status)  # fmt: skip


def _file(
    p: Any, code: str, as_of: date | None, known_at: datetime | None, overseer: bool
) -> dict[str, Any]:
    today = p.clock.today()
    doc = p.reads.cadre(code, today=today, as_of=as_of, known_at=known_at)
    timeline = p.reads.timeline(code, as_of=as_of, known_at=known_at, include_retracted=True)
    timeline = mark_timeline(p, timeline)  # which events the latest signed checkpoint covers
    events = timeline["events"]
    findings: list[dict[str, Any]] = []
    if overseer:
        findings, _ = p.supervision.reads.list(cadre=code, limit=200)
    evidence = {pos for f in findings if f["status"] in ("open", "acknowledged")
                for pos in f["evidence"]}  # fmt: skip
    units = units_of(events) | {doc.get("home_unit") or ""}
    units |= {post["unit"] for post in doc["posts"]}
    if doc.get("secondment"):
        units.add(doc["secondment"]["host_unit"])
    looked_up = names(p, units=units)
    posts = post_titles(p.views, units)
    for post in doc["posts"]:
        post["title"] = posts.get((post["unit"], post["post"]), post["post"])
    for event in events:
        event["line"] = describe(event, looked_up["units"], posts)
        event["facts"] = facts(event.get("data") or {}, looked_up["units"])
    return {
        "doc": doc, "events": events, "findings": findings, "evidence": evidence,
        "names": looked_up, "as_of": as_of, "known_at": known_at,
        "checkpoint": timeline.get("checkpoint"),
        "travelling": as_of is not None or known_at is not None,
    }  # fmt: skip
