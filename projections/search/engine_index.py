"""The search index in a real engine: generations of physical indices behind aliases.

Writes go to the generation the events alias points at when the batch starts (or to a pinned
generation while a reindex builds it), each document with ``version_type=external`` and its
store position as version; the generation's position is a document in the meta index written
the same way, so it only ever moves forward.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from domain.errors import InvalidValue
from projections.following import EventSource, Progress, Runner
from projections.search.documents import HistorySource, SearchDocuments
from projections.search.dsl import DATED, SCORED, read_hits, search_body, secondments_body
from projections.search.follower import SearchIndexer
from projections.search.port import (
    Applied,
    BadQuery,
    EngineError,
    IndexMissing,
    Prepared,
    SearchEngine,
    Write,
    encode,
)
from projections.search.query import (
    SearchRequest,
    SearchResult,
    SearchUnavailable,
    SecondmentQuery,
    decode_cursor,
)
from projections.search.schema import KINDS, META_BODY, SCHEMA, IndexNames, index_body

log = logging.getLogger("jiandu.search")
BULK_CHUNK = 2000
POSITION_TTL_S = 1.0  # how stale the position reported with search results may be


class EngineIndex:
    """The SearchIndex port over a SearchEngine adapter."""

    def __init__(
        self,
        backend: SearchEngine,
        source: HistorySource,
        names: IndexNames | None = None,
        generation: int | None = None,
    ) -> None:
        self.backend = backend
        self.engine = backend.name
        self.source = source
        self.names = names or IndexNames()
        self.pinned = generation
        self.builder = SearchDocuments(source)
        self._position: tuple[int, float] = (0, 0.0)

    # -- generations ------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the meta index and a first generation behind the aliases, when missing."""
        self.backend.create_index(self.names.meta, META_BODY)
        if self.pinned is not None:
            return
        aliases = self.backend.aliases([self.names.alias(k) for k in KINDS])
        if len(aliases) == len(KINDS):
            stale = sorted(p for p in aliases.values() if f"-{SCHEMA}-" not in p)
            if stale:
                log.warning(
                    "the live search indices have an older mapping: run `jiandu search reindex`",
                    extra={"indices": stale, "schema": SCHEMA},
                )
            return
        generation = self.live_generation() or (max(self.generations(), default=0) + 1)
        moves = []
        for kind in KINDS:
            if self.names.alias(kind) not in aliases:
                physical = self.names.physical(kind, generation)
                self.backend.create_index(physical, index_body(kind))
                moves.append((self.names.alias(kind), None, physical))
        self.backend.swap_aliases(moves)
        log.info("search index created", extra={"generation": generation})

    def generations(self) -> list[int]:
        """Every generation with a physical index."""
        found = {
            self.names.generation_of(name)
            for kind in KINDS
            for name in self.backend.indices(self.names.pattern(kind))
        }
        return sorted(g for g in found if g is not None)

    def live_generation(self) -> int | None:
        """The generation the events alias points at."""
        alias = self.names.alias("events")
        physical = self.backend.aliases([alias]).get(alias)
        return self.names.generation_of(physical) if physical else None

    def _target(self) -> int:
        if self.pinned is not None:
            return self.pinned
        generation = self.live_generation()
        if generation is None:
            self.ensure()
            generation = self.live_generation()
        assert generation is not None
        return generation

    # -- writing ----------------------------------------------------------------------------

    def apply(self, batch: Sequence[tuple[int, Any]]) -> Applied:
        """Index a batch into the live (or pinned) generation, then record its position."""
        return self.commit(self.prepare(batch))

    def prepare(self, batch: Sequence[tuple[int, Any]]) -> Prepared:
        documents = self.builder.build(batch)
        position = max((p for p, _ in batch), default=0)
        return Prepared(documents, position, len(batch), [encode(d.source) for d in documents])

    def commit(self, prepared: Prepared) -> Applied:
        if not prepared.events:
            return Applied(0)
        generation = self._target()
        encoded = prepared.encoded or [encode(d.source) for d in prepared.documents]
        writes = [
            Write(self.names.physical(d.kind, generation), d.id, d.version, source)
            for d, source in zip(prepared.documents, encoded, strict=True)
        ]
        written, refused = 0, {}
        for start in range(0, len(writes), BULK_CHUNK):
            chunk = writes[start : start + BULK_CHUNK]
            count, failed = self.backend.bulk(chunk)
            written += count
            refused.update({chunk[at].version: reason for at, reason in failed.items()})
        if refused:
            log.error("documents refused by the engine", extra={"refused": refused})
        if prepared.position is not None:
            self._record(generation, prepared.position)
        return Applied(written, refused)

    def record(self, position: int) -> None:
        """Record the live (or pinned) generation's position; an older one is ignored (the
        position is the meta document's external version)."""
        self._record(self._target(), position)

    def _record(self, generation: int, position: int) -> None:
        key = self.names.generation_key(generation)
        _, failed = self.backend.bulk(
            [Write(self.names.meta, key, position, {"generation": key, "position": position})]
        )
        if failed:
            raise EngineError(f"the position of generation {key} was refused: {failed[0]}")
        self._position = (max(position, self._position[0]), time.monotonic())

    def position(self) -> int:
        """The position the live (or pinned) generation reached."""
        generation = self.pinned if self.pinned is not None else self.live_generation()
        if generation is None:
            return 0
        found = self.backend.get(self.names.meta, self.names.generation_key(generation))
        position = int(found[1]["position"]) if found else 0
        self._position = (position, time.monotonic())
        return position

    def _recent_position(self) -> int:
        position, at = self._position
        if time.monotonic() - at < POSITION_TTL_S:
            return position
        try:
            return self.position()
        except EngineError as error:
            raise _unavailable(error) from None

    def refresh(self) -> None:
        """Make everything written searchable."""
        self.backend.refresh(",".join(self._indices(None)))

    def _indices(self, kind: str | None) -> list[str]:
        kinds = [kind] if kind else list(KINDS)
        if self.pinned is not None:
            return [self.names.physical(k, self.pinned) for k in kinds]
        return [self.names.alias(k) for k in kinds]

    # -- reading ----------------------------------------------------------------------------

    def _search(self, kind: str | None, body: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return self.backend.search(",".join(self._indices(kind)), body)
        except IndexMissing:
            return None  # nothing indexed yet
        except BadQuery as error:
            log.warning("the engine rejected a search", extra={"error": str(error)[:300]})
            raise InvalidValue("this search cannot be run; simplify q or drop the cursor") from None
        except EngineError as error:
            raise _unavailable(error) from None

    def search(self, request: SearchRequest) -> SearchResult:
        terms = request.terms()
        fingerprint = request.fingerprint()
        after = decode_cursor(request.cursor, fingerprint, SCORED if terms else DATED)
        if request.finds_nothing(terms):
            return SearchResult(0, [], None, self.position())
        response = self._search(request.kind, search_body(request, terms, after))
        if response is None:
            return SearchResult(0, [], None, 0)
        return read_hits(response, self.names, request.size, fingerprint, self._recent_position())

    def secondments(self, query: SecondmentQuery) -> SearchResult:
        fingerprint = query.fingerprint()
        after = decode_cursor(query.cursor, fingerprint, DATED)
        response = self._search("secondments", secondments_body(query, after))
        if response is None:
            return SearchResult(0, [], None, 0)
        result = read_hits(response, self.names, query.size, fingerprint, self._recent_position())
        for hit in result.hits:
            active, days = query.state_of(hit.source)
            hit.extra = {"active": active, "duration_days": days}
        return result

    def document(self, kind: str, doc_id: str) -> tuple[int, dict[str, Any]] | None:
        return self.backend.get(self._indices(kind)[0], doc_id)

    def documents(self, kind: str) -> dict[str, tuple[int, dict[str, Any]]]:
        found: dict[str, tuple[int, dict[str, Any]]] = {}
        body: dict[str, Any] = {"size": 500, "sort": [{"uid": "asc"}], "version": True}
        while True:
            response = self._search(kind, body)
            hits = response["hits"]["hits"] if response else []
            for h in hits:
                found[h["_id"]] = (int(h["_version"]), h["_source"])
            if len(hits) < body["size"]:
                return found
            body["search_after"] = hits[-1]["sort"]

    def ping(self) -> None:
        self.backend.ping()

    def close(self) -> None:
        self.backend.close()

    # -- reindex ----------------------------------------------------------------------------

    def reindex(
        self,
        source: EventSource,
        on_progress: Callable[[Progress], None] | None = None,
        batch_size: int = 2000,
    ) -> int:
        """Build generation n+1 from every event beside the live one, swap every alias to it in
        one request when caught up, and drop generations older than the one replaced."""
        self.ensure()
        current = self.backend.aliases([self.names.alias(k) for k in KINDS])
        live = self.live_generation()
        generation = max(self.generations(), default=0) + 1
        for kind in KINDS:
            self.backend.create_index(
                self.names.physical(kind, generation), index_body(kind, building=True)
            )
        built = EngineIndex(self.backend, source, self.names, generation)
        follower = Runner(source, SearchIndexer(built), batch_size)
        follower.catch_up(on_progress)
        for kind in KINDS:
            self.backend.put_settings(
                self.names.physical(kind, generation), {"refresh_interval": "1s"}
            )
        follower.catch_up(on_progress)  # what arrived meanwhile
        built.refresh()
        self.backend.swap_aliases(
            [
                (self.names.alias(k), current.get(self.names.alias(k)),
                 self.names.physical(k, generation))
                for k in KINDS
            ]
        )  # fmt: skip
        follower.catch_up(on_progress)  # what arrived before the swap (idempotent with a live one)
        # The replaced generation stays one more round: searches in flight may still read it.
        for old in self.generations():
            if live is not None and old < live:
                for kind in KINDS:
                    self.backend.delete_index(self.names.physical(kind, old))
        position = built.position()
        log.info("search reindexed", extra={"generation": generation, "position": position})
        return position


def _unavailable(error: EngineError) -> SearchUnavailable:
    """The answer to the caller names no engine address (the error, with it, goes to the log)."""
    log.warning("the search engine does not answer", extra={"error": str(error)[:300]})
    return SearchUnavailable("The search engine does not answer; try again later.")
