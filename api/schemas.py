"""Request and response bodies of the HTTP contract (API.md); unknown fields are refused."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from domain.values import FORMAT_CONTROLS, Level
from domain.values import Approval as ApprovalValue

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$", max_length=64)]
_NOT_LINE = "\\x00-\\x08\\x0a-\\x1f\\x7f" + FORMAT_CONTROLS
LINE = f"^[^{_NOT_LINE}]*$"
"""Printable single-line text (tab allowed), without invisible direction or zero-width
characters: what ``domain.values.check_text`` accepts."""
NON_BLANK_LINE = f"^[^{_NOT_LINE}]*[^\\s{_NOT_LINE}][^{_NOT_LINE}]*$"
"""Printable single-line text with at least one character that is not white space."""
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LINE)]
Line = Annotated[str, StringConstraints(max_length=500, pattern=LINE)]
LongLine = Annotated[str, StringConstraints(max_length=2000, pattern=LINE)]
Text = Annotated[str, StringConstraints(max_length=2000)]
LongText = Annotated[str, StringConstraints(max_length=20000)]
Version = Annotated[
    StrictInt | None,
    Field(default=None, ge=0, le=2**62, description="409 when the record is at another version."),
]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?"
)


def _day_text(value: object) -> object:
    """A date is ``YYYY-MM-DD`` text: no number (a Unix time) and no timestamp passes as one."""
    if (isinstance(value, str) and _DAY.fullmatch(value)) or type(value) is date:
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _instant_text(value: object) -> object:
    """An instant is RFC 3339 text, not a number."""
    if (isinstance(value, str) and _INSTANT.fullmatch(value)) or isinstance(value, datetime):
        return value
    raise ValueError("must be an RFC 3339 timestamp such as 2024-05-01T08:00:00+08:00")


Day = Annotated[date, BeforeValidator(_day_text)]
"""A calendar date in a body or query (``YYYY-MM-DD``)."""
Instant = Annotated[datetime, BeforeValidator(_instant_text)]
"""A timestamp in a body or query (RFC 3339)."""


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


class ProblemError(BaseModel):
    """Where a request is invalid, and why."""

    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = None


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` lists what is invalid (422, 400).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
}
"""`Problem` inline: the error answers are `application/problem+json`, never `application/json`."""

PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
        "description": text,
    }
    for status, text in (
        (400, "Malformed JSON, or a cursor this server did not give out"),
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


# -- complaints (public intake and internal filing share these fields) ----------------------

ComplaintText = Annotated[str, StringConstraints(min_length=1, max_length=20000)]


class Reporter(Body):
    """A named reporter's identity: sealed at rest, never returned."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=LINE)]
    phone: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=LINE)]


class ComplaintReport(Body):
    """What a reporter tells: the complaint, its subjects, and (if named) who they are."""

    category: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=LINE)]
    title: Name
    body: ComplaintText
    subject_cadres: Annotated[list[Code], Field(max_length=100)] = []
    subject_units: Annotated[list[Code], Field(max_length=100)] = []
    named: StrictBool
    reporter: Reporter | None = None

    @model_validator(mode="after")
    def _named_has_reporter(self) -> ComplaintReport:
        if self.named and self.reporter is None:
            raise ValueError("a named complaint needs the reporter's name and phone")
        if not self.named and self.reporter is not None:
            raise ValueError("an anonymous complaint carries no reporter identity")
        return self

    def fields(self) -> dict[str, Any]:
        """The keyword arguments of ``Complaints.file``."""
        data = self.model_dump(exclude={"reporter"})
        data["reporter"] = self.reporter.model_dump() if self.reporter else None
        return data
