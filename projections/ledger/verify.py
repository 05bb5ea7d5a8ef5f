"""Verify the ledger against the event store: every leaf, every tile, every checkpoint.

One pass in position order recomputes each stored event's leaf and compares three records of
it: the event as stored now (S), the leaf the ledger recorded in its entry bundle (E) and the
leaf hash in the level-0 tile (T). Which of them disagree says what was altered: the event
(changed, deleted, inserted, moved), the entry bundle or the tile. The tree recomputed from
the store is then held against the upper tiles and against every signed checkpoint, which
catches a history rewritten together with its entries and tiles, since no one can re-sign
the checkpoints without the log's key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from array import array
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.persistence import Notification

from projections.ledger.events import StoredLog, leaf_of, leaf_position
from projections.ledger.offline import (
    Checkpoint,
    LedgerError,
    VerifierKey,
    leaf_hash,
    open_note,
)
from projections.ledger.storage import Head, LedgerTables, StoredCheckpoint, decode_entries
from projections.ledger.tree import TILE_HEIGHT, TILE_WIDTH, Tile, TreeBuilder, split

MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    """One finding: the position it concerns (None when no event can be named) and what."""

    position: int | None
    text: str
    secondary: bool = False  # a consequence (a broken fold) rather than the alteration itself


@dataclass
class Verification:
    """What a verification found."""

    checked: int = 0  # events whose leaf was checked
    leaves: int = 0  # leaves in the ledger
    checkpoints: int = 0  # checkpoints whose signature and root were checked
    pending: int = 0  # stored events not integrated yet (newer than the ledger's head)
    problems: list[Problem] = field(default_factory=list)
    more: int = 0  # problems beyond the first MAX_PROBLEMS

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        """The problem at the lowest position (a problem with no position comes last)."""
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: (p.position is None, p.position or 0, p.secondary))

    def add(self, position: int | None, text: str, secondary: bool = False) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(position, text, secondary))
        else:
            self.more += 1


def verify_ledger(
    events: StoredLog,
    tables: LedgerTables,
    log_keys: Sequence[VerifierKey],
    witnesses: Sequence[VerifierKey] = (),
    batch_size: int = 5000,
) -> Verification:
    """Check the ledger against the store; nothing is written."""
    return _Pass(events, tables, log_keys, witnesses, batch_size).run()


class _Pass:
    def __init__(
        self,
        events: StoredLog,
        tables: LedgerTables,
        log_keys: Sequence[VerifierKey],
        witnesses: Sequence[VerifierKey],
        batch_size: int,
    ) -> None:
        self.events = events
        self.tables = tables
        self.log_keys = list(log_keys)
        self.witnesses = list(witnesses)
        self.batch_size = batch_size
        self.result = Verification()
        self.positions = array("q")  # the position of each leaf, by index
        self.bad_leaves: list[int] = []  # indexes where a leaf-level problem was found
        self.builder = TreeBuilder()
        self.since = 0  # the size of the last checkpoint that matched the store
        self.rewritten = False

    def run(self) -> Verification:
        head = self.tables.head()
        checkpoints = self.tables.checkpoints()
        self.roots = {c.size: c for c in checkpoints}
        stored = _Stream(self._stored_events())
        entries = _Stream(self._entries(head.size))
        self.tiles0 = _Tiles(self.tables.tiles(0))
        fast = True
        while True:
            if fast:  # whole batches, while everything agrees (the usual case)
                chunk = entries.take(self.batch_size)
                if not chunk:
                    break
                events = stored.take(len(chunk))
                if self._agree(chunk, events):
                    continue
                entries.push_front(chunk)
                stored.push_front(events)
                fast = False  # from the first disagreement on, leaf by leaf
            item = next(entries, None)
            if item is None:
                break
            self._one(item[0], item[1], entries, stored)
        self._grow([])
        self._finish(head, stored, checkpoints)
        return self.result

    def _agree(self, chunk: list[tuple[int, bytes]], events: list[Notification]) -> bool:
        """Take a batch at once when its stored events, entries and tile hashes all agree."""
        leaves = [leaf_of(e) for e in events]
        if len(leaves) != len(chunk) or leaves != [entry for _, entry in chunk]:
            return False
        sha256 = hashlib.sha256
        hashes = [sha256(b"\x00" + leaf).digest() for leaf in leaves]
        first = chunk[0][0]
        if self.tiles0.hashes(first, first + len(hashes)) != b"".join(hashes):
            return False
        if self.positions and events[0].id <= self.positions[-1]:
            return False
        self.positions.extend(e.id for e in events)
        self.result.checked += len(events)
        self.tiles0.forget((first + len(hashes)) // TILE_WIDTH)
        self._grow(hashes)
        return True

    def _one(
        self, index: int, entry: bytes, entries: _Stream[tuple[int, bytes]],
        stored: _Stream[Notification],
    ) -> None:  # fmt: skip
        """Check one leaf against the store, its entry and its tile, and say what differs."""
        position = leaf_position(entry)
        if self.positions and position <= self.positions[-1]:
            self.result.add(position, f"ledger entry {index} repeats or reorders a position")
        self.positions.append(position)
        event = stored.peek()
        while event is not None and event.id < position:
            self.result.add(event.id, _inserted(next(stored)))
            event = stored.peek()
        if event is not None and event.id == position:
            next(stored)
        else:
            event = None
        tile = self.tiles0.tile(index // TILE_WIDTH)
        self.tiles0.forget(index // TILE_WIDTH)
        self._grow([self._leaf(index, position, entry, event, tile, entries, stored)])

    def _grow(self, hashes: list[bytes]) -> None:
        """Add leaf hashes to the recomputed tree, checking every tile it completes and every
        checkpoint size it passes."""
        at = 0
        start = self.builder.size
        for size in sorted(s for s in self.roots if start < s <= start + len(hashes)):
            self.builder.append(hashes[at : size - start])
            at = size - start
            self._check_tiles()
            self._check_root(self.roots[size])
        self.builder.append(hashes[at:])
        self._check_tiles()

    def _stored_events(self) -> Iterator[Notification]:
        after = 0
        versions: dict[Any, int] = {}  # aggregate -> last version seen, in position order
        while True:
            batch = self.events.read(after, self.batch_size)
            if not batch:
                return
            for event in batch:
                aggregate = _number(event.originator_id)
                last = versions.get(aggregate, 0)
                if event.originator_version != last + 1:
                    self.result.add(event.id, _unfolding(event, last), secondary=True)
                versions[aggregate] = event.originator_version
            yield from batch
            after = batch[-1].id

    def _entries(self, size: int) -> Iterator[tuple[int, bytes]]:
        index = 0
        for bundle in self.tables.bundles():
            if bundle.index != index // TILE_WIDTH:
                self.result.add(None, f"entry bundle {index // TILE_WIDTH} of the ledger is gone")
                return
            try:
                leaves = decode_entries(bundle.data)
            except ValueError:
                self.result.add(bundle.first_position, f"entry bundle {bundle.index} is damaged")
                return
            take = min(len(leaves), size - index)
            yield from zip(range(index, index + take), leaves[:take], strict=True)
            index += take
            if index >= size:
                return
        if index < size:
            self.result.add(None, f"the ledger holds {index} entries, its head says {size}")

    def _leaf(
        self,
        index: int,
        position: int,
        entry: bytes,
        event: Notification | None,
        tile: tuple[int, bytes] | None,
        entries: _Stream[tuple[int, bytes]],
        stored: _Stream[Notification],
    ) -> bytes:
        """Check one leaf; returns the hash the recomputed tree takes for it."""
        entry_hash = leaf_hash(entry)
        offset = (index % TILE_WIDTH) * 32
        tile_hash = (
            tile[1][offset : offset + 32] if tile and tile[0] == index // TILE_WIDTH else b""
        )
        if event is None:
            self.result.add(position, f"the event at position {position} is missing from the "
                            "store (deleted)")  # fmt: skip
            self.bad_leaves.append(index)
            return entry_hash
        self.result.checked += 1
        leaf = leaf_of(event)
        if leaf == entry:
            if tile_hash != entry_hash:
                self.result.add(position, f"tile 0/{index // TILE_WIDTH} was altered: its hash "
                                f"of leaf {index} (position {position}) is wrong")  # fmt: skip
                self.bad_leaves.append(index)
            return entry_hash
        stored_hash = leaf_hash(leaf)
        self.bad_leaves.append(index)
        if tile_hash == stored_hash:
            self.result.add(position, f"the ledger's entry for position {position} was altered "
                            "(the stored event still matches its tile hash)")  # fmt: skip
        else:
            following = entries.peek()
            after = stored.peek()
            self.result.add(position, _changed(
                position, leaf, entry,
                following[1] if following else None,
                leaf_of(after) if after is not None else None,
            ))  # fmt: skip
        return stored_hash

    def _check_tiles(self) -> None:
        for tile in self.builder.completed():
            if tile.level:  # level 0 is checked leaf by leaf; partial tiles at the end
                self._compare(tile)

    def _compare(self, tile: Tile) -> None:
        stored = self.tables.tile(tile.level, tile.index)
        if stored[: len(tile.hashes)] == tile.hashes and (
            tile.width == TILE_WIDTH or len(stored) == len(tile.hashes)
        ):
            return
        span = TILE_WIDTH ** (tile.level + 1)
        first, last = tile.index * span, (tile.index + 1) * span - 1
        if any(first <= i <= last for i in self.bad_leaves):
            return  # a consequence of a leaf already reported
        for i, (got, want) in enumerate(zip(split(stored), split(tile.hashes), strict=False)):
            if got != want:
                leaf = (tile.index * TILE_WIDTH + i) * TILE_WIDTH**tile.level
                self.result.add(self._at(leaf), f"tile {tile.level}/{tile.index} was altered "
                                f"(its hash {i} no longer matches the tiles below)")  # fmt: skip
                return
        self.result.add(self._at(first), f"tile {tile.level}/{tile.index} is missing or cut")

    def _check_root(self, checkpoint: StoredCheckpoint) -> None:
        self.result.checkpoints += 1
        size = checkpoint.size
        position = self._at(size - 1)
        signed = self._signed(checkpoint)
        if signed is None:
            return
        if signed.root == self.builder.root():
            self.since = size
            return
        if self.rewritten or any(i < size for i in self.bad_leaves):
            return  # explained by a problem already reported
        since, self.rewritten = self.since, True
        self.result.add(
            self._at(since),
            f"the store and the ledger agree, but not with the checkpoint of size {size} signed "
            f"{checkpoint.signed_at}: the history between positions {self._at(since)} and "
            f"{position} was rewritten together with the ledger's entries and tiles",
        )

    def _signed(self, checkpoint: StoredCheckpoint) -> Checkpoint | None:
        """The checkpoint its note signs, or None (and a problem) when the note does not
        verify or says another size or root than the row."""
        position = self._at(checkpoint.size - 1)
        try:
            note, _ = open_note(checkpoint.note, self.log_keys)
            signed = Checkpoint.parse(note.text)
        except LedgerError as error:
            known = ", ".join(f"{k.name}+{k.id:08x}" for k in self.log_keys)
            self.result.add(position, f"checkpoint of size {checkpoint.size} (signed by "
                            f"{checkpoint.key}) does not verify with the log's keys ({known}): "
                            f"{error}; it was altered, or signed with a key not configured "
                            "(JIANDU_LEDGER_PREVIOUS_KEYS)")  # fmt: skip
            return None
        if signed.size != checkpoint.size or base64.b64encode(signed.root).decode() != (
            checkpoint.root
        ):
            self.result.add(position, f"checkpoint of size {checkpoint.size} was altered: the "
                            "stored size or root differs from what was signed")  # fmt: skip
            return None
        self._check_cosignatures(checkpoint, position)
        return signed

    def _check_cosignatures(self, checkpoint: StoredCheckpoint, position: int | None) -> None:
        lines = self.tables.cosignatures(checkpoint.size)
        if not lines:
            return
        text = checkpoint.note.split("\n\n")[0] + "\n"
        for line in lines:
            try:
                open_note(text + "\n" + line, self.witnesses)
            except LedgerError as error:
                if "no signature of a known key" not in str(error):
                    self.result.add(position, f"a cosignature of the checkpoint of size "
                                    f"{checkpoint.size} does not verify: {error}")  # fmt: skip

    def _finish(
        self, head: Head, stored: _Stream[Notification], checkpoints: list[StoredCheckpoint]
    ) -> None:
        self.result.leaves = self.builder.size
        for level, index in _edge(self.builder):
            self._compare(Tile(level, index, b"".join(self.builder.edge[level])))
        for event in stored:
            if event.id <= head.position:
                self.result.add(event.id, _inserted(event))
            else:
                self.result.pending += 1
        root = base64.b64encode(self.builder.root()).decode()
        if head.size and head.root != root and not self.bad_leaves:
            self.result.add(self._at(head.size - 1), "the ledger's head records another root")
        for checkpoint in checkpoints:
            if checkpoint.size > self.builder.size:
                self.result.add(
                    self._at(self.builder.size - 1) if self.builder.size else None,
                    f"checkpoint of size {checkpoint.size} covers more leaves than the ledger "
                    f"holds ({self.builder.size}): leaves were removed",
                )
                self._signed(checkpoint)
            elif checkpoint.size == 0:
                self._signed(checkpoint)

    def _at(self, index: int) -> int | None:
        """The position of a leaf (None if unknown)."""
        if 0 <= index < len(self.positions):
            return int(self.positions[index])
        return None


T = TypeVar("T")


class _Stream(Generic[T]):
    """An iterator that can show its next item, hand out several, and take some back."""

    def __init__(self, items: Iterator[T]) -> None:
        self._items = items
        self._front: deque[T] = deque()

    def __iter__(self) -> _Stream[T]:
        return self

    def __next__(self) -> T:
        if self._front:
            return self._front.popleft()
        return next(self._items)

    def peek(self) -> T | None:
        if not self._front:
            try:
                self._front.append(next(self._items))
            except StopIteration:
                return None
        return self._front[0]

    def take(self, count: int) -> list[T]:
        taken = [self._front.popleft() for _ in range(min(count, len(self._front)))]
        taken += islice(self._items, count - len(taken))
        return taken

    def push_front(self, items: list[T]) -> None:
        self._front.extendleft(reversed(items))


class _Tiles:
    """The stored level-0 tiles, read forward once."""

    def __init__(self, tiles: Iterator[tuple[int, bytes]]) -> None:
        self._tiles = tiles
        self._held: dict[int, bytes] = {}
        self._last = -1

    def tile(self, index: int) -> tuple[int, bytes] | None:
        """The stored tile of that index (None when it is not stored)."""
        while self._last < index:
            found = next(self._tiles, None)
            if found is None:
                self._last = 1 << 62
                break
            self._last = found[0]
            self._held[found[0]] = found[1]
        data = self._held.get(index)
        return (index, data) if data is not None else None

    def forget(self, before: int) -> None:
        """Drop the tiles before that index (they will not be asked for again)."""
        for old in [i for i in self._held if i < before]:
            del self._held[old]

    def hashes(self, first: int, end: int) -> bytes:
        """The stored leaf hashes of leaves ``first`` to ``end - 1``."""
        parts = []
        for index in range(first // TILE_WIDTH, (end - 1) // TILE_WIDTH + 1):
            found = self.tile(index)
            data = found[1] if found else b""
            lo = max(first - index * TILE_WIDTH, 0) * 32
            hi = (min(end, (index + 1) * TILE_WIDTH) - index * TILE_WIDTH) * 32
            parts.append(data[lo:hi])
        return b"".join(parts)


def _edge(builder: TreeBuilder) -> Iterator[tuple[int, int]]:
    for level, hashes in enumerate(builder.edge):
        if hashes:
            yield level, builder.size >> (TILE_HEIGHT * (level + 1))


def _number(originator: UUID | str) -> int | str:
    # A UUID's number hashes in C; hashing the UUID itself calls Python code every time.
    return originator.int if isinstance(originator, UUID) else originator


def _unfolding(event: Notification, last: int) -> str:
    expected = last + 1
    what = (
        f"version {expected} is missing"
        if event.originator_version > expected
        else f"version {event.originator_version} comes again after version {last}"
    )
    return (
        f"the history of aggregate {event.originator_id} no longer folds at position "
        f"{event.id}: {what}"
    )


def _inserted(event: Notification) -> str:
    return (
        f"the event at position {event.id} ({_name(_json(leaf_of(event)))}) is not in the "
        "ledger (inserted)"
    )


def _changed(
    position: int,
    stored: bytes,
    recorded: bytes,
    next_recorded: bytes | None,
    next_stored: bytes | None,
) -> str:
    now, then = json.loads(stored), _json(recorded)
    if then is None:
        return f"the ledger's entry for position {position} is damaged"
    if next_recorded is not None and _content(now) == _content(_json(next_recorded)):
        return (
            f"the event recorded at position {position} ({_name(then)}) is gone and the "
            "events after it were renumbered (deleted)"
        )
    if next_stored is not None and _content(_json(next_stored)) == _content(then):
        return (
            f"an event the ledger never recorded ({_name(now)}) was inserted at position "
            f"{position} and the events after it renumbered (inserted)"
        )
    if [now.get(k) for k in _WHO] != [then.get(k) for k in _WHO]:
        return (
            f"the event at position {position} is another event now: {_name(now)}, where the "
            f"ledger recorded {_name(then)} (events moved, swapped or replaced)"
        )
    return f"the stored bytes of the event at position {position} ({_name(now)}) were changed"


_WHO = ("aggregate_id", "version", "topic")


def _name(leaf: dict[str, Any] | None) -> str:
    leaf = leaf or {}
    topic = str(leaf.get("topic", "?")).rsplit(":", 1)[-1].rsplit(".", 1)[-1]
    return f"{topic} of {leaf.get('aggregate_id')} v{leaf.get('version')}"


def _content(leaf: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if leaf is None else {k: v for k, v in leaf.items() if k != "position"}


def _json(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
