"""The careers projection: cadre current state, per-cadre timeline, secondment register and
post holdings (the unit roster joins these with the organisation projection)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain import cadre_events as ev
from domain.cadre import state_as_of
from domain.cadre_state import CadreState, order_key
from domain.errors import InvariantViolated
from projections import cadre_codec
from projections.following import EventSource
from projections.framework import Projection
from projections.view import Table, ViewTx

CADRES = Table(
    "cadres",
    {
        "cadre_id": "TEXT", "code": "TEXT", "name": "TEXT", "gender": "TEXT",
        "birth_date": "DATE", "status": "TEXT", "home_unit": "TEXT", "version": "INTEGER",
        "registered_at": "TIMESTAMP", "state": "JSON",
    },
    key=("cadre_id",),
    indexes=(("code",), ("home_unit",)),
)  # fmt: skip
TIMELINE = Table(
    "timeline",
    {
        "position": "BIGINT", "cadre_id": "TEXT", "version": "INTEGER", "type": "TEXT",
        "effective_date": "DATE", "recorded_at": "TIMESTAMP", "recorded_by": "TEXT",
        "retracted": "INTEGER", "retracted_at": "TIMESTAMP",
        "retracted_by": "BIGINT",
    },
    key=("position",),
    indexes=(("cadre_id", "version"),),
)  # fmt: skip
SECONDMENTS = Table(
    "secondments",
    {
        "secondment_id": "TEXT", "cadre_id": "TEXT", "cadre_code": "TEXT", "home_unit": "TEXT",
        "home_level": "TEXT", "host_unit": "TEXT", "host_level": "TEXT", "start_date": "DATE",
        "planned_end_date": "DATE", "end_date": "DATE", "end_reason": "TEXT",
        "approval_level": "TEXT", "extensions": "JSON", "purpose": "TEXT", "approval": "JSON",
    },
    key=("secondment_id",),
    indexes=(("cadre_id",), ("home_unit",), ("host_unit",)),
)  # fmt: skip
HOLDINGS = Table(
    "holdings",
    {"unit": "TEXT", "post": "TEXT", "cadre_id": "TEXT", "cadre_code": "TEXT", "since": "DATE"},
    key=("unit", "post", "cadre_id"),
    indexes=(("cadre_id",),),
)
CADRE_UNITS = Table("cadre_units", {"unit": "TEXT", "cadre_id": "TEXT"}, key=("unit", "cadre_id"))

UNIT_FIELDS = ("unit", "to_unit", "from_unit", "host_unit", "home_unit", "village_unit")
_HEADER = {"originator_id", "originator_version", "timestamp", "recorded_by", "originator_topic"}
CACHE_LIMIT = 10_000  # folds kept in memory between events (the oldest go first)


def event_data(state: dict[str, Any]) -> dict[str, Any]:
    """An event's own fields, JSON-ready (the timeline's ``data``)."""
    return {k: cadre_codec._iso(v) for k, v in state.items() if k not in _HEADER}


@dataclass
class _Entry:
    version: int
    state: CadreState
    last_key: tuple[date, int]
    registered: dict[str, Any]
    persisted_posts: set[tuple[str, str]] = field(default_factory=set)
    persisted_secondments: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)


class Careers(Projection):
    """Folds each cadre's events into its current state and derived tables."""

    name = "careers"
    tables = (CADRES, TIMELINE, SECONDMENTS, HOLDINGS, CADRE_UNITS)

    def __init__(self, suffix: str = "") -> None:
        super().__init__(suffix)
        self._cache: dict[UUID, _Entry] = {}
        self._dirty: set[UUID] = set()

    def handles(self, event: Any) -> bool:
        return isinstance(event, ev.CadreEvent | ev.CadreRegistered)

    def apply(self, event: Any, position: int, tx: ViewTx, source: EventSource) -> None:
        cid = event.originator_id
        self._timeline(event, position, tx, str(cid))
        if type(event) is ev.CadreRegistered:
            registered = {
                "code": event.code, "name": event.name, "gender": event.gender,
                "birth_date": event.birth_date, "registered_at": event.timestamp,
            }  # fmt: skip
            state = CadreState(code=event.code, name=event.name)
            self._remember(cid, _Entry(1, state, (date.min, 0), registered))
            self._dirty.add(cid)
            return
        entry = self._entry(event, tx, source)
        if type(event) is ev.EntryRetracted:
            self._refold(entry, event, source)
        elif not event.neutral:
            key = order_key(event)
            if key < entry.last_key:
                self._refold(entry, event, source)
            else:
                try:
                    event.check(entry.state)
                except InvariantViolated:
                    pass  # as a lenient fold does: a stored event that no longer fits is skipped
                else:
                    event.advance(entry.state)
                    entry.last_key = key
        entry.version = event.originator_version
        self._dirty.add(cid)
        for name in _unit_fields(type(event)):
            unit = getattr(event, name)
            if unit is not None and unit not in entry.units:
                entry.units.add(unit)
                tx.put("cadre_units", {"unit": unit, "cadre_id": str(cid)})

    def _timeline(self, event: Any, position: int, tx: ViewTx, cadre_id: str) -> None:
        effective = event.effective if isinstance(event, ev.CadreEvent) else None
        # Values in TIMELINE's column order, encoded: timelines are append-only. The event's
        # data is not copied here: reads take it from the event store, its one home.
        tx.append(
            "timeline",
            (
                position, cadre_id, event.originator_version,
                type(event).__name__, effective.isoformat() if effective else None,
                event.timestamp.isoformat(), event.recorded_by, 0, None, None,
            ),
        )  # fmt: skip
        if isinstance(event, ev.EntryRetracted):
            tx.patch(
                "timeline",
                (event.position,),
                {"retracted": 1, "retracted_at": event.timestamp, "retracted_by": position},
            )

    def _entry(self, event: Any, tx: ViewTx, source: EventSource) -> _Entry:
        cid = event.originator_id
        entry = self._cache.get(cid)
        if entry is not None and entry.version == event.originator_version - 1:
            return entry
        row = tx.get("cadres", str(cid))
        if row is not None and row["version"] == event.originator_version - 1:
            state = cadre_codec.decode(row["state"])
            registered = {
                k: row[k] for k in ("code", "name", "gender", "birth_date", "registered_at")
            }
            day, version = row["state"]["last_key"]
            last = (date.fromisoformat(day), version)
            entry = _Entry(
                row["version"], state, last, registered, set(state.posts), set(state.secondments)
            )
        else:
            history = source.history(cid, event.originator_version - 1)
            registered_event = history[0]
            registered = {
                "code": registered_event.code, "name": registered_event.name,
                "gender": registered_event.gender, "birth_date": registered_event.birth_date,
                "registered_at": registered_event.timestamp,
            }  # fmt: skip
            state = state_as_of(registered_event, history[1:], None)
            last = _last_key(history[1:])
            persisted = row["state"] if row else None
            old = cadre_codec.decode(persisted) if persisted else CadreState(code="", name="")
            entry = _Entry(
                event.originator_version - 1,
                state,
                last,
                registered,
                set(old.posts),
                set(old.secondments),
            )
        self._remember(cid, entry)
        return entry

    def _remember(self, cid: UUID, entry: _Entry) -> None:
        if len(self._cache) >= CACHE_LIMIT:
            for stale in list(self._cache)[: CACHE_LIMIT // 4]:
                if stale not in self._dirty:
                    del self._cache[stale]
        self._cache[cid] = entry

    def _refold(self, entry: _Entry, event: Any, source: EventSource) -> None:
        history = source.history(event.originator_id, event.originator_version - 1)
        events = [*history[1:], event]
        entry.state = state_as_of(history[0], events, None)
        entry.last_key = _last_key(events)

    def before_flush(self, tx: ViewTx) -> None:
        for cid in self._dirty:
            entry = self._cache[cid]
            self._write(str(cid), entry, tx)
        self._dirty.clear()

    def _write(self, cid: str, entry: _Entry, tx: ViewTx) -> None:
        state, reg = entry.state, entry.registered
        tx.put(
            "cadres",
            {
                "cadre_id": cid, **reg, "status": state.status, "home_unit": state.home_unit,
                "version": entry.version,
                "state": {**cadre_codec.encode(state), "last_key": _key_doc(entry.last_key)},
            },
        )  # fmt: skip
        for unit, post in entry.persisted_posts - set(state.posts):
            tx.delete("holdings", unit, post, cid)
        for (unit, post), since in state.posts.items():
            tx.put(
                "holdings",
                {
                    "unit": unit,
                    "post": post,
                    "cadre_id": cid,
                    "cadre_code": state.code,
                    "since": since,
                },
            )
        for sid in entry.persisted_secondments - set(state.secondments):
            tx.delete("secondments", sid)
        for s in state.secondments.values():
            approval = s.approval or {}
            tx.put(
                "secondments",
                {
                    **cadre_codec.secondment_doc(s), "cadre_id": cid, "cadre_code": state.code,
                    "approval_level": approval.get("level"),
                },
            )  # fmt: skip
        entry.persisted_posts = set(state.posts)
        entry.persisted_secondments = set(state.secondments)

    def reset(self) -> None:
        self._cache.clear()
        self._dirty.clear()


_UNIT_FIELDS_OF: dict[type, tuple[str, ...]] = {}


def _unit_fields(event_class: type) -> tuple[str, ...]:
    # The unit-valued fields an event class has (cadre_units links the cadre to them).
    if event_class not in _UNIT_FIELDS_OF:
        names = {n for k in event_class.__mro__ for n in getattr(k, "__annotations__", {})}
        _UNIT_FIELDS_OF[event_class] = tuple(f for f in UNIT_FIELDS if f in names)
    return _UNIT_FIELDS_OF[event_class]


def _key_doc(key: tuple[date, int]) -> list[Any]:
    return [key[0].isoformat(), key[1]]


def _last_key(events: list[Any]) -> tuple[date, int]:
    return max((order_key(f) for f in _live(events) if not f.neutral), default=(date.min, 0))


def _live(events: list[Any]) -> list[Any]:
    retracted = {e.retracted_version for e in events if isinstance(e, ev.EntryRetracted)}
    return [
        e
        for e in events
        if isinstance(e, ev.CadreEvent)
        and not isinstance(e, ev.EntryRetracted)
        and e.originator_version not in retracted
    ]


def registered_at(row: dict[str, Any]) -> datetime:
    """When a cadre's record was opened."""
    return datetime.fromisoformat(row["registered_at"])
