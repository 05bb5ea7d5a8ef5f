"""Value objects and vocabularies of the glossary (DOMAIN.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from domain.errors import InvalidValue, InvariantViolated


class Level(StrEnum):
    """Unit level (层级), ranked province > city > county > township > village."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def rank(self) -> int:
        """Higher number, higher level."""
        return _RANK[self]

    def is_higher_organ(self) -> bool:
        """County, city or province (上级机关 of a township unit)."""
        return self.rank >= _RANK[Level.COUNTY]


_RANK = {
    Level.VILLAGE: 1,
    Level.TOWNSHIP: 2,
    Level.COUNTY: 3,
    Level.CITY: 4,
    Level.PROVINCE: 5,
}


class UnitKind(StrEnum):
    """What kind of organ or body a unit is."""

    PARTY_COMMITTEE = "party_committee"
    GOVERNMENT = "government"
    DEPARTMENT = "department"
    INSTITUTION = "institution"
    DISPATCHED_OFFICE = "dispatched_office"
    VILLAGE_COMMITTEE = "village_committee"
    COMMUNITY = "community"


class PostCategory(StrEnum):
    """领导职务 or 职级."""

    LEADERSHIP = "leadership"
    NON_LEADERSHIP = "non_leadership"


class Channel(StrEnum):
    """Recruitment channel (录用渠道); every channel but ``transfer_in`` is a new recruitment
    (新录用)."""

    EXAM = "exam"
    SELECTED_GRADUATE = "selected_graduate"
    TARGETED = "targeted"
    INSTITUTION = "institution"
    TRANSFER_IN = "transfer_in"


class AppointmentKind(StrEnum):
    """提拔, 平级, 破格, 试用."""

    PROMOTION = "promotion"
    LATERAL = "lateral"
    EXCEPTIONAL = "exceptional"
    TRIAL = "trial"


class SecondmentEndReason(StrEnum):
    """Why a secondment ended."""

    COMPLETED = "completed"
    RECALLED = "recalled"
    CLEANUP = "cleanup"


class DispatchRole(StrEnum):
    """第一书记 or 驻村工作队."""

    FIRST_SECRETARY = "first_secretary"
    WORK_TEAM = "work_team"


class ReviewRating(StrEnum):
    """年度考核 result."""

    EXCELLENT = "excellent"
    COMPETENT = "competent"
    BASICALLY_COMPETENT = "basically_competent"
    INCOMPETENT = "incompetent"


class SanctionKind(StrEnum):
    """Administrative (政务处分) and party (党纪处分) sanctions with an influence period."""

    WARNING = "warning"
    DEMERIT = "demerit"
    MAJOR_DEMERIT = "major_demerit"
    DEMOTION = "demotion"
    DISMISSAL_FROM_POST = "dismissal_from_post"
    PARTY_WARNING = "party_warning"
    PARTY_SERIOUS_WARNING = "party_serious_warning"
    REMOVAL_FROM_PARTY_POST = "removal_from_party_post"
    PARTY_PROBATION = "party_probation"
    EXPULSION = "expulsion"


class DepartureKind(StrEnum):
    """How a cadre left service (离职方式)."""

    RETIREMENT = "retirement"
    RESIGNATION = "resignation"
    DISMISSAL = "dismissal"
    DEATH = "death"
    OTHER = "other"


# Words of a departure's reason that name its kind, tried in this order (辞退 is a dismissal,
# not a resignation, so it is tried before 辞).
_DEPARTURE_WORDS = (
    (DepartureKind.DISMISSAL, ("辞退", "开除", "除名")),
    (DepartureKind.RETIREMENT, ("退休",)),
    (DepartureKind.DEATH, ("死亡", "病故", "去世", "逝世", "牺牲")),
    (DepartureKind.RESIGNATION, ("辞职", "辞去", "离职")),
)


def departure_kind(reason: str) -> str:
    """The kind of a departure recorded with only its reason (older records, or no kind given)."""
    for kind, words in _DEPARTURE_WORDS:
        if any(word in reason for word in words):
            return kind.value
    return DepartureKind.OTHER.value


class ComplaintChannel(StrEnum):
    """How a complaint reached the platform."""

    LETTER = "letter"
    VISIT = "visit"
    PHONE = "phone"
    HOTLINE = "hotline"
    WEB = "web"


