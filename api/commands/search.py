"""`jiandu search status` and `jiandu search reindex`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from api.bootstrap import build
from api.commands.common import settings_or_exit
from projections.following import Progress as Reached

app = typer.Typer(help="The search index: its position, and rebuilds.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def status() -> None:
    """Which search answers, its live generation and how far it has caught up."""
    with build(settings_or_exit()) as platform:
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


@app.command()
def reindex() -> None:
    """Build the index afresh from every event beside the live one, then swap it in.

    Searches keep answering from the live index until the new one has caught up; the swap
    moves every alias in one request (engine) or replaces the tables in one transaction."""
    with build(settings_or_exit()) as platform:
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
