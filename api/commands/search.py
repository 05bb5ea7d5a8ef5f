"""`jiandu search status`, `jiandu search reindex`, and the index the Kafka indexer group feeds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import typer
from eventsourcing.persistence import Mapper
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from api.bootstrap import build, build_search, build_views
from api.commands.common import settings_or_exit
from api.settings import Settings
from domain.store import Store
from projections.framework import Progress as Reached
from projections.search.port import SearchIndex

app = typer.Typer(help="The search index: its position, and rebuilds.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def status() -> None:
    """Which search answers, its live generation and how far it has caught up."""
    platform = build(settings_or_exit())
    try:
        search = platform.search
        assert search is not None
        head = platform.store.position()
        figures = search.lag(head)
        table = Table("search", "generation", "position", "lag", title=f"store at {head}")
        generation = getattr(search.index, "live_generation", lambda: None)()
        table.add_row(
            search.engine, str(generation or "-"), str(figures["position"]), str(figures["lag"])
        )
        Console().print(table)
    finally:
        platform.close()


@app.command()
def reindex() -> None:
    """Build the index afresh from every event beside the live one, then swap it in.

    Searches keep answering from the live index until the new one has caught up; the swap
    moves every alias in one request (engine) or replaces the tables in one transaction."""
    platform = build(settings_or_exit())
    try:
        search = platform.search
        assert search is not None
        with Progress(
            TextColumn(f"reindexing ({search.engine})"), BarColumn(), MofNCompleteColumn(),
            TimeRemainingColumn(), console=console,
        ) as bar:  # fmt: skip
            task = bar.add_task("reindex", total=platform.store.position())

            def advance(reached: Reached) -> None:
                bar.update(task, completed=reached.position, total=reached.target)

            position = search.reindex(advance)
        console.print(f"search ({search.engine}): reindexed and swapped in at position {position}")
    finally:
        platform.close()


class EnvelopeIndex:
    """The Kafka indexer group's view of the search index: envelopes in, refusals out."""

    def __init__(self, index: SearchIndex, store: Store) -> None:
        self.index = index
        self.mapper: Mapper[Any] = Mapper(transcoder=store.mapper.transcoder)

    def apply(self, envelopes: Sequence[Any]) -> Mapping[int, str]:
        """Index a batch idempotently; the positions refused for good, with the reason."""
        batch, refused = [], {}
        for envelope in envelopes:
            try:
                batch.append((envelope.position, envelope.event(self.mapper)))
            except Exception as error:  # undecodable: dead-lettered, the batch goes on
                refused[envelope.position] = f"undecodable event: {error}"
        batch.sort(key=lambda pair: pair[0])
        return {**refused, **self.index.apply(batch).refused}


def envelope_index(settings: Settings) -> EnvelopeIndex:
    """The index `jiandu consume indexer` writes to: the engine at JIANDU_SEARCH_URL, else the
    basic search's tables in the read models' database."""
    store = Store(env=settings.eventsourcing_env())
    search = build_search(settings, store, build_views(settings))
    search.index.ensure()
    return EnvelopeIndex(search.index, store)
