"""Complaints inside the platform: intake files them, inspectors and auditors read, inspectors work.

No answer carries the reporter's identity, the receipt's fingerprint, or (after filing) the
receipt itself: a named complaint shows ``"reporter": "sealed"``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from starlette.concurrency import run_in_threadpool

from api.auth import Intake, Overseer, Worker
from api.bootstrap import Platform
from api.cursors import CursorParam, PagerDep
from api.deps import Fresh, PlatformDep, Purpose, complaint_in_scope, record_read
from api.ledger_marks import complaint_standing
from api.responses import Instant as InstantText
from api.responses import LedgerReach
from api.schemas import (
    LINE,
    PROBLEMS,
    Code,
    Command,
    ComplaintReport,
    ComplaintText,
    Day,
    Instant,
    Name,
    Written,
    written,
)  # fmt: skip
from api.scope import filtered_page
from domain.complaint import Complaint

router = APIRouter(
    prefix="/api/v1/complaints",
    tags=["complaints"],
    responses=PROBLEMS,
    dependencies=[Depends(complaint_in_scope)],
)

Status = Literal["filed", "accepted", "declined", "forwarded", "concluded", "notified"]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=LINE)]


class ComplaintIntake(ComplaintReport):
    channel: Literal["letter", "visit", "phone", "hotline", "web"]
    received_at: Instant

    @field_validator("received_at")
    @classmethod
    def _zoned(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("received_at needs a time zone (e.g. 2024-05-01T08:00:00+08:00)")
        return value


class Filed(Written):
    complaint_id: str
    receipt: Annotated[str, Field(description="16 digits; shown once, stored only as a hash.")]


class Accept(Command):
    date: Day
    handler_unit: Name


class Decline(Command):
    date: Day
    reason: Reason


class Forward(Command):
    date: Day
    to_authority: Name


class Extend(Command):
    days: Annotated[int, Field(ge=1, le=3650, description="At most 30 (409 beyond), once.")]
    reason: Reason


class Note(Command):
    text: ComplaintText


class Conclude(Command):
    date: Day
    finding: Literal["substantiated", "partly_substantiated", "unsubstantiated"]
    summary: ComplaintText


class NotifyReporter(Command):
    date: Day
    method: Name


# -- what the reads answer ------------------------------------------------------------------


class Deadlines(BaseModel):
    """Decide within 15 days of receipt; conclude within 60 days of acceptance (+ extension)."""

    decide_by: date
    conclude_by: date | None


class QueueEntry(BaseModel):
    """A complaint in the queue."""

    complaint_id: str
    status: Status
    category: str
    title: str
    received_at: InstantText
    deadlines: Deadlines


class Queue(BaseModel):
    """A page of the queue; ``next_cursor`` fetches the next one (null on the last page)."""

    complaints: list[QueueEntry]
    next_cursor: str | None


class Exchange(BaseModel):
    """A message between the officers and the reporter."""

    from_: Literal["officer", "reporter"] = Field(alias="from")
    at: InstantText
    text: str


class CaseNote(BaseModel):
    """An officer's internal note."""

    at: InstantText
    by: str = Field(description="the subject of the token that wrote it")
    text: str


class HandlingStep(BaseModel):
    """A step of the handling and what it said: accepted (date, handler_unit), declined (date,
    reason), forwarded (date, to_authority), extended (days, reason), concluded (date, finding,
    summary), notified (date, method)."""

    model_config = ConfigDict(extra="allow")

    step: Literal["accepted", "declined", "forwarded", "extended", "concluded", "notified"]
    at: InstantText
    by: str = Field(description="the subject of the token that recorded it")


class RecordedEvent(BaseModel):
    """One stored event of the complaint."""

    position: int
    version: int
    type: str
    included_in_checkpoint: bool


class ComplaintLedger(BaseModel):
    """The complaint's events as the audit ledger sees them."""

    checkpoint: LedgerReach | None
    events: list[RecordedEvent]


