"""Cleanup campaigns (专项清理): inspectors open and close them; their progress is read."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StringConstraints

from api.auth import Statistician, Worker
from api.bootstrap import Platform
from api.deps import Fresh, PlatformDep
from api.report_files import MEDIA
from api.routes.reports import Format, answer
from api.schemas import PROBLEMS, Body, Code, Command, Day, Name
from api.scope import Scope
from api.tokens import Principal
from domain.errors import NotFound
from projections.reports import Column, Report

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"], responses=PROBLEMS)
Summary = Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class CampaignOpen(Body):
    code: Code
    title: Name
    kind: Literal["secondment_cleanup"]
    unit: Code
    starts_on: Day
    due_on: Day


class CampaignClose(Command):
    date: Day
    summary: Summary


class CampaignOpened(BaseModel):
    """The campaign was opened with its targets fixed."""

    position: int
    version: int
    code: str
    targets: int = Field(description="how many secondments it targets")


class CampaignClosed(BaseModel):
    """The campaign was closed with the figures it reached."""

    position: int
    version: int
    figures: dict[str, int]


@router.post("", status_code=201, response_model=CampaignOpened)
def open_campaign(body: CampaignOpen, who: Worker, p: PlatformDep) -> dict[str, Any]:
    """Open a campaign over a unit and the units under it; its targets are the secondments
    there with a secondment finding that holds today (409 for a code used before). A
    unit-scoped token opens campaigns within its subtree only."""
    p.scope.within_for_new_unit(who, body.unit)
    return p.campaigns.open(who, **body.model_dump())


@router.post("/{code}/close", status_code=201, response_model=CampaignClosed)
def close_campaign(code: Code, body: CampaignClose, who: Worker, p: PlatformDep) -> dict[str, Any]:
    """Close a campaign: its progress on that day is recorded with the summary."""
    _in_scope(p, who, code)
    return p.campaigns.close(
        who, code, on=body.date, summary=body.summary,
        expected_version=body.expected_version,
    )  # fmt: skip


@router.get("", dependencies=[Fresh])
def list_campaigns(who: Statistician, p: PlatformDep) -> dict[str, Any]:
    """Every campaign, the latest first (a unit-scoped token's: those over its subtree)."""
    scope = p.scope.of(who)
    every = p.campaigns.reads.every()
    return {"campaigns": [c for c in every if scope is None or scope.unit(c["unit"])]}


@router.get(
    "/{code}",
    dependencies=[Fresh],
    responses={200: {"content": {"application/json": {}, MEDIA["csv"]: {}, MEDIA["xlsx"]: {}}}},
)
def get_campaign(
    code: Code,
    who: Statistician,
    p: PlatformDep,
    as_of: Annotated[Day | None, Query(description="The date of the progress (today).")] = None,
    format: Annotated[Format, Query(description="json, csv or xlsx.")] = "json",
) -> Any:
    """A campaign, each target (returned, remaining, seconded again, or voided) and the counts;
    as a spreadsheet of its targets with ``format=csv|xlsx``. A unit-scoped token sees the
    campaigns over its subtree, and of their targets the cadres within it."""
    scope = _in_scope(p, who, code)
    shown = p.campaigns.reads.get(
        code, as_of or p.clock.today(), cadres=scope.cadres if scope is not None else None
    )
    if format == "json":
        return shown
    return answer(targets_report(shown), format)


def _in_scope(p: Platform, who: Principal, code: str) -> Scope | None:
    """The caller's scope; NotFound for a campaign over a unit outside it (as if none)."""
    scope = p.scope.of(who)
    if scope is not None and not scope.unit(p.campaigns.reads.unit_of(code)):
        raise NotFound(f"campaign {code} not found")
    return scope


STATE_NAMES = {
    "remaining": "仍在借调", "returned": "已回原单位", "seconded_again": "回原单位后再次借调",
    "voided": "记录已更正",
}  # fmt: skip


def targets_report(shown: dict[str, Any]) -> Report:
    """A campaign's targets as a report (the spreadsheet its office keeps)."""
    rows = [{**t, "state": STATE_NAMES[t["state"]], "rules": "、".join(t["rules"])}
            for t in shown["targets"]]  # fmt: skip
    columns = [
        Column("cadre", "人事编码"), Column("home_unit", "原单位"), Column("host_unit", "借调单位"),
        Column("start_date", "借调开始日期"), Column("rules", "问题"),
        Column("state", "清理进展"), Column("returned_on", "回原单位日期"),
        Column("seconded_again_on", "再次借调日期"),
    ]  # fmt: skip
    progress = shown["progress"]
    totals = {"cadre": "合计", "home_unit": f"{progress['targets']}人",
              "state": f"已回{progress['returned']}，仍在借{progress['remaining']}，"
                       f"再次借调{progress['seconded_again']}"}  # fmt: skip
    return Report("campaign", shown["title"], columns, rows, totals,
                  {"unit": shown["unit"], "year": None, "as_of": shown["as_of"]})  # fmt: skip
