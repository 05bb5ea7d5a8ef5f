"""Public complaint intake (no auth): report, then follow the complaint with its receipt.

Every endpoint is rate limited per client address. A receipt is looked up only through its
keyed fingerprint, and an unknown or malformed receipt takes the same path as a known one up to
the final "not found", so the answer reveals neither which receipts exist nor their format.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.bootstrap import Platform
from api.deps import PlatformDep, client_address
from api.schemas import PROBLEMS, Body, ComplaintReport, ComplaintText
from domain.complaint import Complaint
from domain.complaints import PUBLIC

T = TypeVar("T")


async def rate_limited(request: Request) -> None:
    """Count the request against the caller's address (429 with Retry-After past the limit).

    The count is shared by every API process (it lives in the keys database).
    """
    limits = request.app.state.platform.rate_limits
    wait = await run_in_threadpool(limits.check, client_address(request))
    if wait is not None:
        raise HTTPException(
            429,
            "Too many requests from this address; try again later.",
            headers={"Retry-After": str(wait)},
        )


RESPONSES: dict[int | str, dict[str, Any]] = {
    **{status: PROBLEMS[status] for status in (400, 404, 409, 413, 422)},
    429: {**PROBLEMS[422], "description": "Too many requests from this address (Retry-After)"},
}
router = APIRouter(
    prefix="/api/v1/public/complaints",
    tags=["public"],
    responses=RESPONSES,
    dependencies=[Depends(rate_limited)],
)


class Receipt(BaseModel):
    """The reporter's key to the complaint: shown this once, stored only as a keyed hash."""

    receipt: str = Field(description="16 digits", pattern=r"^[0-9]{16}$")
    received_at: datetime


class Message(BaseModel):
    """A message between the officers and the reporter."""

    from_: Literal["officer", "reporter"] = Field(alias="from")
    at: datetime
    text: str


class Progress(BaseModel):
    """What the reporter sees of the complaint."""

    status: Literal["filed", "accepted", "declined", "forwarded", "concluded", "notified"]
    received_at: datetime
    messages: list[Message]


class ReporterMessage(Body):
    """A message from the reporter to the officers."""

    text: ComplaintText


def progress(complaint: Complaint) -> dict[str, Any]:
    """What the reporter may see: the status, when it was received, and the messages."""
    return {
        "status": complaint.status,
        "received_at": complaint.received_at,
        "messages": [
            {"from": m["from"], "at": m["at"], "text": m["text"]} for m in complaint.messages
        ],
    }


@router.post("", status_code=201, response_model=Receipt)
def report(body: ComplaintReport, p: PlatformDep) -> dict[str, Any]:
    """Report a complaint; keep the 16-digit receipt to follow it (it is shown only now)."""
    complaints = p.services.complaints
    result = complaints.file(PUBLIC, channel="web", **body.fields())
    filed = complaints.complaint(result.ids["complaint_id"])
    return {"receipt": result.ids["receipt"], "received_at": filed.received_at}


async def evenly(p: Platform, work: Callable[[], T]) -> T:
    """Run ``work`` off the event loop, answering (or failing) no sooner than the floor.

    A known receipt costs a load of the complaint's whole history, an unknown one almost
    nothing: without a floor, the time of the answer would tell which receipts exist. The wait
    holds no worker thread.
    """
    started = time.monotonic()
    try:
        return await run_in_threadpool(work)
    finally:
        rest = started + p.settings.public_answer_floor - time.monotonic()
        if rest > 0:
            await asyncio.sleep(rest)


@router.get("/{receipt}", response_model=Progress)
async def follow(receipt: str, p: PlatformDep) -> dict[str, Any]:
    """The complaint's status and messages (404 for any receipt that follows none)."""
    return await evenly(p, lambda: progress(p.services.complaints.by_receipt(receipt)))


@router.post("/{receipt}/messages", status_code=201, response_model=Progress)
async def write_back(receipt: str, body: ReporterMessage, p: PlatformDep) -> dict[str, Any]:
    """Send the officers a message; the answer is the complaint's progress with it."""
    complaints = p.services.complaints

    def send() -> dict[str, Any]:
        complaints.message_from_reporter(receipt, text=body.text)
        return progress(complaints.by_receipt(receipt))

    return await evenly(p, send)
