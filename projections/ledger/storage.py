"""The ledger's tables in the read-model database (SQLite or PostgreSQL).

``ledger_tiles`` holds the hash tiles, ``ledger_entries`` the entry bundles (each leaf with the
position of its event, so that every leaf's position is recorded, gaps included),
``ledger_head`` how far the tree got, ``ledger_checkpoints`` every signed checkpoint and
``ledger_cosignatures`` the witnesses' cosignatures. A tile is stored once, in its widest
version so far; tiles only ever grow. Appending moves the head with a compare-and-set, so two
integrators running by mistake cannot interleave their leaves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from projections.ledger.tree import Tile
from projections.sql import SqlViews
from projections.view import Table

TILES = Table(
    "ledger_tiles",
    {"level": "INTEGER", "tile_index": "BIGINT", "hashes": "BLOB"},
    key=("level", "tile_index"),
)
ENTRIES = Table(
    "ledger_entries",
    {"tile_index": "BIGINT", "first_position": "BIGINT", "last_position": "BIGINT",
     "data": "BLOB"},
    key=("tile_index",),
    indexes=(("last_position",),),
)  # fmt: skip
HEAD = Table(
    "ledger_head",
    {"name": "TEXT", "size": "BIGINT", "position": "BIGINT", "root": "TEXT"},
    key=("name",),
)
CHECKPOINTS = Table(
    "ledger_checkpoints",
    {"size": "BIGINT", "root": "TEXT", "note": "TEXT", "signed_at": "TEXT", "key": "TEXT"},
    key=("size",),
)
COSIGNATURES = Table(
    "ledger_cosignatures",
    {"size": "BIGINT", "witness": "TEXT", "key_id": "BIGINT", "line": "TEXT",
     "cosigned_at": "BIGINT", "received_at": "TEXT"},
    key=("size", "witness", "key_id"),
)  # fmt: skip
LEDGER_TABLES = (TILES, ENTRIES, HEAD, CHECKPOINTS, COSIGNATURES)


class HeadMoved(Exception):
    """Another integrator appended first; reload the head and try again."""


@dataclass(frozen=True)
class Head:
    """How far the tree got: leaves, the position of the last one's event, the root."""

    size: int
    position: int
    root: str  # base64