class ComplaintView(QueueEntry):
    """One complaint and its handling; the reporter's identity stays sealed."""

    body: str
    channel: Literal["letter", "visit", "phone", "hotline", "web"]
    reporter: Literal["sealed"] | None = Field(description='"sealed" when named, else null')
    subject_cadres: list[str]
    subject_units: list[str]
    overdue: bool
    extension_days: int
    decided_on: date | None
    handler_unit: str | None
    concluded_on: date | None
    finding: Literal["substantiated", "partly_substantiated", "unsubstantiated"] | None
    notified_on: date | None
    handling: list[HandlingStep]
    messages: list[Exchange]
    notes: list[CaseNote]
    version: int
    ledger: ComplaintLedger | None = Field(
        None, description="its events' positions and whether the audit ledger's latest signed "
        "checkpoint covers each",
    )  # fmt: skip


def _deadlines(row: dict[str, Any]) -> dict[str, Any]:
    return {"decide_by": row["decide_by"], "conclude_by": row["conclude_by"]}


def _overdue(row: dict[str, Any], today: date) -> bool:
    day = today.isoformat()
    if row["status"] == "filed":
        return bool(row["decide_by"] < day)
    return row["status"] == "accepted" and bool(row["conclude_by"] and row["conclude_by"] < day)


def _entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**entry, "at": entry["at"].isoformat()} for entry in entries]


def complaint_doc(p: Platform, complaint_id: str) -> dict[str, Any]:
    """The queue row, with the messages and notes of the record at the same version."""
    row = p.reads.complaint(complaint_id)
    record = p.store.load(Complaint, UUID(row["complaint_id"]), "complaint", row["version"])
    return {
        "complaint_id": row["complaint_id"],
        "status": row["status"],
        "category": row["category"],
        "title": row["title"],
        "body": row["body"],
        "channel": row["channel"],
        "received_at": row["received_at"],
        "reporter": "sealed" if row["named"] else None,
        "subject_cadres": row["subject_cadres"],
        "subject_units": row["subject_units"],
        "deadlines": _deadlines(row),
        "overdue": _overdue(row, p.clock.today()),
        "extension_days": row["extension_days"],
        "decided_on": row["decided_on"],
        "handler_unit": row["handler_unit"],
        "concluded_on": row["concluded_on"],
        "finding": row["finding"],
        "notified_on": row["notified_on"],
        "handling": [
            {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in s.items()}
            for s in record.steps
        ],
        "messages": _entries(record.messages),
        "notes": _entries(record.notes),
        "version": row["version"],
        "ledger": complaint_standing(p, row["complaint_id"], row["version"]),
    }


def _cursor(row: dict[str, Any]) -> str:
    return json.dumps([row["received_at"], row["complaint_id"]])


def _after(inner: str | None) -> tuple[str, str] | None:
    if inner is None:
        return None
    received_at, complaint_id = json.loads(inner)  # a signed cursor holds what _cursor made
    return str(received_at), str(complaint_id)


@router.post("", status_code=201, response_model=Filed)
def file_complaint(body: ComplaintIntake, who: Intake, p: PlatformDep) -> dict[str, Any]:
    """File a complaint received by letter, visit or phone; the answer shows its receipt once."""
    return written(p.services.complaints.file(who, **body.fields()))


