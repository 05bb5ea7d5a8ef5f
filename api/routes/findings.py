"""The findings register: inspectors and auditors read it, inspectors work it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, StringConstraints, model_validator

from api.auth import Overseer, Worker
from api.cursors import CursorParam, PagerDep
from api.deps import Fresh, PlatformDep, finding_in_scope
from api.schemas import (
    PROBLEMS,
    Approval,
    Code,
    Command,
    LongLine,
    Written,
    approval_value,
    written,
)
from api.scope import filtered_page

router = APIRouter(
    prefix="/api/v1/findings",
    tags=["findings"],
    responses=PROBLEMS,
    dependencies=[Depends(finding_in_scope)],
)

Status = Literal["open", "acknowledged", "resolved", "withdrawn", "remedied"]
Severity = Literal["violation", "warning"]
RuleFilter = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z0-9-]{1,32}\*?$",
        description="A rule id, or a prefix ending in `*` (e.g. `R-SEC-*`).",
    ),
]
FindingId = Annotated[str, StringConstraints(max_length=64)]
Instant = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Subject(BaseModel):
    """Whom a finding is about."""

    kind: Literal["cadre", "unit", "complaint"]
    code: str


class FindingSummary(BaseModel):
    """One finding of the register."""

    finding_id: str
    rule: str
    severity: Severity
    status: Status
    subject: Subject
    raised_at: Instant
    evidence: list[int] = Field(description="Global positions of the events it rests on.")
    details: dict[str, Any]
    resolution: Literal["remedied", "waived", "false_positive"] | None
    version: int


class FindingPage(BaseModel):
    """A page of findings, oldest first."""

    findings: list[FindingSummary]
    next_cursor: str | None


class FindingDetail(FindingSummary):
    """A finding with its lifecycle (who raised, withdrew, acknowledged or resolved it, when)."""

    anchor: str
    note: str | None
    approval: dict[str, Any] | None
    remedied_on: str | None
    updated_at: Instant
    raised_position: int
    history: list[dict[str, Any]]


class Acknowledge(Command):
    note: LongLine = ""


class Resolve(Command):
    resolution: Literal["remedied", "waived", "false_positive"]
    note: LongLine = ""
    approval: Approval | None = None

    @model_validator(mode="after")
    def _waiver_has_approval(self) -> Resolve:
        if self.resolution == "waived" and self.approval is None:
            raise ValueError("a waiver needs an approval on record")
        return self


@router.get("", dependencies=[Fresh], response_model=FindingPage)
def list_findings(
    who: Overseer,
    p: PlatformDep,
    pages: PagerDep,
    rule: RuleFilter = None,
    status: Status | None = None,
    severity: Severity | None = None,
    cadre: Annotated[Code | None, Query(description="Findings about this cadre.")] = None,
    unit: Annotated[
        Code | None, Query(description="Findings about this unit or naming it in their details.")
    ] = None,
    complaint: Annotated[str | None, Query(max_length=64)] = None,
    cursor: CursorParam = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The findings register, oldest first, filtered; ``next_cursor`` pages on (a unit-scoped
    token sees the findings about its subtree)."""

    def fetch(after: str | None, n: int) -> tuple[list[dict[str, Any]], str | None]:
        found: tuple[list[dict[str, Any]], str | None] = p.supervision.reads.list(
            rule=rule, status=status, severity=severity, cadre=cadre, unit=unit,
            complaint=complaint, after=after, limit=n,
        )  # fmt: skip
        return found

    keep = p.scope.findings_kept(who)
    findings, resume = filtered_page(fetch, keep, pages.open(cursor), limit)
    return {"findings": findings, "next_cursor": pages.seal(resume)}


@router.get("/{finding_id}", dependencies=[Fresh], response_model=FindingDetail)
def get_finding(finding_id: FindingId, who: Overseer, p: PlatformDep) -> dict[str, Any]:
    """One finding with the events it cites and its lifecycle."""
    return p.supervision.reads.get(finding_id)


@router.post("/{finding_id}/acknowledge", status_code=201, response_model=Written)
def acknowledge(
    finding_id: FindingId, body: Acknowledge, who: Worker, p: PlatformDep
) -> dict[str, Any]:
    """An inspector takes an open finding up."""
    return written(
        p.supervision.register.acknowledge(
            who, finding_id, note=body.note, expected_version=body.expected_version
        )
    )


@router.post("/{finding_id}/resolve", status_code=201, response_model=Written)
def resolve(finding_id: FindingId, body: Resolve, who: Worker, p: PlatformDep) -> dict[str, Any]:
    """Close a finding: remedied, waived (with the approval on record) or a false positive."""
    return written(
        p.supervision.register.resolve(
            who, finding_id, resolution=body.resolution, note=body.note,
            approval=approval_value(body.approval), expected_version=body.expected_version,
        )
    )  # fmt: skip
