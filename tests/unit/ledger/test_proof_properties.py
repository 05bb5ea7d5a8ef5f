"""Property: over random event counts and checkpoint pairs, every inclusion and consistency proof
built from the stored tiles verifies, and any single changed bit of a proof, leaf or root fails."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.ledger.offline import (
    LedgerError,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from projections.ledger.tiles import TiledTree
from projections.ledger.tree import TreeBuilder


def reference_root(hashes: list[bytes]) -> bytes:
    """RFC 6962's MTH, written as the RFC states it (recursive)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return node_hash(reference_root(hashes[:k]), reference_root(hashes[k:]))


def grown_tree(count: int, batches: list[int]) -> tuple[list[bytes], TiledTree, TreeBuilder]:
    """``count`` leaves appended in batches of the given sizes, tiles kept as a store would."""
    leaves = [leaf_hash(b"event %d" % i) for i in range(count)]
    builder, tiles = TreeBuilder(), {}
    at = 0
    for step in [*batches, count]:
        builder.append(leaves[at : at + step])
        at += step
        for tile in builder.drain():
            assert tile.hashes.startswith(tiles.get((tile.level, tile.index), b""))
            tiles[(tile.level, tile.index)] = tile.hashes
        if at >= count:
            break
    return leaves, TiledTree(lambda level, index: tiles.get((level, index), b"")), builder


def flip(data: bytes, bit: int) -> bytes:
    changed = bytearray(data)
    changed[bit // 8 % len(data)] ^= 1 << (bit % 8)
    return bytes(changed)


counts = st.integers(min_value=1, max_value=70_000)
small_counts = st.integers(min_value=1, max_value=600)
batches = st.lists(st.integers(min_value=1, max_value=5000), max_size=4)


@settings(max_examples=40, deadline=None)
@given(count=small_counts, batches=batches)
def test_the_tiled_root_is_rfc_6962s(count: int, batches: list[int]) -> None:
    leaves, tree, builder = grown_tree(count, batches)
    assert builder.size == count
    assert builder.root() == reference_root(leaves) == tree.root(count)


@settings(max_examples=60, deadline=None)
@given(count=counts, batches=batches, data=st.data())
def test_every_inclusion_proof_verifies_and_any_changed_bit_fails(
    count: int, batches: list[int], data: st.DataObject
) -> None:
    leaves, tree, _ = grown_tree(count, batches)
    size = data.draw(st.integers(min_value=1, max_value=count), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    root, proof = tree.root(size), tree.inclusion(index, size)
    verify_inclusion(index, size, leaves[index], proof, root)
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    with pytest.raises(LedgerError):
        verify_inclusion(index, size, flip(leaves[index], bit), proof, root)
    with pytest.raises(LedgerError):
        verify_inclusion(index, size, leaves[index], proof, flip(root, bit))
    if proof:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="which")
        changed = [*proof[:which], flip(proof[which], bit), *proof[which + 1 :]]
        with pytest.raises(LedgerError):
            verify_inclusion(index, size, leaves[index], changed, root)


@settings(max_examples=60, deadline=None)
@given(count=counts, batches=batches, data=st.data())
def test_every_consistency_proof_verifies_and_any_changed_bit_fails(
    count: int, batches: list[int], data: st.DataObject
) -> None:
    _, tree, _ = grown_tree(count, batches)
    second = data.draw(st.integers(min_value=1, max_value=count), label="second")
    first = data.draw(st.integers(min_value=1, max_value=second), label="first")
    root1, root2 = tree.root(first), tree.root(second)
    proof = tree.consistency(first, second)
    verify_consistency(first, second, proof, root1, root2)
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    with pytest.raises(LedgerError):
        verify_consistency(first, second, proof, flip(root1, bit), root2)
    with pytest.raises(LedgerError):
        verify_consistency(first, second, proof, root1, flip(root2, bit))
    if proof:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="which")
        changed = [*proof[:which], flip(proof[which], bit), *proof[which + 1 :]]
        with pytest.raises(LedgerError):
            verify_consistency(first, second, changed, root1, root2)
