"""Positioned histories: each event of a cadre, unit or complaint with its global position.

The rules cite positions as evidence, so the supervision process reads each aggregate's events
with them through the store (``Store.positioned``). Which cadres belong to a unit is a question
the event store cannot answer without reading everything; it is asked of a port (``Linked``),
which the careers read model answers.
"""

from __future__ import annotations

import marshal
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

from domain.ids import cadre_id, unit_id
from domain.rules import CadreHistory, ComplaintHistory, Entry, UnitHistory
from domain.rules.unit_facts import CareerFacts
from domain.store import Store

Linked = Callable[[str], list[UUID]]
"""The cadres any of whose events names a unit (by unit code), in id order."""
JointPairs = Callable[[], list[tuple[str, str]]]
"""The (unit, unit it shares its staff with) pairs known (合署)."""


def nobody(unit_code: str) -> list[UUID]:
    """No cadre is known to belong to any unit (unit rules then judge the unit alone)."""
    return []


def no_joint_units() -> list[tuple[str, str]]:
    """Every unit is an organ of its own."""
    return []


def joint_groups(pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Each unit named in a (unit, joint_with) pair -> every unit it shares staff with."""
    groups: dict[str, set[str]] = {}
    for a, b in pairs:
        group = groups.get(a, {a}) | groups.get(b, {b})
        for member in group:
            groups[member] = group
    return {code: frozenset(group) for code, group in groups.items()}


class Histories:
    """Cadre, unit and complaint histories with positions; cadres linked to a unit; the units
    sharing a staff (the rules' ``UnitDirectory``)."""

    def __init__(
        self, store: Store, linked: Linked = nobody, joint_pairs: JointPairs = no_joint_units
    ) -> None:
        self.store = store
        self.linked = linked
        self.joint_pairs = joint_pairs

    def entries(self, originator_id: UUID) -> tuple[Entry, ...]:
        """Every event of one aggregate, in version order, with its position."""
        return self.read(originator_id, None)

    def read(self, originator_id: UUID, upto: int | None) -> tuple[Entry, ...]:
        """The events of one aggregate stored at or before ``upto`` (every one when None)."""
        return tuple(Entry(p, e) for p, e in self.store.positioned(originator_id, upto))

    def prefetch(self, originator_ids: list[UUID]) -> None:
        """Histories about to be asked for (read together where they are kept)."""

    def cadre_by_id(self, originator_id: UUID) -> CadreHistory:
        """A cadre's history by aggregate id (empty when unknown)."""
        entries = self.entries(originator_id)
        code = getattr(entries[0].event, "code", "") if entries else ""
        return CadreHistory(code, entries)

    def cadre(self, code: str) -> CadreHistory:
        """A cadre's history by personnel code (empty when unknown)."""
        history = self.cadre_by_id(cadre_id(code))
        return history if history.code == code else CadreHistory(code, ())

    def unit_by_id(self, originator_id: UUID) -> UnitHistory:
        """A unit's history by aggregate id (empty when unknown)."""
        entries = self.entries(originator_id)
        code = getattr(entries[0].event, "code", "") if entries else ""
        return UnitHistory(code, entries)

    def unit(self, code: str) -> UnitHistory:
        """A unit's history by unit code (empty when unknown)."""
        history = self.unit_by_id(unit_id(code))
        return history if history.code == code else UnitHistory(code, ())

    def complaint(self, complaint_id: str) -> ComplaintHistory:
        """A complaint's history by id (empty when unknown or not a complaint id)."""
        try:
            key = UUID(complaint_id)
        except ValueError:
            return ComplaintHistory(complaint_id, ())
        entries = self.entries(key)
        if entries and not hasattr(entries[0].event, "receipt_fingerprint"):
            entries = ()
        return ComplaintHistory(str(key), entries)

    def cadres_linked_to(self, unit_code: str) -> list[UUID]:
        """Cadres any of whose events names the unit."""
        return self.linked(unit_code)

    def joint(self, code: str) -> frozenset[str]:
        """The units sharing staff with ``code`` (合署), itself included."""
        return joint_groups(self.joint_pairs()).get(code, frozenset({code}))


class KnownHistories:
    """Histories an in-order process keeps between its batches: each aggregate's entries are
    read once, then extended by the events of every batch, so a batch reads from the store
    only the aggregates it meets for the first time. An aggregate with no event yet (a cadre
    linked to a unit whose events come later in the log) is kept too, as empty. Least
    recently used first out, past ``capacity`` entries in all (an empty one counts as one).

    It also keeps, for every cadre a township's judgment met, what the unit rules read of its
    career (:class:`CareerFacts`, packed: a few hundred bytes), until an event of the cadre
    comes: a township is judged over every cadre linked to it, and the histories kept cannot
    hold a province's careers, so without them each judgment read and folded them all again.
    At most ``facts_capacity`` cadres' (~500 bytes of memory each), least recently used first
    out."""

    def __init__(self, capacity: int = 50_000, facts_capacity: int = 200_000) -> None:
        self.capacity = capacity
        self.facts_capacity = facts_capacity
        self.through = 0  # the log is known up to this position for every history kept
        self._kept: OrderedDict[UUID, tuple[Entry, ...]] = OrderedDict()
        self._size = 0
        self._facts: dict[int, bytes] = {}  # cadre id -> packed (day, facts or None)
        self._moved: set[UUID] = set()  # the aggregates with events in the batch extended

    def get(self, originator_id: UUID) -> tuple[Entry, ...] | None:
        """The entries kept for an aggregate, if any."""
        found = self._kept.get(originator_id)
        if found is not None:
            self._kept.move_to_end(originator_id)
        return found

    def put(self, originator_id: UUID, entries: tuple[Entry, ...]) -> None:
        """Keep an aggregate's entries (read from the store)."""
        dropped = self._kept.pop(originator_id, None)
        self._size += _weight(entries) - (0 if dropped is None else _weight(dropped))
        self._kept[originator_id] = entries
        self._trim()

    def extend(self, batch: Iterable[tuple[int, Any]]) -> None:
        """Add a batch's events to the histories kept (those after their last entry). The
        histories it extends are the batch's: they go last out. The facts kept of a cadre
        with an event in it are dropped."""
        self._moved = set()
        for position, event in batch:
            oid = UUID(str(event.originator_id))
            self._moved.add(oid)
            self._facts.pop(oid.int, None)
            kept = self._kept.get(oid)
            if kept is not None and (not kept or kept[-1].position < position):
                self._kept[oid] = (*kept, Entry(position, event))
                self._kept.move_to_end(oid)
                self._size += 1 if kept else 0
        self._trim()

    def _trim(self) -> None:
        # Extending counts too: once every aggregate a province has is kept (read early, as
        # empty), nothing new is read, and histories grown by the log alone held it whole.
        while self._size > self.capacity and self._kept:
            _, evicted = self._kept.popitem(last=False)
            self._size -= _weight(evicted)

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def entries(self) -> int:
        """The entries kept (what the bound counts; an empty history counts as one)."""
        return self._size

    def forget(self) -> None:
        """Drop everything (the log moved on without this process seeing it)."""
        self._kept.clear()
        self._size = 0
        self._facts.clear()
        self._moved = set()
        self.through = 0

    def release(self) -> None:
        """Drop the histories and facts kept, still knowing the log up to ``through``: what a
        sweep does before it judges (it reads afresh, and what it holds would otherwise come
        on top of them); the process reads and folds them again as its batches ask for them."""
        self._kept.clear()
        self._size = 0
        self._facts.clear()

    def facts(self, cadre: UUID, as_of: date) -> tuple[CareerFacts | None] | None:
        """What the unit rules read of a cadre's career as of a day, if kept: ``(facts,)``,
        ``(None,)`` when the cadre had no event yet, None when not kept for that day."""
        packed = self._facts.pop(cadre.int, None)
        if packed is None:
            return None
        self._facts[cadre.int] = packed  # the most recently used last
        day, values = marshal.loads(packed)
        if day != as_of.toordinal():
            return None
        return (CareerFacts.unpacked(values) if values is not None else None,)

    def keep_facts(self, cadre: UUID, as_of: date, facts: CareerFacts | None) -> None:
        """Keep the facts of a cadre's career folded as of a day from its history up to the
        batch being judged, unless the batch has events of it (they were folded from part of
        it, and a later judgment in the batch may read more)."""
        if cadre in self._moved:
            return
        values = facts.packed() if facts is not None else None
        self._facts.pop(cadre.int, None)
        self._facts[cadre.int] = marshal.dumps((as_of.toordinal(), values))
        if len(self._facts) > self.facts_capacity:
            del self._facts[next(iter(self._facts))]

    @property
    def facts_kept(self) -> int:
        """The cadres whose facts are kept."""
        return len(self._facts)


def _weight(entries: tuple[Entry, ...]) -> int:
    return len(entries) or 1


class CachedHistories(Histories):
    """Histories read once (for one batch): each evaluation then cuts them at its position.
    With ``known``, what earlier batches read is reused and kept for later ones. With
    ``upto``, only events stored at or before it are read (a batch's last position: what an
    in-order process judges never reaches past it).

    At hand are at most ``capacity`` entries (least recently used first out; an empty history
    counts as one): a sweep's chunk judges the townships of hundreds of cadres, each over all
    its cadres, and held whole that grew with the cadres per township. What falls out is read
    again if asked for (the same events: the log up to ``upto`` does not change)."""

    def __init__(
        self,
        base: Histories,
        known: KnownHistories | None = None,
        upto: int | None = None,
        capacity: int = 20_000,
    ) -> None:
        super().__init__(base.store, base.linked, base.joint_pairs)
        self.known = known
        self.upto = upto
        self.capacity = capacity
        self._entries: OrderedDict[UUID, tuple[Entry, ...]] = OrderedDict()
        self._held = 0  # entries at hand
        self._linked: dict[str, list[UUID]] = {}
        self._joint: dict[str, frozenset[str]] | None = None

    def joint(self, code: str) -> frozenset[str]:
        if self._joint is None:
            self._joint = joint_groups(self.joint_pairs())
        return self._joint.get(code, frozenset({code}))

    def entries(self, originator_id: UUID) -> tuple[Entry, ...]:
        found = self._entries.get(originator_id)
        if found is not None:
            self._entries.move_to_end(originator_id)
            return found
        found = self.known.get(originator_id) if self.known is not None else None
        if found is None:
            found = self.read(originator_id, self.upto)
            if self.known is not None:
                self.known.put(originator_id, found)
        self._hold(originator_id, found)
        return found

    def _hold(self, originator_id: UUID, entries: tuple[Entry, ...]) -> None:
        dropped = self._entries.pop(originator_id, None)
        self._held += _weight(entries) - (0 if dropped is None else _weight(dropped))
        self._entries[originator_id] = entries
        while self._held > self.capacity and len(self._entries) > 1:
            _, evicted = self._entries.popitem(last=False)
            self._held -= _weight(evicted)

    @property
    def held(self) -> int:
        """The entries at hand (what the bound counts)."""
        return self._held

    def prefetch(self, originator_ids: list[UUID]) -> None:
        """Read the histories not yet at hand in one query (a unit's cadres)."""
        known = self.known
        missing = [
            i for i in originator_ids
            if i not in self._entries and (known is None or known.get(i) is None)
        ]  # fmt: skip
        if len(missing) < 2:
            return
        for oid, pairs in self.store.positioned_many(missing, self.upto).items():
            found = tuple(Entry(p, e) for p, e in pairs)
            if known is not None:
                known.put(oid, found)
            self._hold(oid, found)

    def cadres_linked_to(self, unit_code: str) -> list[UUID]:
        if unit_code not in self._linked:
            self._linked[unit_code] = super().cadres_linked_to(unit_code)
        return self._linked[unit_code]
