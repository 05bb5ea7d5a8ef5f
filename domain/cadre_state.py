"""A cadre's state as the fold of its events, in effective-date order.

The same fold serves the aggregate (current state, invariant checks) and the read side
(state "as of" a date and "as known at" a time), so both always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from domain.errors import InvariantViolated


@dataclass
class Secondment:
    """One secondment (借调) as recorded, extended and ended."""

    secondment_id: str
    home_unit: str | None
    host_unit: str
    home_level: str | None
    host_level: str
    start_date: date
    planned_end_date: date | None
    purpose: str
    approval: dict[str, Any] | None
    extensions: list[dict[str, Any]] = field(default_factory=list)
    end_date: date | None = None
    end_reason: str | None = None

    @property
    def active(self) -> bool:
        """Not ended yet."""
        return self.end_date is None


@dataclass
class Dispatch:
    """One dispatch (派驻 / 驻村) to a village."""

    dispatch_id: str
    village_unit: str
    role: str
    start_date: date
    planned_end_date: date
    end_date: date | None = None
    end_reason: str | None = None


@dataclass
class CadreState:
    """What is true of a cadre after folding a set of events."""

    code: str
    name: str
    status: str = "active"
    recruitment: dict[str, Any] | None = None
    home_unit: str | None = None
    home_level: str | None = None
    posts: dict[tuple[str, str], date] = field(default_factory=dict)
    secondments: dict[str, Secondment] = field(default_factory=dict)
    active_secondment: str | None = None
    dispatches: dict[str, Dispatch] = field(default_factory=dict)
    active_dispatch: str | None = None
    open_investigations: dict[str, date] = field(default_factory=dict)
    departed_on: date | None = None

    def secondment(self) -> Secondment | None:
        """The active secondment, if any."""
        return self.secondments[self.active_secondment] if self.active_secondment else None

    def dispatch(self) -> Dispatch | None:
        """The active dispatch, if any."""
        return self.dispatches[self.active_dispatch] if self.active_dispatch else None


class Fact(Protocol):
    """A cadre event as the fold sees it."""

    @property
    def originator_version(self) -> int: ...

    @property
    def effective(self) -> date | None: ...

    def check(self, state: CadreState) -> None: ...

    def advance(self, state: CadreState) -> None: ...


def order_key(fact: Fact) -> tuple[date, int]:
    """Effective date first; the recording order (version, position) breaks ties."""
    return (fact.effective or date.min, fact.originator_version)


def fold(
    state: CadreState,
    facts: Iterable[Fact],
    *,
    strict: bool,
    as_of: date | None = None,
) -> CadreState:
    """Apply ``facts`` to ``state`` in effective-date order, up to ``as_of``.

    Strict folding raises :class:`InvariantViolated` at the first fact that does not fit;
    lenient folding (replaying stored history) skips such a fact, so that a history stored
    under older, looser checks still loads.
    """
    ordered = facts if isinstance(facts, list) and len(facts) == 1 else sorted(facts, key=order_key)
    for fact in ordered:
        if as_of is not None and fact.effective is not None and fact.effective > as_of:
            break
        try:
            fact.check(state)
        except InvariantViolated:
            if strict:
                raise
            continue
        fact.advance(state)
    return state
