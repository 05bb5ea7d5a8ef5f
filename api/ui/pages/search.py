"""Search (one box, facets, highlighted hits) and the headline secondment query with its export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import PlatformDep
from api.routes.search import LEVELS
from api.scope import scoped_result
from api.ui.pages.common import Overseer, context, names, opened, scope_of, sealed
from api.ui.session import Staff
from api.ui.templating import render
from domain.errors import DomainError
from projections.search.query import SearchRequest, SearchResult, SecondmentQuery

router = APIRouter(prefix="/ui", include_in_schema=False)

KINDS = ("events", "cadres", "complaints", "findings", "secondments")
FILTERS = ("kind", "unit", "type", "rule", "from", "to")
HEADLINE = {
    "home_level": "township", "host_level": "county,city,province", "active": "true",
    "approved": "false", "min_days": "180",
}  # fmt: skip


class Invalid(ValueError):
    """A parameter of the page is not usable; the message says which, in words."""


def _text(value: str | None, name: str, limit: int = 200) -> str | None:
    if value is None or value.strip() == "":
        return None
    if len(value) > limit:
        raise Invalid(f"{name} 太长（最多 {limit} 个字符）。")
    return value.strip()


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise Invalid(f"{name} 不是有效的日期（应为 YYYY-MM-DD）。") from None


def _search_request(params: dict[str, str]) -> SearchRequest:
    kind = _text(params.get("kind"), "类别")
    if kind is not None and kind not in KINDS:
        raise Invalid("类别只能是记录、干部、信访举报、问题线索或借调。")
    return SearchRequest(
        q=_text(params.get("q"), "检索词", 1000) or "", kind=kind,
        unit=_text(params.get("unit"), "单位"), type=_text(params.get("type"), "记录类型"),
        rule=_text(params.get("rule"), "规则"), date_from=_date(params.get("from"), "起始日期"),
        date_to=_date(params.get("to"), "截止日期"), size=20,
        cursor=_text(params.get("cursor"), "翻页标记", 2000),
    )  # fmt: skip


def _mentioned(
    hits: list[Any], facets: dict[str, list[dict[str, Any]]]
) -> tuple[set[str], set[str]]:
    units = {str(b["value"]) for b in facets.get("unit", [])}
    cadres: set[str] = set()
    for hit in hits:
        source = hit.source
        units.update(str(u) for u in source.get("units", []) or [] if u)
        for key in ("home_unit", "host_unit"):
            if source.get(key):
                units.add(str(source[key]))
        cadres.update(str(c) for c in source.get("cadres", []) or [] if c)
        subject = source.get("subject") or {}
        if isinstance(subject, dict) and subject.get("kind") == "cadre":
            cadres.add(str(subject.get("code")))
    return units, cadres


def _link(params: dict[str, str], **changes: str | None) -> str:
    """This search with some parameters changed (None drops one); the page starts again."""
    merged = {k: v for k, v in params.items() if k in ("q", *FILTERS) and v}
    for key, value in changes.items():
        key = "from" if key == "from_" else key
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return "/ui/search?" + urlencode(merged)


@router.get("/search")
def search_page(request: Request, staff: Overseer, p: PlatformDep) -> Response:
    """Free text and facets over events, cadres, complaints, findings and secondments."""
    params = {k: v for k, v in request.query_params.items()}
    values: dict[str, Any] = {"params": params, "result": None, "error": None, "link": _link,
                              "filters": FILTERS}  # fmt: skip
    status = 200
    asked = any(params.get(k) for k in ("q", *FILTERS))
    if asked and p.search is not None:
        try:
            result = _scoped_search(p, staff, params)
            units, cadres = _mentioned(result.hits, result.facets)
            values.update(result=result, names=names(p, units=units, cadres=cadres))
        except (Invalid, DomainError) as error:
            values["error"] = str(error)
            status = getattr(error, "status", 422)
    return render(request, "search.html", context(p, staff, "search", **values),
                  block="results", status=status)  # fmt: skip


def _scoped_search(p: Any, staff: Staff, params: dict[str, str]) -> SearchResult:
    """The page of hits the officer may see (``api.scope.scoped_result``, as the API's), its
    cursor signed for this very search."""
    bound = {k: v for k, v in params.items() if k in ("q", *FILTERS) and v}
    request = _search_request(params)
    request = replace(request, cursor=opened(p, "/ui/search", bound, request.cursor))
    engine = p.search
    result = scoped_result(
        scope_of(p, staff), lambda after, n: engine.search(replace(request, size=n, cursor=after)),
        request.cursor, request.size,
    )  # fmt: skip
    return replace(result, next_cursor=sealed(p, "/ui/search", bound, result.next_cursor))


# -- the headline secondment query -------------------------------------------------------------


def _levels(value: str | None, name: str) -> tuple[str, ...]:
    levels = tuple(v.strip() for v in (value or "").split(",") if v.strip())
    if any(level not in LEVELS for level in levels):
        raise Invalid(f"{name} 只能是省、市、县、乡镇、村这些层级。")
    return levels


def _flag(value: str | None, name: str) -> bool | None:
    if value in (None, "", "any"):
        return None
    if value in ("true", "false"):
        return value == "true"
    raise Invalid(f"{name} 只能是“是”“否”或“不限”。")


def _secondment_query(params: dict[str, str], today: date) -> SecondmentQuery:
    min_days = _text(params.get("min_days"), "天数", 6)
    if min_days is not None and not (min_days.isdigit() and int(min_days) <= 36500):
        raise Invalid("天数应为 0 到 36500 之间的整数。")
    return SecondmentQuery(
        as_of=_date(params.get("as_of"), "查询日期") or today,
        home_levels=_levels(params.get("home_level"), "原单位层级"),
        host_levels=_levels(params.get("host_level"), "借调单位层级"),
        active=_flag(params.get("active"), "是否在借"),
        approved=_flag(params.get("approved"), "是否经审批"),
        min_days=int(min_days) if min_days is not None else None,
        unit=_text(params.get("unit"), "单位"), size=500,
    )  # fmt: skip


def _secondment_params(request: Request) -> dict[str, str]:
    given = {k: v for k, v in request.query_params.items()}
    return given if given else dict(HEADLINE)


def _run_secondments(
    p: Any, staff: Staff, params: dict[str, str]
) -> tuple[SecondmentQuery, Callable[[str | None], SearchResult]]:
    """The query, and a reading of its pages the officer may see (as the API's)."""
    query = _secondment_query(params, p.clock.today())
    if p.search is None:  # pragma: no cover - build() always wires one
        raise Invalid("检索服务未配置。")
    engine, scope = p.search, scope_of(p, staff)

    def page(after: str | None) -> SearchResult:
        return scoped_result(
            scope, lambda at, n: engine.secondments(replace(query, size=n, cursor=at)),
            after, query.size,
        )  # fmt: skip

    return query, page


@router.get("/secondments")
def secondments_page(request: Request, staff: Overseer, p: PlatformDep) -> Response:
    """Township cadres seconded upward, long and unapproved (or any other combination)."""
    params = _secondment_params(request)
    values: dict[str, Any] = {
        "params": params, "result": None, "error": None, "query": None,
        "export": "/ui/secondments.csv?" + urlencode(params),
    }  # fmt: skip
    status = 200
    try:
        query, pages = _run_secondments(p, staff, params)
        result = pages(None)
        units = {str(h.source.get(k)) for h in result.hits for k in ("home_unit", "host_unit")}
        values.update(query=query, result=result, names=names(p, units=units))
    except (Invalid, DomainError) as error:
        values["error"] = str(error)
        status = getattr(error, "status", 422)
    return render(request, "secondments.html", context(p, staff, "secondments", **values),
                  block="results", status=status)  # fmt: skip


CSV_HEADERS = (
    "干部编码",
    "姓名",
    "原单位",
    "原单位层级",
    "借调单位",
    "借调单位层级",
    "开始日期",
    "计划结束日期",
    "结束日期",
    "借调天数",
    "是否在借",
    "审批",
    "借调事由",
    "待处理问题",
)


def _cell(value: Any) -> str:
    """A spreadsheet cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/secondments.csv")
def secondments_csv(request: Request, staff: Overseer, p: PlatformDep) -> Response:
    """The same query as a CSV file (UTF-8 with a byte-order mark, so spreadsheets read it)."""
    params = _secondment_params(request)
    try:
        query, pages = _run_secondments(p, staff, params)
        result = pages(None)
        hits: list[Any] = list(result.hits)
        while result.next_cursor:  # every page: an export is the whole answer
            result = pages(result.next_cursor)
            hits += result.hits
    except (Invalid, DomainError) as error:
        return Response(str(error), status_code=getattr(error, "status", 422),
                        media_type="text/plain; charset=utf-8")  # fmt: skip
    units = names(p, units={str(h.source.get(k)) for h in hits for k in ("home_unit", "host_unit")})
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    for h in hits:
        s = h.source
        approval = s.get("approval") or {}
        writer.writerow([_cell(v) for v in (
            s.get("cadre_code"), s.get("cadre_name"),
            units["units"].get(s.get("home_unit"), s.get("home_unit")), s.get("home_level"),
            units["units"].get(s.get("host_unit"), s.get("host_unit")), s.get("host_level"),
            s.get("start_date"), s.get("planned_end_date"), s.get("end_date"),
            h.extra.get("duration_days"), "是" if h.extra.get("active") else "否",
            f"{approval.get('authority', '')} {approval.get('document_no', '')}".strip(),
            s.get("purpose"),
            " ".join(f["rule"] for f in h.extra.get("open_findings", [])),
        )])  # fmt: skip
    filename = f"secondments-{query.as_of.isoformat()}.csv"
    return Response(
        out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip
