"""The organisation department's pages: township leadership teams (the 2/3 rule's table),
reports as tables and spreadsheets, and cleanup campaigns. Each calls what the API's route
calls, with the route's own checks (roles, unit scopes)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from api.deps import MIN_POSITION_WAIT, PlatformDep
from api.routes import campaigns as campaign_routes
from api.routes.reports import report
from api.ui.forms import check, form_text, read_form
from api.ui.pages.common import context, names, staff_with
from api.ui.session import Staff, check_staff_csrf
from api.ui.templating import render
from domain.errors import DomainError, InvalidValue, NotFound
from projections.reports import NAMES
from projections.unit_tree import list_units

router = APIRouter(prefix="/ui", include_in_schema=False)
Statistician = Annotated[Staff, staff_with("clerk", "inspector", "auditor")]  # as the API's
CampaignWorker = Annotated[Staff, staff_with("inspector")]  # as api.auth.Worker
REPORT_TITLES = {
    "township-teams": "乡镇领导班子", "secondments": "借调情况", "findings": "问题线索",
    "complaints": "信访举报", "training": "教育培训", "reviews": "年度考核",
}  # fmt: skip
FORMATS: dict[str, Literal["csv", "xlsx"]] = {"csv": "csv", "xlsx": "xlsx"}


def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise InvalidValue(f"“{name}”不是有效的日期（应为 YYYY-MM-DD）。") from None


def _roots(p: Any, staff: Staff) -> list[dict[str, Any]]:
    """The units whose townships a team table can be asked for: a scoped officer's unit, or the
    top unit of each county, city and province (its parent is none, or of another level)."""
    if staff.who.unit is not None:
        return [u for u in list_units(p.views, q=staff.who.unit, limit=500)
                if u["code"] == staff.who.unit]  # fmt: skip
    every = [
        u for level in ("county", "city", "province")
        for u in list_units(p.views, level=level, limit=2000) if not u["abolished_on"]
    ]  # fmt: skip
    levels = {u["code"]: u["level"] for u in every}
    return [u for u in every if levels.get(u["parent"]) != u["level"]]


# -- township teams ----------------------------------------------------------------------------


@router.get("/teams")
def teams(request: Request, staff: Statistician, p: PlatformDep) -> Response:
    """The teams of the officer's unit (a scoped one), or of the first county, to start from."""
    roots = _roots(p, staff)
    if not roots:
        raise NotFound("没有可统计班子的单位。")
    return RedirectResponse(f"/ui/units/{quote(roots[0]['code'])}/team", status_code=303)


@router.get("/units/{code}/team")
def team_page(request: Request, code: str, staff: Statistician, p: PlatformDep) -> Response:
    """A township's team counted in people, with who has two years of township service; for a
    county (city, province), each township's figures and the sums."""
    if len(code) > 64:
        raise NotFound("没有这个单位。")
    p.scope.unit(staff.who, code)  # as the route's dependency: outside, as if none
    as_of_text = request.query_params.get("as_of", "")[:10]
    values: dict[str, Any] = {"code": code, "as_of_text": as_of_text, "error": None,
                              "roots": _roots(p, staff)}  # fmt: skip
    status = 200
    try:
        as_of = _day(as_of_text, "统计日期") or p.clock.today()
    except InvalidValue as error:
        values["error"], status, as_of = str(error), 422, p.clock.today()
    try:
        team = p.teams.of(code, as_of)
    except InvalidValue as error:  # a village: no township team
        values["error"], status, team = str(error), 422, None
    values["team"] = team
    if team and "members" in team:
        units = {post["unit"] for m in team["members"] for post in m["posts"]}
        values["names"] = names(p, units=units)
    return render(request, "team.html", context(p, staff, "teams", **values), status=status)


# -- reports -----------------------------------------------------------------------------------


def _report_args(request: Request, p: Any) -> dict[str, Any]:
    q = request.query_params
    name = q.get("name", "township-teams")
    if name not in NAMES:
        raise InvalidValue("报表名称不在列表中。")
    year_text = q.get("year", "").strip()[:6]
    if year_text and not year_text.isdigit():
        raise InvalidValue("年度应为四位数字。")
    unit = q.get("unit", "").strip()[:64] or None
    return {
        "name": name, "unit": unit, "year": int(year_text) if year_text else None,
        "as_of": _day(q.get("as_of"), "统计日期"),
    }  # fmt: skip


@router.get("/reports")
def reports_page(request: Request, staff: Statistician, p: PlatformDep) -> Response:
    """A report as a table, with its downloads (CSV, XLSX): the API's report, same checks."""
    shown = {k: request.query_params.get(k, "")[:64] for k in ("name", "unit", "year", "as_of")}
    values: dict[str, Any] = {"given": shown, "titles": REPORT_TITLES, "report": None,
                              "error": None, "downloads": {}}  # fmt: skip
    status = 200
    if request.query_params.get("name"):
        try:
            args = _report_args(request, p)
            values["report"] = report(who=staff.who, p=p, format="json", **args)
            query = {k: v for k, v in shown.items() if v}
            values["downloads"] = {
                f: f"/ui/reports/download?{urlencode({**query, 'format': f})}" for f in FORMATS
            }
            values["names"] = names(p, units=_unit_cells(values["report"]))
        except DomainError as error:
            values["error"], status = str(error), error.status
    return render(request, "reports.html", context(p, staff, "reports", **values), status=status)


def _unit_cells(built: dict[str, Any]) -> set[str]:
    return {str(row.get(k)) for row in built["rows"] for k in ("unit", "home_unit", "host_unit")
            if row.get(k)} | ({built["unit"]} if built.get("unit") else set())  # fmt: skip


@router.get("/reports/download")
def report_download(request: Request, staff: Statistician, p: PlatformDep) -> Response:
    """The report as a spreadsheet (CSV with a BOM, or XLSX), as the API makes it."""
    file_format = FORMATS.get(request.query_params.get("format", "csv"))
    if file_format is None:
        raise InvalidValue("文件格式只能是 CSV 或 XLSX。")
    made: Response = report(who=staff.who, p=p, format=file_format, **_report_args(request, p))
    made.headers["Cache-Control"] = "no-store"
    return made


# -- campaigns ---------------------------------------------------------------------------------


@router.get("/campaigns")
def campaigns_page(request: Request, staff: Statistician, p: PlatformDep) -> Response:
    """Every campaign the officer may see, the latest first, and (inspectors) the open form."""
    listed = campaign_routes.list_campaigns(staff.who, p)["campaigns"]
    values = {"campaigns": listed, "names": names(p, units={c["unit"] for c in listed}),
              "errors": {}, "posted": {}, "roots": _roots(p, staff)}  # fmt: skip
    return render(request, "campaigns.html", context(p, staff, "campaigns", **values))


OPEN_FIELDS = ("code", "title", "kind", "unit", "starts_on", "due_on")


@router.post("/campaigns")
async def open_campaign(request: Request, staff: CampaignWorker, p: PlatformDep) -> Response:
    """Open a campaign (the API's model and service; targets fixed on opening)."""
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    body = {k: form_text(form, k) for k in OPEN_FIELDS if form_text(form, k)}
    model, errors = check(campaign_routes.CampaignOpen, body)
    if model is not None:
        try:
            opened = await run_in_threadpool(campaign_routes.open_campaign, model, staff.who, p)
        except DomainError as error:
            errors = {"form": str(error)}
        else:
            await p.followers.until(opened["position"], MIN_POSITION_WAIT, ["read_models"])
            return RedirectResponse(f"/ui/campaigns/{quote(model.code)}?done=opened",
                                    status_code=303)  # fmt: skip
    listed = campaign_routes.list_campaigns(staff.who, p)["campaigns"]
    values = {"campaigns": listed, "names": names(p, units={c["unit"] for c in listed}),
              "errors": errors, "posted": {k: form_text(form, k) or "" for k in OPEN_FIELDS},
              "roots": _roots(p, staff)}  # fmt: skip
    return render(request, "campaigns.html", context(p, staff, "campaigns", **values),
                  status=422 if "form" not in errors else 409)  # fmt: skip


def _campaign(p: Any, staff: Staff, code: str, as_of: date | None) -> dict[str, Any]:
    if len(code) > 64:
        raise NotFound("没有这项专项清理。")
    shown: dict[str, Any] = campaign_routes.get_campaign(code, staff.who, p, as_of=as_of)
    units = {c for t in shown["targets"] for c in (t["home_unit"], t["host_unit"]) if c}
    cadres = {t["cadre"] for t in shown["targets"]}
    return {"c": shown, "names": names(p, units=units | {shown["unit"]}, cadres=cadres)}


@router.get("/campaigns/{code}")
def campaign_page(request: Request, code: str, staff: Statistician, p: PlatformDep) -> Response:
    """A campaign's targets and progress (as of a date), its downloads, and the close form."""
    status, error = 200, None
    try:
        as_of = _day(request.query_params.get("as_of"), "统计日期")
    except InvalidValue as bad:
        as_of, status, error = None, 422, str(bad)
    values = _campaign(p, staff, code, as_of)
    values.update(error=error, errors={}, done=request.query_params.get("done", "")[:20],
                  as_of_text=request.query_params.get("as_of", "")[:10])  # fmt: skip
    return render(request, "campaign.html", context(p, staff, "campaigns", **values),
                  status=status)  # fmt: skip


@router.get("/campaigns/{code}/download")
def campaign_download(request: Request, code: str, staff: Statistician, p: PlatformDep) -> Response:
    """The campaign's targets as a spreadsheet (CSV or XLSX), as the API makes it."""
    file_format = FORMATS.get(request.query_params.get("format", "csv"))
    if file_format is None or len(code) > 64:
        raise InvalidValue("文件格式只能是 CSV 或 XLSX。")
    as_of = _day(request.query_params.get("as_of"), "统计日期")
    made: Response = campaign_routes.get_campaign(code, staff.who, p, as_of=as_of,
                                                  format=file_format)  # fmt: skip
    made.headers["Cache-Control"] = "no-store"
    return made


@router.post("/campaigns/{code}/close")
async def close_campaign(
    request: Request, code: str, staff: CampaignWorker, p: PlatformDep
) -> Response:
    """Close it: its progress that day is recorded with the summary."""
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    values = await run_in_threadpool(_campaign, p, staff, code, None)  # 404 first
    body: dict[str, Any] = {
        k: form_text(form, k) for k in ("date", "summary") if form_text(form, k)
    }
    version = form_text(form, "expected_version") or ""
    if version.isdigit():
        body["expected_version"] = int(version)
    model, errors = check(campaign_routes.CampaignClose, body)
    if model is not None:
        try:
            closed = await run_in_threadpool(
                campaign_routes.close_campaign, code, model, staff.who, p
            )
        except DomainError as error:
            if error.status == 404:
                raise
            errors = {"form": str(error)}
        else:
            await p.followers.until(closed["position"], MIN_POSITION_WAIT, ["read_models"])
            return RedirectResponse(f"/ui/campaigns/{quote(code)}?done=closed", status_code=303)
    values.update(error=None, errors=errors, done="", as_of_text="",
                  posted={k: form_text(form, k) or "" for k in ("date", "summary")})  # fmt: skip
    return render(request, "campaign.html", context(p, staff, "campaigns", **values),
                  status=409 if "form" in errors else 422)  # fmt: skip
