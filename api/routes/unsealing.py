"""Two-person unsealing of a named reporter: ask with a reason, a lead approves, the asker
reads for a day; every step an event, every reading also in the access log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, StringConstraints
from starlette.concurrency import run_in_threadpool

from api.auth import Lead, Overseer, Worker
from api.deps import PlatformDep, Purpose, complaint_in_scope, record_read
from api.schemas import NON_BLANK_LINE, PROBLEMS, Body, Written, written
from domain.unsealing import requests

router = APIRouter(
    prefix="/api/v1/complaints",
    tags=["complaints"],
    responses=PROBLEMS,
    dependencies=[Depends(complaint_in_scope)],
)
RequestId = Annotated[str, Path(max_length=64)]


class UnsealAsk(Body):
    """Why the reporter's identity is needed."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NON_BLANK_LINE)]


class UnsealAsked(Written):
    """The request made: a lead approves it by its ``request_id``."""

    request_id: str


class Reporter(BaseModel):
    """The unsealed identity, and the approved request the reading was made under."""

    name: str
    phone: str
    request_id: str
    valid_until: datetime


class UnsealRequest(BaseModel):
    """A request and what became of it (never the identity)."""

    request_id: str
    requested_by: str
    requested_at: datetime
    reason: str
    approved_by: str | None
    approved_at: datetime | None
    valid_until: datetime | None
    readings: list[datetime]


class UnsealRequests(BaseModel):
    """Every unseal request of a complaint, oldest first."""

    requests: list[UnsealRequest]


@router.post("/{complaint_id}/unseal-requests", status_code=201, response_model=UnsealAsked)
def request_unseal(
    complaint_id: str, body: UnsealAsk, who: Worker, p: PlatformDep
) -> dict[str, Any]:
    """Ask to read a named complaint's reporter, saying why (409 for an anonymous one)."""
    return written(p.services.complaints.request_unseal(who, complaint_id, reason=body.reason))


@router.post(
    "/{complaint_id}/unseal-requests/{request_id}/approve", status_code=201,
    response_model=Written,
)  # fmt: skip
def approve_unseal(
    complaint_id: str, request_id: RequestId, who: Lead, p: PlatformDep
) -> dict[str, Any]:
    """A lead, not the asker, approves: the asker may read the reporter for 24 hours."""
    return written(p.services.complaints.approve_unseal(who, complaint_id, request_id))


@router.get("/{complaint_id}/unseal-requests", response_model=UnsealRequests)
def unseal_requests(complaint_id: str, who: Overseer, p: PlatformDep) -> dict[str, Any]:
    """The complaint's unseal requests: who asked, why, who approved, each reading's time."""
    complaint = p.services.complaints.complaint(complaint_id)
    return {
        "requests": [
            {**{k: v for k, v in r.items() if k not in ("views", "requester_role")},
             "readings": list(r["views"])}
            for r in sorted(requests(complaint).values(), key=lambda r: r["requested_at"])
        ]
    }  # fmt: skip


@router.get("/{complaint_id}/reporter", response_model=Reporter)
async def reporter(
    request: Request, complaint_id: str, who: Worker, p: PlatformDep, purpose: Purpose
) -> dict[str, Any]:
    """The reporter's name and phone, for the asker of an approved request within its 24
    hours (404 otherwise); the reading is an event and an access-log entry."""
    identity, done = await run_in_threadpool(
        p.services.complaints.unseal_reporter, who, complaint_id
    )
    await record_read(request, p, who, f"reporter:{complaint_id}", purpose)
    complaint = p.services.complaints.complaint(complaint_id)
    used = requests(complaint)[done.ids["request_id"]]
    return {
        "name": identity.get("name", ""), "phone": identity.get("phone", ""),
        "request_id": used["request_id"], "valid_until": used["valid_until"],
    }  # fmt: skip
