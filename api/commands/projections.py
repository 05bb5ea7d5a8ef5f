"""`jiandu projections status` and `jiandu projections rebuild [NAME]`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from api.bootstrap import build
from api.commands.common import settings_or_exit
from projections.following import Progress as Reached
from projections.rebuild import rebuild as rebuild_projection
from projections.registry import PROJECTIONS

app = typer.Typer(help="Read models: their positions, lag, and rebuilds.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def status() -> None:
    """Each projection's position and lag behind the event store."""
    with build(settings_or_exit()) as platform:
        table = Table(
            "projection", "position", "lag", title=f"store at {platform.store.position()}"
        )
        for name, figures in platform.projector.lag().items():
            table.add_row(name, str(figures["position"]), str(figures["lag"]))
        Console().print(table)


@app.command()
def rebuild(
    name: Annotated[
        str | None, typer.Argument(help="Projection to rebuild (default: all).")
    ] = None,
) -> None:
    """Rebuild beside the live views from the first event (one pass), then swap them in."""
    names = [name] if name else list(PROJECTIONS)
    unknown = [n for n in names if n not in PROJECTIONS]
    if unknown:
        console.print(f"unknown projection {unknown[0]!r}; known: {', '.join(PROJECTIONS)}")
        raise typer.Exit(code=2)
    label = ", ".join(names)
    with build(settings_or_exit()) as platform:
        with Progress(
            TextColumn(f"rebuilding {label}"), BarColumn(), MofNCompleteColumn(),
            TimeRemainingColumn(), console=console,
        ) as bar:  # fmt: skip
            task = bar.add_task(label, total=platform.store.position())

            def advance(reached: Reached) -> None:
                bar.update(task, completed=reached.position, total=reached.target)

            position = rebuild_projection(
                names, platform.projector.source, platform.views, platform.projector, advance
            )
        console.print(f"{label}: rebuilt in one pass and swapped in at position {position}")
