"""The rule catalogue: its parameters, the sweep, and back-testing (which records nothing)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from api.auth import Overseer, Worker
from api.deps import PlatformDep
from api.routes.common import as_of_known_at
from api.schemas import PROBLEMS, Body, Code, Day, Instant

router = APIRouter(prefix="/api/v1/rules", tags=["rules"], responses=PROBLEMS)

EARLIEST, LATEST = date(1949, 10, 1), date(2199, 12, 31)
SETTLE_SECONDS = 10.0


class RuleDoc(BaseModel):
    """One rule of RULES.md and the parameters it runs with."""

    id: str
    severity: Literal["violation", "warning"]
    subject: Literal["cadre", "unit", "complaint"]
    subjects: list[Literal["cadre", "unit", "complaint"]] = Field(
        description="every kind of subject it judges, `subject` first (R-DATA-01: complaints too)"
    )
    summary: str
    time_based: bool = Field(description="Needs the daily sweep as well as new events.")
    enabled: bool
    parameters: dict[str, Any]


class Catalogue(BaseModel):
    """The catalogue with the parameters of the rules file in force."""

    source: str = Field(description="`defaults`, or the path of JIANDU_RULES_FILE.")
    disabled: list[str]
    calendar: dict[str, Any]
    rules: list[RuleDoc]


class SweepRequest(Body):
    as_of: Day | None = Field(default=None, description="Default: today; never after today.")


class Swept(BaseModel):
    """What a sweep recorded."""

    as_of: date
    raised: int
    remedied: int
    withdrawn: int
    position: int


class Candidate(BaseModel):
    """A finding that would hold (nothing is recorded)."""

    finding_id: str
    rule: str
    severity: Literal["violation", "warning"]
    subject: dict[str, str]
    anchor: str
    evidence: list[int]
    details: dict[str, Any]


class Evaluated(BaseModel):
    """Back-testing: what would hold for one subject on a date, as known at a time."""

    subject: dict[str, str]
    as_of: date
    known_at: str | None
    findings: list[Candidate]


@router.get("", response_model=Catalogue)
def catalogue(who: Overseer, p: PlatformDep) -> dict[str, Any]:
    """Every rule with its current parameters."""
    return p.supervision.catalogue()


@router.post("/sweep", response_model=Swept)
def sweep(who: Worker, p: PlatformDep, body: SweepRequest | None = None) -> dict[str, Any]:
    """Re-evaluate what time alone changes (overdue secondments and complaints, ...) now."""
    as_of = (body.as_of if body else None) or p.clock.today()
    p.projector.wait_for(p.store.position(), SETTLE_SECONDS)  # judge what the views know now
    tally = p.supervision.sweep(as_of)
    return {"as_of": as_of, **tally.as_dict(), "position": p.store.position()}


@router.get("/evaluate", response_model=Evaluated)
def evaluate(
    who: Overseer,
    p: PlatformDep,
    cadre: Code | None = None,
    unit: Code | None = None,
    complaint: Annotated[str | None, Query(max_length=64)] = None,
    as_of: Annotated[Day | None, Query(description="Evaluation date (default today).")] = None,
    known_at: Annotated[Instant | None, Query(description="Recorded-time cut-off.")] = None,
) -> dict[str, Any]:
    """The findings that would hold for one subject then; records nothing."""
    chosen = [(k, v) for k, v in (("cadre", cadre), ("unit", unit), ("complaint", complaint)) if v]
    if len(chosen) != 1:
        raise HTTPException(422, "give exactly one of cadre, unit or complaint")
    as_of, known_at = as_of_known_at(p, as_of, known_at)
    day = as_of or p.clock.today()
    if not EARLIEST <= day <= LATEST:
        raise HTTPException(422, f"as_of must lie between {EARLIEST} and {LATEST}")
    kind, code = chosen[0]
    getattr(p.scope, kind)(who, code)  # a unit-scoped token judges only what it may see
    return {
        "subject": {"kind": kind, "code": code},
        "as_of": day,
        "known_at": known_at.isoformat() if known_at else None,
        "findings": p.supervision.evaluate(kind, code, day, known_at),
    }
