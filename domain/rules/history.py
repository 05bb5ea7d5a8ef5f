"""Histories the rules read: one aggregate's events with their positions, as known at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from domain import cadre_events as ev
from domain.rules.base import Entry

H = TypeVar("H", bound="History")


@dataclass(frozen=True)
class History:
    """The events of one aggregate in version order, each with its global position."""

    code: str
    entries: tuple[Entry, ...]

    def known_at(self: H, at: datetime | None) -> H:
        """Only what was recorded at or before ``at`` (everything when None)."""
        if at is None:
            return self
        return replace(self, entries=tuple(e for e in self.entries if e.event.timestamp <= at))

    def upto(self: H, position: int | None) -> H:
        """Only the events stored at or before a global position (everything when None)."""
        if position is None:
            return self
        return replace(self, entries=tuple(e for e in self.entries if e.position <= position))

    def developments(self, position: int, day: date) -> list[Entry]:
        """What happened since: entries stored after ``position`` taking effect on or after
        ``day`` (retractions and back-dated entries are corrections, not developments)."""
        return [
            e
            for e in self.entries
            if e.position > position and (d := effective_of(e.event)) is not None and d >= day
        ]

    def before_developments(self: H, position: int, day: date) -> H:
        """The history as now known, minus :meth:`developments` (corrections stay in)."""
        later = {e.position for e in self.developments(position, day)}
        return replace(self, entries=tuple(e for e in self.entries if e.position not in later))

    @property
    def first(self) -> Any:
        """The creating event (registration, filing)."""
        return self.entries[0].event if self.entries else None

    def __bool__(self) -> bool:
        return bool(self.entries)


@dataclass(frozen=True)
class CadreHistory(History):
    """A cadre's record: registration, career events and retractions."""

    def live(self) -> list[Entry]:
        """Career events not retracted (as known), retractions themselves left out."""
        retracted = {
            e.event.retracted_version
            for e in self.entries
            if isinstance(e.event, ev.EntryRetracted)
        }
        return [
            e
            for e in self.entries
            if isinstance(e.event, ev.CadreEvent)
            and not isinstance(e.event, ev.EntryRetracted)
            and e.version not in retracted
        ]


@dataclass(frozen=True)
class UnitHistory(History):
    """A unit's record: registration, posts, renaming and abolition."""


@dataclass(frozen=True)
class ComplaintHistory(History):
    """A complaint's record: filing and every step of its handling."""


def effective_of(event: Any) -> date | None:
    """When an event took effect; None for a retraction (it corrects, it does not happen)."""
    if isinstance(event, ev.EntryRetracted):
        return None
    for name in ("effective", "effective_date", "date"):
        value = getattr(event, name, None)
        if isinstance(value, date):
            return value
    stamp: datetime = event.timestamp
    return stamp.date()


def positioned(pairs: Sequence[tuple[int, Any]]) -> tuple[Entry, ...]:
    """Entries from (position, event) pairs, in version order."""
    return tuple(sorted((Entry(p, e) for p, e in pairs), key=lambda x: x.version))