@router.get("", dependencies=[Fresh], response_model=Queue)
def list_complaints(
    who: Overseer,
    p: PlatformDep,
    pages: PagerDep,
    status: Status | None = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    overdue: bool | None = None,
    cadre: Annotated[Code | None, Query(description="Complaints naming this cadre.")] = None,
    unit: Annotated[Code | None, Query(description="Complaints naming this unit.")] = None,
    cursor: CursorParam = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The complaint queue, oldest first; ``overdue`` is judged against today's date (a
    unit-scoped token sees the complaints naming a cadre or a unit of its subtree)."""

    def fetch(after: str | None, n: int) -> tuple[list[dict[str, Any]], str | None]:
        rows = p.reads.complaints(
            today=p.clock.today(), status=status, category=category, overdue=overdue,
            cadre=cadre, unit=unit, after=_after(after), limit=n + 1,
        )  # fmt: skip
        return rows[:n], _cursor(rows[n - 1]) if len(rows) > n else None

    page, resume = filtered_page(fetch, p.scope.complaints_kept(who), pages.open(cursor), limit)
    return {
        "complaints": [
            {
                "complaint_id": r["complaint_id"], "status": r["status"],
                "category": r["category"], "title": r["title"], "received_at": r["received_at"],
                "deadlines": _deadlines(r),
            }
            for r in page
        ],
        "next_cursor": pages.seal(resume),
    }  # fmt: skip


@router.get("/{complaint_id}", dependencies=[Fresh], response_model=ComplaintView)
async def get_complaint(
    request: Request, complaint_id: str, who: Overseer, p: PlatformDep, purpose: Purpose
) -> dict[str, Any]:
    """One complaint with its deadlines, messages and case notes (the reporter stays sealed;
    the reading is logged)."""
    doc = await run_in_threadpool(complaint_doc, p, complaint_id)
    await record_read(request, p, who, f"complaint:{doc['complaint_id']}", purpose)
    return doc


@router.post("/{complaint_id}/accept", status_code=201, response_model=Written)
def accept(complaint_id: str, body: Accept, who: Worker, p: PlatformDep) -> dict[str, Any]:
    """受理: accept, naming the handling unit; starts the 60-day conclusion deadline."""
    return written(
        p.services.complaints.accept(
            who, complaint_id, on=body.date, handler_unit=body.handler_unit,
            expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{complaint_id}/decline", status_code=201, response_model=Written)
def decline(complaint_id: str, body: Decline, who: Worker, p: PlatformDep) -> dict[str, Any]:
    """不予受理, with the reason."""
    return written(
        p.services.complaints.decline(
            who, complaint_id, on=body.date, reason=body.reason,
            expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{complaint_id}/forward", status_code=201, response_model=Written)
def forward(complaint_id: str, body: Forward, who: Worker, p: PlatformDep) -> dict[str, Any]:
    """转送 to the competent authority."""
    return written(
        p.services.complaints.forward(
            who, complaint_id, on=body.date, to_authority=body.to_authority,
            expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{complaint_id}/extend", status_code=201, response_model=Written)
def extend(complaint_id: str, body: Extend, who: Worker, p: PlatformDep) -> dict[str, Any]:
    """Extend the conclusion deadline of an accepted complaint (at most 30 days, once)."""
    return written(
        p.services.complaints.extend(
            who, complaint_id, days=body.days, reason=body.reason,
            expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{complaint_id}/notes", status_code=201, response_model=Written)
def add_note(complaint_id: str, body: Note, who: Worker, p: PlatformDep) -> dict[str, Any]:
    """An internal case note (never shown to the reporter)."""
    return written(
        p.services.complaints.add_note(
            who, complaint_id, text=body.text, expected_version=body.expected_version
        )
    )


@router.post("/{complaint_id}/messages", status_code=201, response_model=Written)
def message_reporter(complaint_id: str, body: Note, who: Worker, p: PlatformDep) -> dict[str, Any]:
    """A message the reporter reads with the receipt."""
    return written(
        p.services.complaints.message_reporter(
            who, complaint_id, text=body.text, expected_version=body.expected_version
        )
    )


@router.post("/{complaint_id}/conclude", status_code=201, response_model=Written)
def conclude(complaint_id: str, body: Conclude, who: Worker, p: PlatformDep) -> dict[str, Any]:
    """办结 with a finding and a summary."""
    return written(
        p.services.complaints.conclude(
            who, complaint_id, on=body.date, finding=body.finding, summary=body.summary,
            expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{complaint_id}/notify-reporter", status_code=201, response_model=Written)
def notify_reporter(
    complaint_id: str, body: NotifyReporter, who: Worker, p: PlatformDep
) -> dict[str, Any]:
    """反馈: the reporter was told the outcome."""
    return written(
        p.services.complaints.notify_reporter(
            who, complaint_id, on=body.date, method=body.method,
            expected_version=body.expected_version,
        )
    )  # fmt: skip
