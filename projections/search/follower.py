"""The search indexer: the follower that keeps a search index current.

The index itself records how far it got (its position is written with its documents), so the
indexer keeps no state of its own: after a restart, a reindex or a crash it resumes from the
index's position, and re-applying a batch changes nothing. A runner prepares the next batch's
documents in a reader thread while the index writes the last one.
"""

from __future__ import annotations

from dataclasses import replace

from projections.following import Batch, FollowerBase, Mark
from projections.search.port import Prepared, SearchIndex


class SearchIndexer(FollowerBase):
    """Feeds batches of events to a :class:`SearchIndex` (the engine's or the basic search)."""

    name = "search"

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self._ensured = False

    def positions(self) -> dict[str, int]:
        return {self.name: self.index.position()}

    def prepare(self, batch: Batch) -> Prepared:
        return self.index.prepare(batch)

    def process(self, prepared: Prepared, mark: Mark) -> dict[int, str]:
        if not self._ensured:
            self.index.ensure()
            self._ensured = True
        return dict(self.index.commit(replace(prepared, position=mark.position)).refused)

    def record(self, position: int) -> None:
        self.index.record(position)
