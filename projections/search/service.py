"""Search as the platform offers it: one index (engine or basic), kept current, plus findings."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from domain.store import Store
from projections.following import EventSource, Progress, Runner
from projections.search.basic import BasicIndex
from projections.search.clients import engine_for
from projections.search.engine_index import EngineIndex
from projections.search.follower import SearchIndexer
from projections.search.port import SearchIndex
from projections.search.query import Hit, SearchRequest, SearchResult, SecondmentQuery
from projections.search.schema import IndexNames
from projections.source import StoreSource
from projections.sql import SqlViews

HOLDING = ("open", "acknowledged")
_FINDING_FIELDS = ("finding_id", "rule", "severity", "status", "raised_at")


class Search:
    """Answers searches from an index that an in-process follower (or a Kafka consumer) feeds."""

    def __init__(
        self,
        index: SearchIndex,
        sources: Callable[[], EventSource],
        views: SqlViews | None = None,
        in_process: bool = True,
    ) -> None:
        self.index = index
        self.sources = sources
        self.views = views
        self.in_process = in_process
        self.runner = Runner(
            sources(), SearchIndexer(index), batch_size=1000, passive=not in_process, interval=0.5
        )

    @classmethod
    def over(
        cls,
        store: Store,
        views: SqlViews,
        *,
        url: str | None = None,
        engine: str = "opensearch",
        prefix: str = "jiandu",
        in_process: bool = True,
    ) -> Search:
        """Search in an engine at ``url``, or the basic search in the views when there is none
        (nothing connects until the first request)."""
        history = StoreSource(store)
        index: SearchIndex
        if url:
            index = EngineIndex(engine_for(engine, url), history, IndexNames(prefix))
        else:
            index = BasicIndex(views, history)
            index.ensure()
        return cls(index, lambda: StoreSource(store), views, in_process)

    @property
    def engine(self) -> str:
        """``basic``, ``opensearch`` or ``elasticsearch``."""
        return self.index.engine

    def search(self, request: SearchRequest) -> SearchResult:
        """Free text and filters over one kind or all."""
        return self.index.search(request)

    def secondments(self, query: SecondmentQuery) -> SearchResult:
        """The secondment register query, each hit with the findings that hold for it."""
        result = self.index.secondments(query)
        attach_open_findings(self.views, result.hits)
        return result

    def position(self) -> int:
        """How far the index has caught up."""
        return self.index.position()

    def lag(self, head: int) -> dict[str, int]:
        """Position and lag behind the store's ``head``."""
        position = self.position()
        return {"position": position, "lag": max(head - position, 0)}

    def wait_for(self, position: int, timeout: float) -> bool:
        """Until the index applied ``position`` and made it searchable."""
        reached = self.runner.wait_for(position, timeout)
        if reached:
            self.index.refresh()
        return reached

    async def until(self, position: int, timeout: float) -> bool:
        """``wait_for`` without holding a thread while waiting."""
        reached = await self.runner.until(position, timeout)
        if reached:
            await asyncio.to_thread(self.index.refresh)  # a request to the engine
        return reached

    def start(self) -> None:
        """Keep the index current in this process (unless a Kafka consumer group does)."""
        self.runner.start()

    def stop(self) -> None:
        """Stop the in-process indexer."""
        self.runner.stop()

    def catch_up(self, on_progress: Callable[[Progress], None] | None = None) -> int:
        """Apply every event recorded so far, and make it searchable."""
        applied = self.runner.catch_up(on_progress)
        self.index.refresh()
        return applied

    def reindex(self, on_progress: Callable[[Progress], None] | None = None) -> int:
        """Rebuild from every event beside the live index; swap it in when caught up."""
        return self.index.reindex(self.sources(), on_progress)

    def ping(self) -> None:
        """Raise unless the index answers."""
        self.index.ping()

    def close(self) -> None:
        """Stop following and release the index's connections."""
        self.stop()
        self.index.close()


def attach_open_findings(views: SqlViews | None, hits: list[Hit]) -> None:
    """Each secondment hit's open findings, from the findings read model when there is one."""
    for hit in hits:
        hit.extra["open_findings"] = []
    if views is None or not hits or "findings" not in views.existing_tables():
        return
    codes = sorted({h.source["cadre_code"] for h in hits})
    marks = ", ".join("?" for _ in codes)
    rows = views.query(
        "SELECT * FROM findings WHERE subject_kind = 'cadre' "
        f"AND status IN ('open', 'acknowledged') AND subject_code IN ({marks})",
        codes,
    )
    for hit in hits:
        sid = hit.id
        for row in rows:
            if row["subject_code"] == hit.source["cadre_code"] and _about(row, sid):
                hit.extra["open_findings"].append({k: row[k] for k in _FINDING_FIELDS if k in row})


def _about(row: dict[str, Any], secondment_id: str) -> bool:
    # A finding anchors on the secondment it is about (RULES.md: finding identity).
    if "anchor" in row:
        return bool(row["anchor"] == secondment_id)
    details = row.get("details")
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except ValueError:
            details = None
    if isinstance(details, dict) and "secondment_id" in details:
        return bool(details["secondment_id"] == secondment_id)
    return str(row.get("rule", "")).startswith("R-SEC")
