"""The indexer group: envelopes to the search engine, idempotent by document id and version.

The search engine adapter (the search issue) implements :class:`SearchIndex`; this module
only runs the loop. Offsets are Kafka's committed offsets: a replayed or duplicated
message rewrites a document with the same external version (its position), which the
engine ignores, so at-least-once delivery gives an exactly-once index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from consumers.envelope import Envelope
from consumers.loop import Batch, Reject


class SearchIndex(Protocol):
    """What the indexer group needs from the search engine."""

    def apply(self, envelopes: Sequence[Envelope]) -> Mapping[int, str]:
        """Index a batch idempotently (document id + external version = position).

        Returns the positions the engine refused for good, with the reason (those messages
        are dead-lettered); raises when the batch as a whole failed (it is retried).
        """
        ...


class IndexerSink:
    """Feeds batches of envelopes to a :class:`SearchIndex`."""

    def __init__(self, index: SearchIndex, group: str = "jiandu-indexer") -> None:
        self.index = index
        self.group = group

    def stored_offsets(self, topic: str) -> dict[int, int] | None:
        return None  # the effect is idempotent: Kafka's committed offsets are enough

    def apply(self, batch: Batch, reject: Reject) -> None:
        refused = self.index.apply([d.envelope for d in batch.deliveries])
        for d in batch.deliveries:
            reason = refused.get(d.envelope.position)
            if reason is not None:
                reject(d, RefusedDocument(reason))

    def discard(self) -> None:
        """Nothing is held between batches."""


class RefusedDocument(Exception):
    """The search engine refused a document for good (mapping error, too large, ...)."""
