"""Time travel computed from events: state "as of" an effective date, "as known at" a time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain import cadre_events as ev
from domain.cadre import state_as_of
from domain.cadre_state import CadreState
from domain.errors import NotFound
from domain.ids import cadre_id
from domain.store import Store


def known_events(store: Store, code: str, known_at: datetime | None) -> list[Any]:
    """A cadre's events recorded at or before ``known_at`` (all of them when None)."""
    events: list[Any] = store.history(cadre_id(code))
    if known_at is not None:
        events = [e for e in events if e.timestamp <= known_at]
    if not events or not isinstance(events[0], ev.CadreRegistered):
        raise NotFound(f"cadre {code} not found" + (f" as known at {known_at}" if known_at else ""))
    return events


def cadre_state(
    store: Store, code: str, *, as_of: date | None, known_at: datetime | None
) -> tuple[CadreState, int]:
    """The fold of what was known at ``known_at`` and effective by ``as_of``, with its version."""
    events = known_events(store, code, known_at)
    return state_as_of(events[0], events[1:], as_of), events[-1].originator_version
