"""Request and response bodies of the HTTP contract (API.md); unknown fields are refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.values import Approval as ApprovalValue
from domain.values import Level

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$", max_length=64)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=2000)]
LongText = Annotated[str, StringConstraints(max_length=20000)]
Version = Annotated[
    int | None, Field(default=None, ge=0, description="409 when the record is at another version.")
]


class Body(BaseModel):
    """Base of every request body: unknown fields are a validation error."""

    model_config = ConfigDict(extra="forbid")


class Command(Body):
    """A command on an existing aggregate may name the version it expects."""

    expected_version: Version = None


class Approval(Body):
    """An organisation department's approval."""

    level: Literal["county", "city", "province"]
    authority: Name
    document_no: Name

    def value(self) -> ApprovalValue:
        """The domain value."""
        return ApprovalValue(Level(self.level), self.authority, self.document_no)


def approval_value(approval: Approval | None) -> ApprovalValue | None:
    """The domain value of an optional approval."""
    return approval.value() if approval else None


class Written(BaseModel):
    """What a command wrote: the global position and the aggregate version, plus new ids."""

    model_config = ConfigDict(extra="allow")

    position: int
    version: int


def written(result: Any) -> dict[str, Any]:
    """The 201 body of a domain ``Written``."""
    return {"position": result.position, "version": result.version, **dict(result.ids)}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str


PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for status, text in (
        (400, "Malformed JSON"),
        (401, "Missing or bad token"),
        (403, "Role may not do this"),
        (404, "Unknown resource"),
        (409, "Invariant or concurrency conflict"),
        (413, "Body over 1 MiB"),
        (422, "Validation error"),
        (503, "Read models not caught up (min_position)"),
    )
}

AsOf = Annotated[date | None, Field(description="Effective-date cut-off (valid time).")]
KnownAt = Annotated[datetime | None, Field(description="Recorded-time cut-off (transaction time).")]
