"""The Merkle tree as C2SP tlog-tiles: appending leaf hashes, and the root of the right edge.

A tile is 256 consecutive hashes of one tile level: level 0 holds leaf hashes, level L+1 the
roots of the full tiles of level L. Appending keeps only the right edge in memory (the partial
tile of each level) and reports every tile it completed or grew, so that the caller stores them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from projections.ledger.offline import EMPTY_ROOT, node_hash

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
HASH_SIZE = 32


@dataclass(frozen=True)
class Tile:
    """One stored tile: its level, index within the level, and hashes (width = their count)."""

    level: int
    index: int
    hashes: bytes

    @property
    def width(self) -> int:
        return len(self.hashes) // HASH_SIZE

    def hash(self, i: int) -> bytes:
        """The i-th hash of the tile."""
        return self.hashes[i * HASH_SIZE : (i + 1) * HASH_SIZE]


def split(data: bytes) -> list[bytes]:
    """Consecutive 32-byte hashes."""
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree over a power-of-two number of hashes."""
    level = list(hashes)
    sha256 = hashlib.sha256  # node_hash spelled out: this loop is the tree's hot path
    while len(level) > 1:
        level = [
            sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)
        ]
    return level[0]


def edge_widths(size: int) -> list[int]:
    """The width of the partial tile of each level for a tree of ``size`` leaves."""
    widths = []
    while size:
        widths.append(size % TILE_WIDTH)
        size //= TILE_WIDTH
    return widths


def root_of_edge(edge: Sequence[Sequence[bytes]]) -> bytes:
    """The tree root from the partial tiles of every level (level 0 first)."""
    subtrees: list[bytes] = []  # perfect subtree roots, left (largest) to right
    for hashes in reversed(edge):
        start, remaining = 0, len(hashes)
        while remaining:
            chunk = 1 << (remaining.bit_length() - 1)
            subtrees.append(perfect_root(hashes[start : start + chunk]))
            start, remaining = start + chunk, remaining - chunk
    if not subtrees:
        return EMPTY_ROOT
    root = subtrees[-1]
    for left in reversed(subtrees[:-1]):
        root = node_hash(left, root)
    return root


class TreeBuilder:
    """Appends leaf hashes to a tree, keeping its right edge and the tiles that changed."""

    def __init__(self, size: int = 0, edge: Sequence[Sequence[bytes]] = ()) -> None:
        widths = [len(e) for e in edge]
        while widths and not widths[-1]:
            widths.pop()
        if widths != edge_widths(size):
            raise ValueError(f"the edge tiles do not fit a tree of size {size}")
        self.size = size
        self.edge: list[list[bytes]] = [list(e) for e in edge]
        self._full: list[Tile] = []
        self._touched: set[int] = set()

    def append(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes (in order)."""
        edge = self.edge
        if not edge:
            edge.append([])
        level0 = edge[0]
        for h in leaf_hashes:
            level0.append(h)
            self.size += 1
            if len(level0) == TILE_WIDTH:
                self._complete(0)
                level0 = edge[0]
        self._touched.add(0)

    def _complete(self, level: int) -> None:
        hashes = self.edge[level]
        index = (self.size >> (TILE_HEIGHT * (level + 1))) - 1
        self._full.append(Tile(level, index, b"".join(hashes)))
        self.edge[level] = []
        if len(self.edge) == level + 1:
            self.edge.append([])
        self.edge[level + 1].append(perfect_root(hashes))
        self._touched.add(level + 1)
        if len(self.edge[level + 1]) == TILE_WIDTH:
            self._complete(level + 1)

    def root(self) -> bytes:
        """The root of the tree as it stands."""
        return root_of_edge(self.edge)

    def completed(self) -> list[Tile]:
        """The full tiles completed since the last call (or drain)."""
        tiles, self._full = self._full, []
        return tiles

    def drain(self) -> list[Tile]:
        """The tiles completed or grown since the last drain (full ones first, then the
        non-empty partial tiles of the levels that changed)."""
        tiles = self._full
        for level in sorted(self._touched):
            hashes = self.edge[level] if level < len(self.edge) else []
            if hashes:
                index = self.size >> (TILE_HEIGHT * (level + 1))
                tiles.append(Tile(level, index, b"".join(hashes)))
        self._full, self._touched = [], set()
        return tiles
