"""The indexer group: envelopes to the search index, idempotent by document id and version.

Offsets are Kafka's committed offsets: a replayed or duplicated message rewrites a document
with the same external version (its position), which the index ignores, so at-least-once
delivery gives an exactly-once index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from consumers.envelope import Envelope
from consumers.loop import Batch, Reject
from projections.search.port import SearchIndex


class EnvelopeFeed:
    """Decodes envelopes to domain events and hands them to a search index in position order."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    def apply(self, envelopes: Sequence[Envelope]) -> Mapping[int, str]:
        """Index a batch idempotently; the positions refused for good, with the reason."""
        batch, refused = [], {}
        for envelope in envelopes:
            try:
                batch.append((envelope.position, envelope.event()))
            except Exception as error:  # undecodable: dead-lettered, the batch goes on
                refused[envelope.position] = f"undecodable event: {error}"
        batch.sort(key=lambda pair: pair[0])
        return {**refused, **self.index.apply(batch).refused}


class IndexerSink:
    """Feeds batches of envelopes to the search index; refused documents are dead-lettered."""

    def __init__(self, feed: EnvelopeFeed, group: str = "jiandu-indexer") -> None:
        self.feed = feed
        self.group = group

    def stored_offsets(self, topic: str) -> dict[int, int] | None:
        return None  # the effect is idempotent: Kafka's committed offsets are enough

    def apply(self, batch: Batch, reject: Reject) -> None:
        refused = self.feed.apply([d.envelope for d in batch.deliveries])
        for d in batch.deliveries:
            reason = refused.get(d.envelope.position)
            if reason is not None:
                reject(d, RefusedDocument(reason))

    def discard(self) -> None:
        """Nothing is held between batches."""


class RefusedDocument(Exception):
    """The search engine refused a document for good (mapping error, too large, ...)."""
