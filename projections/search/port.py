"""The ports of search: the few operations asked of a search engine, and a search index.

``SearchEngine`` is what an OpenSearch or Elasticsearch client adapter implements; every index
name, mapping and query body is built by shared code and handed to it. ``SearchIndex`` is what
the API, the in-process follower and the Kafka indexer use: the engine-backed index and the
basic search over the SQL read models both implement it (one contract suite tests both).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from projections.following import EventSource, Progress
from projections.search.documents import Document
from projections.search.query import SearchRequest, SearchResult, SecondmentQuery


class EngineError(Exception):
    """The engine refused a request (a bug of ours or a broken cluster)."""


class BadQuery(EngineError):
    """The engine rejected a query body (HTTP 400 from the engine)."""


class EngineUnavailable(EngineError):
    """The engine did not answer (connection refused, timeout)."""


class IndexMissing(EngineError):
    """The index or alias does not exist."""


@dataclass(frozen=True)
class Write:
    """One bulk write: a whole document under an external version (a store position)."""

    index: str
    id: str
    version: int
    source: Mapping[str, Any] | bytes  # bytes: the source as JSON already (see ``encode``)


@dataclass(frozen=True)
class Prepared:
    """A batch turned into documents, ready to be written (the CPU half of ``apply``)."""

    documents: list[Document]
    position: int | None  # the position to record once written (None: the transport records it)
    events: int
    encoded: list[bytes] = field(default_factory=list)  # each document's JSON, when made


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(value: Any) -> bytes:
    """A document source (or any JSON value) as compact UTF-8 JSON; a follower makes them
    where it prepares a batch, off the thread that waits for the engine."""
    return _ENCODER.encode(value).encode()


@dataclass(frozen=True)
class Applied:
    """What a batch did: documents written (not stale), and positions refused for good."""

    written: int
    refused: dict[int, str] = field(default_factory=dict)  # position -> the engine's reason


class SearchEngine(Protocol):
    """The engine operations search needs (OpenSearch 2/3, Elasticsearch 8/9)."""

    name: str

    def create_index(self, index: str, body: Mapping[str, Any]) -> bool:
        """Create an index with settings and mappings; False when it exists already."""
        ...

    def delete_index(self, index: str) -> None:
        """Delete an index (absent is fine)."""
        ...

    def indices(self, pattern: str) -> list[str]:
        """Names of the indices matching a wildcard pattern."""
        ...

    def aliases(self, names: Sequence[str]) -> dict[str, str]:
        """Alias -> the physical index it points at, for those of ``names`` that exist."""
        ...

    def swap_aliases(self, moves: Sequence[tuple[str, str | None, str]]) -> None:
        """Point each alias (alias, old index or None, new index) at its new index, atomically."""
        ...

    def put_settings(self, index: str, settings: Mapping[str, Any]) -> None:
        """Change dynamic index settings (refresh interval)."""
        ...

    def bulk(self, writes: Sequence[Write]) -> tuple[int, dict[int, str]]:
        """Write documents with ``version_type=external``; a version not newer than the stored
        one is skipped, not an error. Returns how many were written and the writes refused
        for good (their index in ``writes`` -> reason); raises when the engine should be
        retried (overloaded, unreachable)."""
        ...

    def get(self, index: str, doc_id: str) -> tuple[int, dict[str, Any]] | None:
        """A document's (version, source), in real time; None when absent."""
        ...

    def search(self, index: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Run a search body; the engine's JSON response."""
        ...

    def refresh(self, index: str) -> None:
        """Make recent writes searchable."""
        ...

    def ping(self) -> None:
        """Raise EngineUnavailable unless the cluster answers."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class SearchIndex(Protocol):
    """Documents of every kind, kept from events, answering searches."""

    engine: str

    def ensure(self) -> None:
        """Create the live index (or tables) when missing."""
        ...

    def apply(self, batch: Sequence[tuple[int, Any]]) -> Applied:
        """Index a batch of (position, event) idempotently: a replayed, duplicated or stale
        batch writes nothing. Raises when the batch should be retried as a whole."""
        ...

    def prepare(self, batch: Sequence[tuple[int, Any]]) -> Prepared:
        """The documents of a batch (``apply`` is ``commit(prepare(batch))``; a follower
        prepares the next batch while the engine writes the last one)."""
        ...

    def commit(self, prepared: Prepared) -> Applied:
        """Write prepared documents, then the position they reach (unless it is None)."""
        ...

    def position(self) -> int:
        """The store position every event up to which is applied."""
        ...

    def record(self, position: int) -> None:
        """Record that every event up to ``position`` is applied (never moves back)."""
        ...

    def refresh(self) -> None:
        """Make everything applied searchable."""
        ...

    def search(self, request: SearchRequest) -> SearchResult:
        """Free text and filters over one kind or all."""
        ...

    def secondments(self, query: SecondmentQuery) -> SearchResult:
        """The secondment register by levels, state and duration."""
        ...

    def document(self, kind: str, doc_id: str) -> tuple[int, dict[str, Any]] | None:
        """One document's (version, source)."""
        ...

    def documents(self, kind: str) -> dict[str, tuple[int, dict[str, Any]]]:
        """Every document of a kind by id (diagnostics and tests; not for large indices)."""
        ...

    def reindex(
        self,
        source: EventSource,
        on_progress: Callable[[Progress], None] | None = None,
        batch_size: int = 2000,
    ) -> int:
        """Build afresh from every event beside the live index, swap it in when caught up;
        returns the position it was swapped in at."""
        ...

    def ping(self) -> None:
        """Raise unless the index answers."""
        ...

    def close(self) -> None:
        """Release what the index holds (engine connections)."""
        ...
