"""Reading the tiled tree: C2SP tlog-tiles paths, any subtree hash, roots and RFC 9162 proofs.

Proofs are built from stored tiles only: a node of height h at index k is the root of 2**(h%8)
consecutive hashes of a tile of level h//8. Tiles only grow, so the widest stored version of a
tile serves every older tree size as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from projections.ledger.offline import EMPTY_ROOT, LedgerError, node_hash
from projections.ledger.tree import HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, perfect_root, split

ENTRIES = "entries"
_ELEMENT = re.compile(r"x\d{3}")
_LAST = re.compile(r"\d{3}")


class TileMissing(LedgerError):
    """A tile (or enough of it) is not stored: the tree is shorter than asked, or damaged."""


def index_path(index: int) -> str:
    """A tile index as zero-padded three-digit path elements (1234067 -> x001/x234/067)."""
    digits = str(index)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]`` (L is a number, or ``entries`` for entry bundles)."""
    suffix = f".p/{width}" if width < TILE_WIDTH else ""
    return f"tile/{level}/{index_path(index)}{suffix}"


def parse_index_path(path: str) -> tuple[int, int]:
    """``<N>[.p/<W>]`` -> (index, width); only the canonical form is accepted."""
    width = TILE_WIDTH
    body, dot, partial = path.partition(".p/")
    if dot:
        if not partial.isdigit() or partial != str(int(partial)) or not 1 <= int(partial) < 256:
            raise ValueError(f"bad partial tile width in {path!r}")
        width = int(partial)
    elements = body.split("/")
    if not _LAST.fullmatch(elements[-1]) or not all(_ELEMENT.fullmatch(e) for e in elements[:-1]):
        raise ValueError(f"bad tile index {body!r}")
    index = int("".join(e.lstrip("x") for e in elements))
    if index_path(index) != body:
        raise ValueError(f"tile index {body!r} is not in canonical form")
    return index, width


def parse_level(text: str) -> int:
    """A tile level: a decimal 0..63 without leading zeros."""
    if not text.isdigit() or text != str(int(text)) or int(text) > 63:
        raise ValueError(f"bad tile level {text!r}")
    return int(text)


TileReader = Callable[[int, int], bytes]
"""(level, index) -> the stored hashes of that tile (the widest stored), or b"" if none."""


class TiledTree:
    """Subtree hashes, roots and proofs of a tree whose tiles a reader returns."""

    def __init__(self, read: TileReader) -> None:
        self._read = read
        self._cache: dict[tuple[int, int], bytes] = {}

    def _tile(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._cache:
            self._cache[key] = self._read(level, index)
        return self._cache[key]

    def node(self, height: int, index: int) -> bytes:
        """The root of the perfect subtree of ``2**height`` leaves number ``index``."""
        level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest
        tile = self._tile(level, first // TILE_WIDTH)
        start = (first % TILE_WIDTH) * HASH_SIZE
        data = tile[start : start + (HASH_SIZE << rest)]
        if len(data) != HASH_SIZE << rest:
            raise TileMissing(f"tile {level}/{first // TILE_WIDTH} is missing or too short")
        return perfect_root(split(data))

    def range_hash(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for a range the RFC 6962 recursion produces."""
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0:
            height = n.bit_length() - 1
            return self.node(height, lo >> height)
        k = 1 << ((n - 1).bit_length() - 1)
        return node_hash(self.range_hash(lo, lo + k), self.range_hash(lo + k, hi))

    def root(self, size: int) -> bytes:
        """The root of the tree of ``size`` leaves."""
        return self.range_hash(0, size)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """The inclusion proof of leaf ``index`` in the tree of ``size`` (RFC 9162 2.1.3.1)."""
        if not 0 <= index < size:
            raise LedgerError(f"leaf {index} is not in a tree of size {size}")
        proof: list[bytes] = []
        lo, hi, m = 0, size, index
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if m < k:
                proof.append(self.range_hash(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.range_hash(lo, lo + k))
                lo, m = lo + k, m - k
        proof.reverse()
        return proof

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        """The consistency proof from ``size1`` to ``size2`` (RFC 9162 2.1.4.1)."""
        if not 0 < size1 <= size2:
            raise LedgerError(f"no consistency proof from size {size1} to size {size2}")
        proof: list[bytes] = []
        lo, hi, m, whole = 0, size2, size1, True
        while m != hi - lo:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if m <= k:
                proof.append(self.range_hash(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.range_hash(lo, lo + k))
                lo, m, whole = lo + k, m - k, False
        if not whole:
            proof.append(self.range_hash(lo, hi))
        proof.reverse()
        return proof