class ComplaintOutcome(StrEnum):
    """The finding of a concluded complaint."""

    SUBSTANTIATED = "substantiated"
    PARTLY_SUBSTANTIATED = "partly_substantiated"
    UNSUBSTANTIATED = "unsubstantiated"


E = TypeVar("E", bound=StrEnum)


def parse_enum(cls: type[E], value: str, what: str) -> E:
    """The member of ``cls`` named by ``value``, or InvalidValue listing the allowed ones."""
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise InvalidValue(f"{what} must be one of {allowed}: {value!r:.40}") from None


CODE_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORMAT_CONTROLS = (
    "\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
"""Bidirectional overrides, isolates and marks, and zero-width characters: invisible, they make
a name read differently from what it is (``Trojan Source``), or two names look the same."""
_FORMAT = re.compile(f"[{FORMAT_CONTROLS}]")
_VISIBLE = {ord(ch): f"[U+{ord(ch):04X}]" for ch in FORMAT_CONTROLS}


def visible(text: str) -> str:
    """``text`` with every invisible format control written out (``[U+202E]``): how free text
    that may hold them is shown."""
    return text.translate(_VISIBLE)


def check_code(code: str, what: str = "code") -> str:
    """A unit, post or personnel code: 1-64 letters, digits, '-', '_' or '.'."""
    # fullmatch: with match, '$' would also accept a code followed by a newline.
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        raise InvalidValue(f"{what} must be 1-64 letters, digits, '-', '_' or '.': {code!r:.80}")
    return code


def check_text(text: str, what: str, *, max_length: int = 500, multiline: bool = False) -> str:
    """Printable text: no control characters (newlines only where multiline), bounded length."""
    if not isinstance(text, str):
        raise InvalidValue(f"{what} must be text")
    if len(text) > max_length:
        raise InvalidValue(f"{what} is longer than {max_length} characters")
    probe = text.replace("\n", "").replace("\r", "").replace("\t", "") if multiline else text
    if _CONTROL.search(probe) or (not multiline and ("\n" in text or "\r" in text)):
        raise InvalidValue(f"{what} contains control characters")
    if not multiline and _FORMAT.search(text):
        raise InvalidValue(f"{what} contains invisible direction or zero-width characters")
    return text


def one_year_after(day: date) -> date:
    """The same calendar day a year later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def check_effective_date(day: object, today: date, what: str = "effective date") -> date:
    """A real date (not a datetime, not text) that is not after today + 1 year."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise InvalidValue(f"{what} must be a date: {day!r:.40}")
    if day > one_year_after(today):
        raise InvariantViolated(f"{day} is more than a year after today ({today})")
    return day


@dataclass(frozen=True)
class Approval:
    """An organisation department's decision: level, authority and document number (文号)."""

    level: Level
    authority: str
    document_no: str

    def as_dict(self) -> dict[str, str]:
        """The form stored in events."""
        return {
            "level": self.level.value,
            "authority": self.authority,
            "document_no": self.document_no,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Approval | None:
        """Read back the stored form (None stays None)."""
        if not data:
            return None
        return cls(Level(data["level"]), str(data["authority"]), str(data["document_no"]))


class Actor(Protocol):
    """Who acts, as the HTTP layer knows them: a subject and the role they act under."""

    @property
    def subject(self) -> str: ...

    @property
    def role(self) -> str: ...


By = str | Actor
"""Who records: a name (the role then unknown), or an actor with its role."""


@dataclass(frozen=True)
class Recording:
    """Who records an event (and under which role), when, and what today is: the context of
    every command."""

    by: str
    at: datetime
    today: date
    role: str = ""

    @classmethod
    def of(cls, by: By, at: datetime, today: date) -> Recording:
        """The context of a command by ``by`` (a name or an actor with a role)."""
        if isinstance(by, str) or by is None:
            return cls(by=by or "", at=at, today=today)
        return cls(by=by.subject, at=at, today=today, role=by.role)

    def __post_init__(self) -> None:
        if not self.by:
            raise InvalidValue("an event must record who recorded it")
        if self.at.tzinfo is None:
            raise InvalidValue("recorded-at must be timezone-aware")
