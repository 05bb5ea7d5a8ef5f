"""The integrator: appends every stored event to the tree as a leaf, and signs checkpoints.

It follows the store's notification log in position order (gaps in positions are recorded in
the leaves, never assumed), appends a batch of leaves to the tiles and entry bundles in one
transaction with the head, and signs a checkpoint when N events or T seconds have passed since
the last. Before signing it proves to itself that the new tree extends the last checkpoint, so
it never signs a fork of its own history, even over tiles altered in the database.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.persistence import Notification

from projections.ledger.events import StoredLog, leaf_of
from projections.ledger.keys import NoteSigner
from projections.ledger.offline import Checkpoint, LedgerError, verify_consistency
from projections.ledger.storage import (
    Bundle,
    Head,
    HeadMoved,
    LedgerTables,
    StoredCheckpoint,
    decode_entries,
    encode_entries,
)
from projections.ledger.tiles import TiledTree
from projections.ledger.tree import TILE_WIDTH, TreeBuilder, edge_widths, split

log = logging.getLogger("jiandu.ledger")


@dataclass(frozen=True)
class CheckpointPolicy:
    """Sign when ``every`` leaves or ``seconds`` have passed since the last checkpoint."""

    every: int = 1000
    seconds: float = 60.0


@dataclass
class _Edge:
    head: Head
    builder: TreeBuilder
    entries: list[bytes]  # the leaves of the partial entry bundle
    first_position: int  # of the partial entry bundle


class Integrator:
    """Keeps the ledger's tree up with the event store."""

    name = "ledger"

    def __init__(
        self,
        events: StoredLog,
        tables: LedgerTables,
        signer: NoteSigner | None,
        policy: CheckpointPolicy = CheckpointPolicy(),
        batch_size: int = 5000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.events = events
        self.tables = tables
        self.signer = signer
        self.policy = policy
        self.batch_size = batch_size
        self.clock = clock
        self.lock = threading.RLock()
        self._edge: _Edge | None = None
        self._last: StoredCheckpoint | None = None
        self._last_at = 0.0

    def position(self) -> int:
        """The position of the last event appended."""
        return self.tables.head().position

    def run_once(self, sign: bool = True) -> int:
        """Append one batch and (unless told not to) sign a checkpoint if one is due; returns
        the events read."""
        with self.lock:
            edge = self._edge or self._load()
            batch = self.events.read(edge.head.position, self.batch_size)
            try:
                self.append(batch)
            except HeadMoved:
                log.info("another integrator appended first; reloading the ledger's head")
                return 0
            if sign:
                self.sign_if_due()
            return len(batch)

    def append(self, batch: Sequence[Notification]) -> None:
        """Append stored events, in position order, after the ledger's head (those at or
        before it are skipped); HeadMoved when another integrator moved the head first."""
        with self.lock:
            edge = self._edge or self._load()
            fresh = [e for e in batch if e.id > edge.head.position]
            if not fresh:
                return
            try:
                self._append(edge, [(e.id, leaf_of(e)) for e in fresh])
            except BaseException:
                self._edge = None  # reload what the database holds before going on
                raise

    def catch_up(
        self, on_progress: Callable[[int, int], None] | None = None, sign: bool = True
    ) -> int:
        """Append until the store's position at the start is covered; returns events read."""
        target, done = self.events.head(), 0
        while self.position() < target:
            count = self.run_once(sign)
            if not count:
                break
            done += count
            if on_progress:
                on_progress(self.position(), target)
        return done

    def _load(self) -> _Edge:
        head = self.tables.head()
        edge = []
        for level, width in enumerate(edge_widths(head.size)):
            index = head.size >> (8 * (level + 1))
            hashes = split(self.tables.tile(level, index)) if width else []
            if len(hashes) < width:
                raise LedgerError(f"tile {level}/{index} is shorter than the ledger's head says")
            edge.append(hashes[:width])
        partial = head.size % TILE_WIDTH
        entries, first = [], head.position + 1
        if partial:
            bundle = self.tables.bundle(head.size // TILE_WIDTH)
            if bundle is None:
                raise LedgerError("the partial entry bundle is missing")
            entries, first = decode_entries(bundle.data)[:partial], bundle.first_position
        self._edge = _Edge(head, TreeBuilder(head.size, edge), entries, first)
        self._last = self.tables.checkpoint()
        return self._edge

    def _append(self, edge: _Edge, leaves: list[tuple[int, bytes]]) -> None:
        sha256 = hashlib.sha256  # leaf_hash spelled out, once per event
        edge.builder.append([sha256(b"\x00" + leaf).digest() for _, leaf in leaves])
        bundles, size, position = [], edge.head.size, leaves[-1][0]
        for event_position, leaf in leaves:
            if not edge.entries:
                edge.first_position = event_position
            edge.entries.append(leaf)
            size += 1
            if len(edge.entries) == TILE_WIDTH:
                bundles.append(self._bundle(edge, size - 1, event_position))
                edge.entries = []
        if edge.entries:
            bundles.append(self._bundle(edge, size - 1, position))
        root = base64.b64encode(edge.builder.root()).decode()
        after = Head(edge.builder.size, position, root)
        self.tables.append(edge.head, after, edge.builder.drain(), bundles)
        edge.head = after

    @staticmethod
    def _bundle(edge: _Edge, last_index: int, last_position: int) -> Bundle:
        data = encode_entries(edge.entries)
        return Bundle(last_index // TILE_WIDTH, edge.first_position, last_position, data)

    def sign_if_due(
        self, force: bool = False, also: Sequence[NoteSigner] = ()
    ) -> StoredCheckpoint | None:
        """Sign a checkpoint of the current tree if the policy (or ``force``) says so;
        ``also`` signs it with more keys (an old and a new log key, during a rotation)."""
        with self.lock:
            edge = self._edge or self._load()
            size, last, now = edge.head.size, self._last, self.clock()
            if self.signer is None or (last is not None and size <= last.size):
                return None
            if last is not None and not force:
                if not self._last_at:
                    self._last_at = _seconds(last.signed_at)
                grown = size - last.size
                if grown < self.policy.every and now - self._last_at < self.policy.seconds:
                    return None
            return self._sign(edge, now, also)

    def _sign(self, edge: _Edge, now: float, also: Sequence[NoteSigner] = ()) -> StoredCheckpoint:
        assert self.signer is not None
        root = edge.builder.root()
        if self._last is not None and self._last.size:
            self._extends(self._last, edge.head.size, root)
        text = Checkpoint(self.signer.name, edge.head.size, root).text()
        line = "".join(s.sign(text.encode()).line() for s in [self.signer, *also])
        key = f"{self.signer.name}+{self.signer.verifier.id:08x}"
        signed_at = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
        stored = StoredCheckpoint(
            edge.head.size, base64.b64encode(root).decode(), text + "\n" + line, signed_at, key
        )
        if self.tables.add_checkpoint(stored):
            log.info("checkpoint signed", extra={"size": stored.size, "root": stored.root})
        self._last, self._last_at = stored, now
        return stored

    def _extends(self, last: StoredCheckpoint, size: int, root: bytes) -> None:
        """Refuse to sign unless the stored tiles prove the tree extends the last checkpoint."""
        tree = TiledTree(self.tables.tile)
        old_root = base64.b64decode(last.root)
        try:
            proof = tree.consistency(last.size, size) if last.size < size else []
            verify_consistency(last.size, size, proof, old_root, root)
        except LedgerError as error:
            raise LedgerError(
                f"refusing to sign: the tree no longer extends the checkpoint of size "
                f"{last.size} ({error}); run `jiandu audit verify`"
            ) from error


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()
