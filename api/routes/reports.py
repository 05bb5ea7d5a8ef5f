"""Reports (统计报表) as JSON, CSV or XLSX with Chinese headers."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import Statistician
from api.deps import Fresh, PlatformDep
from api.report_files import MEDIA, RENDER
from api.schemas import PROBLEMS, Code, Day
from domain.errors import NotFound
from projections.reports import Report

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=PROBLEMS)

Name = Literal["township-teams", "secondments", "findings", "complaints", "training", "reviews"]
Format = Literal["json", "csv", "xlsx"]


class ReportColumn(BaseModel):
    """A column: its key in the rows and its printed header."""

    key: str
    header: str


class ReportView(BaseModel):
    """A report's table."""

    name: str
    title: str
    unit: str | None
    year: int | None
    as_of: str
    columns: list[ReportColumn]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] = Field(description="the totals row (合计)")


def answer(report: Report, file_format: str) -> Any:
    """The report as JSON, or as a file to download."""
    if file_format == "json":
        return report.as_json()
    name = f"{report.title}.{file_format}"
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(
        RENDER[file_format](report), media_type=MEDIA[file_format],
        headers={"Content-Disposition": disposition},
    )  # fmt: skip


@router.get(
    "/{name}",
    dependencies=[Fresh],
    response_model=ReportView,
    responses={200: {"content": {"application/json": {}, MEDIA["csv"]: {}, MEDIA["xlsx"]: {}}}},
)
def report(
    name: Annotated[Name, Path(description="Which report.")],
    who: Statistician,
    p: PlatformDep,
    unit: Annotated[Code | None, Query(description="A unit and the units under it.")] = None,
    year: Annotated[int | None, Query(ge=1949, le=2200)] = None,
    as_of: Annotated[Day | None, Query(description="The date of the figures (today).")] = None,
    format: Annotated[Format, Query(description="json, csv or xlsx.")] = "json",
) -> Any:
    """A report for a unit's subtree (everything without one), a year and a date. A
    unit-scoped token's unit is the default and the limit: a unit outside its subtree is not
    found, and only the cadres within it appear."""
    scope = p.scope.of(who)
    if scope is not None:
        unit = unit or scope.root
        if not scope.unit(unit):
            raise NotFound(f"unit {unit} not found")
    built = p.reports.build(
        name, unit=unit, year=year, as_of=as_of or p.clock.today(),
        cadres=scope.cadres if scope is not None else None,
    )  # fmt: skip
    return answer(built, format)
