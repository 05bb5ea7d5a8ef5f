"""The careers projection: cadre current state, per-cadre timeline, secondment register and
post holdings (the unit roster joins these with the organisation projection)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

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
    cadre_id: str  # the id as the views write it
    persisted_posts: set[tuple[str, str]] = field(default_factory=set)
    persisted_secondments: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)


class Careers(Projection):
    """Folds each cadre's events into its current state and derived tables.

    Rebuilds run every event through here, so the per-event path is kept short: folds are
    kept by the id's integer (a UUID hashes and compares in Python), what depends only on the
    event's class is worked out once per class, and each fold carries its id as text.
    """

    name = "careers"
    tables = (CADRES, TIMELINE, SECONDMENTS, HOLDINGS, CADRE_UNITS)
    per_originator = True  # every row belongs to the event's cadre (the fold's own tables)

    def __init__(self, suffix: str = "") -> None:
        super().__init__(suffix)
        self._cache: dict[int, _Entry] = {}
        self._dirty: set[int] = set()
        self._limit = CACHE_LIMIT

    def shared(self, count: int) -> None:
        # A share sees 1/count of the cadres: as many folds in memory as in one process.
        self._limit = max(CACHE_LIMIT // count, 100)

    def handles(self, event: Any) -> bool:
        return isinstance(event, ev.CadreEvent | ev.CadreRegistered)

    def apply(self, event: Any, position: int, tx: ViewTx, source: EventSource) -> None:
        kind = type(event)
        dated, retraction, units, kind_name = _CLASSES.get(kind) or _class_of(kind)
        cid = event.originator_id
        key: int = cid.int
        if kind is ev.CadreRegistered:
            registered = {
                "code": event.code, "name": event.name, "gender": event.gender,
                "birth_date": event.birth_date, "registered_at": event.timestamp,
            }  # fmt: skip
            state = CadreState(code=event.code, name=event.name)
            entry = _Entry(1, state, (date.min, 0), registered, str(cid))
            self._remember(key, entry)
        else:
            cached = self._cache.get(key)  # the fold before this event, usually at hand
            if cached is None or cached.version != event.originator_version - 1:
                cached = self._entry(event, key, tx, source)
            entry = cached
            if retraction:
                self._refold(entry, event, source)
            elif not event.neutral:
                order = order_key(event)
                if order < entry.last_key:
                    self._refold(entry, event, source)
                else:
                    try:
                        event.check(entry.state)
                    except InvariantViolated:
                        pass  # as a lenient fold does: a stored event that no longer fits goes
                    else:
                        event.advance(entry.state)
                        entry.last_key = order
            entry.version = event.originator_version
            for name in units:
                unit = getattr(event, name)
                if unit is not None and unit not in entry.units:
                    entry.units.add(unit)
                    tx.put("cadre_units", {"unit": unit, "cadre_id": entry.cadre_id})
        self._dirty.add(key)
        # Values in TIMELINE's column order, encoded: timelines are append-only. The event's
        # data is not copied here: reads take it from the event store, its one home.
        effective = event.effective if dated else None
        tx.append(
            "timeline",
            (
                position, entry.cadre_id, event.originator_version, kind_name,
                effective.isoformat() if effective else None, event.timestamp.isoformat(),
                event.recorded_by, 0, None, None,
            ),
        )  # fmt: skip
        if retraction:
            tx.patch(
                "timeline",
                (event.position,),
                {"retracted": 1, "retracted_at": event.timestamp, "retracted_by": position},
            )

    def _entry(self, event: Any, key: int, tx: ViewTx, source: EventSource) -> _Entry:
        """The fold before ``event`` from its stored row, or from the cadre's history."""
        cid = event.originator_id
        row = tx.get("cadres", str(cid))
        if row is not None and row["version"] == event.originator_version - 1:
            state = cadre_codec.decode(row["state"])
            registered = {
                k: row[k] for k in ("code", "name", "gender", "birth_date", "registered_at")
            }
            day, version = row["state"]["last_key"]
            last = (date.fromisoformat(day), version)
            entry = _Entry(
                row["version"], state, last, registered, str(cid), set(state.posts),
                set(state.secondments),
            )  # fmt: skip
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
                str(cid),
                set(old.posts),
                set(old.secondments),
            )
        self._remember(key, entry)
        return entry

    def _remember(self, key: int, entry: _Entry) -> None:
        if len(self._cache) >= self._limit:
            for stale in list(self._cache)[: self._limit // 4]:
                if stale not in self._dirty:
                    del self._cache[stale]
        self._cache[key] = entry

    def _refold(self, entry: _Entry, event: Any, source: EventSource) -> None:
        history = source.history(event.originator_id, event.originator_version - 1)
        events = [*history[1:], event]
        entry.state = state_as_of(history[0], events, None)
        entry.last_key = _last_key(events)

    def before_flush(self, tx: ViewTx) -> None:
        for key in self._dirty:
            entry = self._cache[key]
            self._write(entry.cadre_id, entry, tx)
        self._dirty.clear()

    def _write(self, cid: str, entry: _Entry, tx: ViewTx) -> None:
        state, reg = entry.state, entry.registered
        # Each secondment's document serves the fold's state and the secondments table.
        docs = [cadre_codec.secondment_doc(s) for s in state.secondments.values()]
        doc = cadre_codec.encode(state, docs)
        doc["last_key"] = _key_doc(entry.last_key)
        tx.put(
            "cadres",
            {
                "cadre_id": cid, **reg, "status": state.status, "home_unit": state.home_unit,
                "version": entry.version, "state": doc,
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
        for s in docs:
            approval = s["approval"] or {}
            tx.put(
                "secondments",
                {
                    **s, "cadre_id": cid, "cadre_code": state.code,
                    "approval_level": approval.get("level"),
                },
            )  # fmt: skip
        entry.persisted_posts = set(state.posts)
        entry.persisted_secondments = set(state.secondments)

    def reset(self) -> None:
        self._cache.clear()
        self._dirty.clear()


_CLASSES: dict[type, tuple[bool, bool, tuple[str, ...], str]] = {}


def _class_of(event_class: type) -> tuple[bool, bool, tuple[str, ...], str]:
    """What the careers view needs to know of an event class: whether it has an effective date
    (a cadre event), whether it retracts an entry, its unit-valued fields (cadre_units links
    the cadre to them), and its name (the timeline's type)."""
    known = _CLASSES.get(event_class)
    if known is None:
        names = {n for k in event_class.__mro__ for n in getattr(k, "__annotations__", {})}
        known = _CLASSES[event_class] = (
            issubclass(event_class, ev.CadreEvent),
            issubclass(event_class, ev.EntryRetracted),
            tuple(f for f in UNIT_FIELDS if f in names),
            event_class.__name__,
        )
    return known


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