@dataclass(frozen=True)
class Bundle:
    """One entry bundle: up to 256 leaves, with the positions of their first and last events."""

    index: int
    first_position: int
    last_position: int
    data: bytes


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as signed by the log (its note without cosignatures)."""

    size: int
    root: str
    note: str
    signed_at: str
    key: str


def encode_entries(leaves: Sequence[bytes]) -> bytes:
    """An entry bundle: each leaf prefixed with its length (big-endian uint16)."""
    return b"".join(len(leaf).to_bytes(2, "big") + leaf for leaf in leaves)


def decode_entries(data: bytes) -> list[bytes]:
    """The leaves of an entry bundle."""
    leaves: list[bytes] = []
    at, end = 0, len(data)
    append = leaves.append
    while at < end:
        length = (data[at] << 8) | data[at + 1] if at + 1 < end else end
        at += 2
        if at + length > end:
            raise ValueError("truncated entry bundle")
        append(data[at : at + length])
        at += length
    return leaves


class LedgerTables:
    """Reads and writes the ledger's tables."""

    def __init__(self, views: SqlViews, name: str = "ledger") -> None:
        self.views = views
        self.name = name
        views.ensure(list(LEDGER_TABLES))

    def _sql(self, sql: str) -> str:
        mark = self.views.placeholder
        return sql if mark == "?" else sql.replace("?", mark)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.views.transaction() as cur:
            cur.execute(self._sql(sql), list(params))
            return [tuple(r) for r in cur.fetchall()]

    # -- the tree ---------------------------------------------------------------------------

    def head(self) -> Head:
        """The head (size 0 when nothing was appended yet)."""
        rows = self._rows(
            f"SELECT size, position, root FROM {HEAD.name} WHERE name = ?", [self.name]
        )
        if not rows:
            return Head(0, 0, "")
        size, position, root = rows[0]
        return Head(int(size), int(position), str(root))

    def tile(self, level: int, index: int) -> bytes:
        """The stored hashes of a tile (b"" when absent)."""
        rows = self._rows(
            f"SELECT hashes FROM {TILES.name} WHERE level = ? AND tile_index = ?", [level, index]
        )
        return bytes(rows[0][0]) if rows else b""

    def tiles(self, level: int, chunk: int = 512) -> Iterator[tuple[int, bytes]]:
        """Every stored tile of a level, in index order."""
        after = -1
        while True:
            rows = self._rows(
                f"SELECT tile_index, hashes FROM {TILES.name} WHERE level = ? AND tile_index > ? "
                "ORDER BY tile_index LIMIT ?",
                [level, after, chunk],
            )
            for index, hashes in rows:
                yield int(index), bytes(hashes)
            if len(rows) < chunk:
                return
            after = int(rows[-1][0])

    def bundle(self, index: int) -> Bundle | None:
        """An entry bundle by index."""
        rows = self._rows(
            f"SELECT tile_index, first_position, last_position, data FROM {ENTRIES.name} "
            "WHERE tile_index = ?",
            [index],
        )
        return _bundle(rows[0]) if rows else None

    def bundle_at(self, position: int) -> Bundle | None:
        """The entry bundle whose positions span ``position`` (it may lack that position)."""
        rows = self._rows(
            f"SELECT tile_index, first_position, last_position, data FROM {ENTRIES.name} "
            "WHERE last_position >= ? ORDER BY last_position LIMIT 1",
            [position],
        )
        return _bundle(rows[0]) if rows else None

    def bundles(self, chunk: int = 512) -> Iterator[Bundle]:
        """Every entry bundle in index order."""
        after = -1
        while True:
            rows = self._rows(
                f"SELECT tile_index, first_position, last_position, data FROM {ENTRIES.name} "
                "WHERE tile_index > ? ORDER BY tile_index LIMIT ?",
                [after, chunk],
            )
            for row in rows:
                yield _bundle(row)
            if len(rows) < chunk:
                return
            after = int(rows[-1][0])

    def append(
        self, before: Head, after: Head, tiles: Sequence[Tile], bundles: Sequence[Bundle]
    ) -> None:
        """Store grown tiles and bundles and move the head, in one transaction; HeadMoved
        when the stored head is no longer ``before``."""
        with self.views.transaction() as cur:
            if before.size == 0:
                cur.execute(
                    self._sql(
                        f"INSERT INTO {HEAD.name} (name, size, position, root) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING"
                    ),
                    [self.name, after.size, after.position, after.root],
                )
            else:
                cur.execute(
                    self._sql(
                        f"UPDATE {HEAD.name} SET size = ?, position = ?, root = ? "
                        "WHERE name = ? AND size = ?"
                    ),
                    [after.size, after.position, after.root, self.name, before.size],
                )
            if cur.rowcount != 1:
                raise HeadMoved(f"the ledger's head moved from size {before.size}")
            cur.executemany(
                self._sql(
                    f"INSERT INTO {TILES.name} (level, tile_index, hashes) VALUES (?, ?, ?) "
                    "ON CONFLICT (level, tile_index) DO UPDATE SET hashes = excluded.hashes"
                ),
                [[t.level, t.index, t.hashes] for t in tiles],
            )
            cur.executemany(
                self._sql(
                    f"INSERT INTO {ENTRIES.name} (tile_index, first_position, last_position, "
                    "data) VALUES (?, ?, ?, ?) ON CONFLICT (tile_index) DO UPDATE SET "
                    "last_position = excluded.last_position, data = excluded.data"
                ),
                [[b.index, b.first_position, b.last_position, b.data] for b in bundles],
            )

    # -- checkpoints and cosignatures ----------------------------------------------------------

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> bool:
        """Keep a signed checkpoint; False when one of that size is kept already."""
        with self.views.transaction() as cur:
            cur.execute(
                self._sql(
                    f"INSERT INTO {CHECKPOINTS.name} (size, root, note, signed_at, key) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (size) DO NOTHING"
                ),
                [checkpoint.size, checkpoint.root, checkpoint.note, checkpoint.signed_at,
                 checkpoint.key],
            )  # fmt: skip
            return bool(cur.rowcount == 1)

    def checkpoints(self, since_size: int = 0) -> list[StoredCheckpoint]:
        """Every kept checkpoint of at least ``since_size`` leaves, smallest first."""
        rows = self._rows(
            f"SELECT size, root, note, signed_at, key FROM {CHECKPOINTS.name} "
            "WHERE size >= ? ORDER BY size",
            [since_size],
        )
        return [StoredCheckpoint(int(r[0]), *map(str, r[1:])) for r in rows]

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None:
        """The checkpoint of that size, or the latest."""
        where, params = ("WHERE size = ?", [size]) if size is not None else ("", [])
        rows = self._rows(
            f"SELECT size, root, note, signed_at, key FROM {CHECKPOINTS.name} {where} "
            "ORDER BY size DESC LIMIT 1",
            params,
        )
        return StoredCheckpoint(int(rows[0][0]), *map(str, rows[0][1:])) if rows else None

    def add_cosignature(
        self, size: int, witness: str, key_id: int, line: str, cosigned_at: int, received_at: str
    ) -> None:
        """Attach a witness's cosignature (a newer one of the same witness replaces it)."""
        with self.views.transaction() as cur:
            cur.execute(
                self._sql(
                    f"INSERT INTO {COSIGNATURES.name} (size, witness, key_id, line, cosigned_at, "
                    "received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (size, witness, key_id) "
                    "DO UPDATE SET line = excluded.line, cosigned_at = excluded.cosigned_at, "
                    "received_at = excluded.received_at"
                ),
                [size, witness, key_id, line, cosigned_at, received_at],
            )

    def cosignatures(self, size: int) -> list[str]:
        """The cosignature lines attached to the checkpoint of that size."""
        rows = self._rows(
            f"SELECT line FROM {COSIGNATURES.name} WHERE size = ? ORDER BY witness, key_id",
            [size],
        )
        return [str(r[0]) for r in rows]


def _bundle(row: tuple[Any, ...]) -> Bundle:
    index, first, last, data = row
    return Bundle(int(index), int(first), int(last), bytes(data))
