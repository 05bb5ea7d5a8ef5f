"""The audit ledger as the routes and commands use it: checkpoints, tiles, proofs, cosignatures,
verification, and how far the latest checkpoint reaches."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.errors import InvalidValue, NotFound
from projections.ledger.events import StoredLog, leaf_position
from projections.ledger.integrator import Integrator
from projections.ledger.keys import NoteSigner
from projections.ledger.offline import (
    COSIGNATURE_V1,
    LedgerError,
    TlogProof,
    VerifierKey,
    open_note,
    parse_note,
)
from projections.ledger.storage import LedgerTables, StoredCheckpoint, decode_entries
from projections.ledger.tiles import ENTRIES, TiledTree, parse_index_path, parse_level
from projections.ledger.tree import HASH_SIZE, TILE_WIDTH
from projections.ledger.verify import Verification, verify_ledger


@dataclass(frozen=True)
class LedgerKeys:
    """The log's key (private when this process signs), earlier log keys, the witnesses'."""

    log: VerifierKey
    signer: NoteSigner | None = None
    previous: tuple[VerifierKey, ...] = ()
    witnesses: tuple[VerifierKey, ...] = ()

    def log_keys(self) -> list[VerifierKey]:
        """Every key a checkpoint of this log may be signed with."""
        return [self.log, *self.previous]


@dataclass(frozen=True)
class Reach:
    """How far the latest checkpoint reaches: its size and the position of its last event."""

    size: int
    position: int

    def includes(self, position: int) -> bool:
        return position <= self.position


@dataclass
class AuditLedger:
    """Reads of the ledger, and the writes of auditors and witnesses (cosignatures)."""

    events: StoredLog
    tables: LedgerTables
    keys: LedgerKeys
    integrator: Integrator
    now: Callable[[], float]
    _reach: dict[int, Reach] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def origin(self) -> str:
        return self.keys.log.name

    def key_document(self) -> dict[str, Any]:
        """The origin, the log's verifier key, earlier ones and the witnesses' keys."""
        return {
            "origin": self.origin,
            "log_key": str(self.keys.log),
            "previous_log_keys": [str(k) for k in self.keys.previous],
            "witness_keys": [str(k) for k in self.keys.witnesses],
        }

    def status(self, store_position: int) -> dict[str, Any]:
        """Leaves, position and lag behind the store, and the latest checkpoint."""
        head = self.tables.head()
        latest = self.tables.checkpoint()
        checkpoint = None
        if latest is not None:
            cosigned = len(self.tables.cosignatures(latest.size))
            checkpoint = {"size": latest.size, "signed_at": latest.signed_at,
                          "cosignatures": cosigned}  # fmt: skip
        lag = max(store_position - head.position, 0)
        return {"size": head.size, "position": head.position, "lag": lag,
                "checkpoint": checkpoint}  # fmt: skip

    # -- checkpoints ------------------------------------------------------------------------

    def stored_checkpoint(self, size: int | None = None) -> StoredCheckpoint:
        """A kept checkpoint (the latest by default), or NotFound."""
        found = self.tables.checkpoint(size)
        if found is None:
            what = f"of size {size}" if size is not None else "yet"
            raise NotFound(f"no checkpoint {what}")
        return found

    def note(self, checkpoint: StoredCheckpoint) -> str:
        """The checkpoint's signed note with every cosignature attached."""
        return checkpoint.note + "".join(self.tables.cosignatures(checkpoint.size))

    def checkpoint_note(self, size: int | None = None) -> str:
        """The latest checkpoint (or the one of ``size``) as a signed note."""
        return self.note(self.stored_checkpoint(size))

    def checkpoints(self, since_size: int = 0) -> list[dict[str, Any]]:
        """Every kept checkpoint of at least ``since_size`` leaves."""
        return [
            {"size": c.size, "signed_at": c.signed_at, "note": self.note(c)}
            for c in self.tables.checkpoints(since_size)
        ]

    def reach(self) -> Reach | None:
        """How far the latest checkpoint reaches (None before the first non-empty one)."""
        latest = self.tables.checkpoint()
        if latest is None or latest.size == 0:
            return None
        with self._lock:
            found = self._reach.get(latest.size)
        if found is None:
            found = Reach(latest.size, self.position_of(latest.size - 1))
            with self._lock:
                self._reach = {latest.size: found}
        return found

    def position_of(self, index: int) -> int:
        """The position of the event a leaf records."""
        bundle = self.tables.bundle(index // TILE_WIDTH)
        leaves = decode_entries(bundle.data) if bundle else []
        if len(leaves) <= index % TILE_WIDTH:
            raise LedgerError(f"the ledger's entry {index} is missing; run `jiandu audit verify`")
        return leaf_position(leaves[index % TILE_WIDTH])

    # -- tiles and proofs -------------------------------------------------------------------

    def tile(self, path: str) -> bytes:
        """A tile or entry bundle at a C2SP tlog-tiles path (``<L>/<N>[.p/<W>]`` or
        ``entries/<N>[.p/<W>]``)."""
        level_text, _, rest = path.partition("/")
        try:
            index, width = parse_index_path(rest)
            level = None if level_text == ENTRIES else parse_level(level_text)
        except ValueError as error:
            raise InvalidValue(f"not a tile path: {error}") from None
        if level is None:
            bundle = self.tables.bundle(index)
            leaves = decode_entries(bundle.data) if bundle else []
            if len(leaves) < width:
                raise NotFound(f"entry bundle {path} does not exist (yet)")
            return b"".join(len(x).to_bytes(2, "big") + x for x in leaves[:width])
        hashes = self.tables.tile(level, index)
        if len(hashes) < width * HASH_SIZE:
            raise NotFound(f"tile {path} does not exist (yet)")
        return hashes[: width * HASH_SIZE]

    def leaf(self, position: int) -> tuple[int, bytes]:
        """The leaf index and leaf bytes of the event at a position, or NotFound."""
        bundle = self.tables.bundle_at(position)
        if bundle is not None and bundle.first_position <= position:
            for i, leaf in enumerate(decode_entries(bundle.data)):
                if leaf_position(leaf) == position:
                    return bundle.index * TILE_WIDTH + i, leaf
        raise NotFound(f"no event at position {position} in the ledger (yet)")

    def proof(self, position: int, size: int | None = None) -> str:
        """A C2SP tlog-proof of the event at ``position`` against a checkpoint (the latest by
        default), with the leaf bytes on its ``extra`` line."""
        index, leaf = self.leaf(position)
        checkpoint = self.stored_checkpoint(size)
        if index >= checkpoint.size:
            raise NotFound(
                f"the event at position {position} is not in the checkpoint of size "
                f"{checkpoint.size} (yet)"
            )
        hashes = TiledTree(self.tables.tile).inclusion(index, checkpoint.size)
        return str(TlogProof(index, tuple(hashes), self.note(checkpoint), leaf))

    def consistency(self, first: int, second: int) -> list[bytes]:
        """The consistency proof between two tree sizes (at most the ledger's size)."""
        size = self.tables.head().size
        if not 0 < first <= second:
            raise InvalidValue("sizes must satisfy 0 < first <= second")
        if second > size:
            raise NotFound(f"the ledger holds {size} leaves, not {second}")
        return TiledTree(self.tables.tile).consistency(first, second)

    # -- witnesses --------------------------------------------------------------------------

    def cosign(self, size: int, lines: Sequence[str]) -> list[str]:
        """Attach witnesses' cosignatures (signature lines) to the checkpoint of ``size``;
        each must be a valid tlog-cosignature/v1 of a configured witness. Returns the names."""
        checkpoint = self.stored_checkpoint(size)
        text = checkpoint.note.split("\n\n", 1)[0] + "\n"
        accepted: list[tuple[str, int, str, int]] = []
        known = {(k.name, k.id): k for k in self.keys.witnesses}
        for line in lines:
            try:
                (signature,) = parse_note(f"{text}\n{line.rstrip()}\n").signatures
            except (LedgerError, ValueError):
                raise InvalidValue(f"not one signature line: {line!r}") from None
            key = known.get((signature.name, signature.id))
            if key is None or key.type != COSIGNATURE_V1:
                raise InvalidValue(f"{signature.name} is not a witness this log accepts")
            try:
                open_note(f"{text}\n{signature.line()}", [key])
            except LedgerError:
                raise InvalidValue(
                    f"the cosignature of {signature.name} does not verify on the checkpoint of "
                    f"size {size}"
                ) from None
            stamp = int.from_bytes(signature.signature[:8], "big")
            accepted.append((signature.name, signature.id, signature.line(), stamp))
        received = datetime.fromtimestamp(self.now(), UTC).isoformat(timespec="seconds")
        for name, kid, line, stamp in accepted:
            self.tables.add_cosignature(size, name, kid, line, stamp, received)
        return [a[0] for a in accepted]

    # -- verification -------------------------------------------------------------------------

    def verify(self) -> Verification:
        """Verify the whole ledger against the store (nothing is written)."""
        return verify_ledger(self.events, self.tables, self.keys.log_keys(), self.keys.witnesses)

    def sign_now(self, also: Sequence[NoteSigner] = ()) -> StoredCheckpoint | None:
        """Append what the store holds and sign a checkpoint at once (if the tree grew)."""
        self.integrator.catch_up(sign=False)  # the checkpoint below is the one signed
        return self.integrator.sign_if_due(force=True, also=also)


def encode_hashes(hashes: Sequence[bytes]) -> list[str]:
    """Hashes in standard base64."""
    return [base64.b64encode(h).decode() for h in hashes]
