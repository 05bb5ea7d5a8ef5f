"""Units and posts: clerks record them, every role reads them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, StrictBool, StrictInt, StringConstraints

from api.auth import Clerk, Reader, Statistician
from api.cursors import CursorParam, PagerDep
from api.deps import Fresh, PlatformDep, unit_in_scope
from api.responses import AreaTeams, TownshipTeam, UnitView
from api.routes.common import as_of_known_at
from api.schemas import (
    LINE,
    NON_BLANK_LINE,
    PROBLEMS,
    Body,
    Code,
    Command,
    Day,
    Instant,
    Name,
    Written,
    written,
)
from api.scope import filtered_page
from projections.unit_tree import list_units as list_unit_rows

router = APIRouter(
    prefix="/api/v1/units",
    tags=["units"],
    responses=PROBLEMS,
    dependencies=[Depends(unit_in_scope)],
)

Level = Literal["province", "city", "county", "township", "village"]
Kind = Literal[
    "party_committee", "government", "department", "institution", "dispatched_office",
    "village_committee", "community",
]  # fmt: skip


UnitName = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NON_BLANK_LINE)]


class UnitCreate(Body):
    code: Code
    name: UnitName
    level: Level
    kind: Kind
    parent: Code | None = None
    joint_with: Code | None = Field(
        default=None,
        description="A unit of the same level this one shares its staff with (合署办公), "
        "e.g. a township's party committee and its government.",
    )


class PostCreate(Command):
    code: Code
    title: Name
    category: Literal["leadership", "non_leadership"]
    grade: Annotated[str, StringConstraints(max_length=100, pattern=LINE)] = ""
    team_member: StrictBool = False
    principal: StrictBool = False
    sensitive: StrictBool = False
    quota: Annotated[StrictInt, Field(ge=1, le=99, description="职数: how many may hold it.")] = 1


class UnitRename(Command):
    name: UnitName
    effective_date: Day


class UnitAbolish(Command):
    effective_date: Day
    merged_into: Code | None = None


class PostAbolish(Command):
    effective_date: Day


@router.post("", status_code=201, response_model=Written)
def register_unit(body: UnitCreate, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """Register a unit (409 duplicate code, 422 unknown parent; a unit-scoped token registers
    units under its subtree only)."""
    if who.unit is not None:
        p.scope.within_for_new_unit(who, body.parent)
    return written(p.services.organisation.register_unit(who, **body.model_dump()))


@router.post("/{code}/posts", status_code=201, response_model=Written)
def establish_post(code: Code, body: PostCreate, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """Establish a post in the unit."""
    return written(p.services.organisation.establish_post(who, code, **body.model_dump()))


@router.post("/{code}/rename", status_code=201, response_model=Written)
def rename_unit(code: Code, body: UnitRename, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """Give the unit a new name from an effective date."""
    return written(p.services.organisation.rename_unit(who, code, **body.model_dump()))


@router.post("/{code}/posts/{post}/abolish", status_code=201, response_model=Written)
def abolish_post(
    code: Code, post: Code, body: PostAbolish, who: Clerk, p: PlatformDep
) -> dict[str, Any]:
    """Abolish a post."""
    org = p.services.organisation
    return written(
        org.abolish_post(
            who, code, code=post, effective_date=body.effective_date,
            expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{code}/abolish", status_code=201, response_model=Written)
def abolish_unit(code: Code, body: UnitAbolish, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """Abolish the unit (乡镇撤并), optionally merged into another."""
    org = p.services.organisation
    return written(
        org.abolish_unit(
            who, code, effective_date=body.effective_date, merged_into=body.merged_into,
            expected_version=body.expected_version,
        )
    )  # fmt: skip


class UnitListed(BaseModel):
    """A unit in the list."""

    code: str
    name: str
    level: Level
    kind: Kind
    parent: str | None
    joint_with: str | None = None
    abolished_on: date | None = None


class UnitPage(BaseModel):
    """A page of units in code order; ``next_cursor`` fetches the next (null on the last)."""

    units: list[UnitListed]
    next_cursor: str | None


@router.get("", dependencies=[Fresh], response_model=UnitPage)
def list_units(
    who: Reader,
    p: PlatformDep,
    pages: PagerDep,
    parent: Annotated[Code | None, Query(description="Units directly under this one.")] = None,
    level: Level | None = None,
    kind: Kind | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in code or name.")] = None,
    cursor: CursorParam = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The units, in code order, filtered by parent, level, kind and text; ``next_cursor``
    pages on (a unit-scoped token sees the units of its subtree)."""

    def fetch(after: str | None, n: int) -> tuple[list[dict[str, Any]], str | None]:
        rows = list_unit_rows(
            p.views, parent=parent, level=level, kind=kind, q=q, after=after, limit=n + 1
        )
        page = rows[:n]
        return page, (page[-1]["code"] if len(rows) > n else None)

    scope = p.scope.of(who)
    keep = (lambda u: True) if scope is None else (lambda u: scope.unit(u["code"]))
    units, resume = filtered_page(fetch, keep, pages.open(cursor), limit)
    return {"units": units, "next_cursor": pages.seal(resume)}


@router.get("/{code}/team", dependencies=[Fresh], response_model=TownshipTeam | AreaTeams)
def get_team(
    code: Code,
    who: Statistician,
    p: PlatformDep,
    as_of: Annotated[Day | None, Query(description="The date of the team (default today).")] = None,
) -> dict[str, Any]:
    """A township's leadership team counted in people (each once, however many posts), with
    how many have 2 years of township service; for a county, city or province, every township
    under it and the sums (R-TOWN-04's figures)."""
    return p.teams.of(code, as_of or p.clock.today())


@router.get("/{code}", dependencies=[Fresh], response_model=UnitView)
def get_unit(
    code: Code,
    who: Reader,
    p: PlatformDep,
    as_of: Annotated[Day | None, Query(description="Effective-date cut-off.")] = None,
    known_at: Annotated[Instant | None, Query(description="Recorded-time cut-off.")] = None,
) -> dict[str, Any]:
    """The unit with its posts and holders, and cadres seconded in and out."""
    as_of, known_at = as_of_known_at(p, as_of, known_at)
    return p.reads.unit(code, today=p.clock.today(), as_of=as_of, known_at=known_at)
