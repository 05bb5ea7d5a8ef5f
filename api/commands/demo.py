"""`jiandu demo load [--force]` and `jiandu demo example`: the demo county 清河县."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.bootstrap import Platform, build
from api.commands.common import settings_or_exit
from demo.county import COUNTY
from demo.load import DemoLoader, Loaded
from demo.plan import build_plan
from demo.planted import EXAMPLE_CADRE, PLANTED
from domain.ids import unit_id
from projections.following import Progress as Reached

app = typer.Typer(help="The demo county: 清河县 with several hundred cadres.", no_args_is_help=True)
console = Console(stderr=True)


def _bar(label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)  # fmt: skip


@app.command()
def load(
    force: Annotated[
        bool, typer.Option(help="Load even though the store holds other events already.")
    ] = False,
) -> None:
    """Load the demo county into the configured store (once), then catch the views up."""
    with build(settings_or_exit()) as platform:
        held = platform.store.position()
        if platform.store.exists(unit_id(COUNTY)):
            console.print(f"The demo county is loaded already ({held} events); nothing written.")
            return
        if held and not force:
            console.print(
                f"The store holds {held} events already; the demo loads only into an empty "
                "store (--force loads it beside them). Nothing written."
            )
            return
        _load(platform)


def _load(platform: Platform) -> None:
    started = time.perf_counter()
    plan = build_plan(platform.clock.today())
    loader = DemoLoader(platform.store, platform.services.complaints.vault, platform.clock.now())
    with _bar("recording careers") as bar:
        task = bar.add_task("cadres", total=len(plan.cadres))
        loaded = loader.load(plan, lambda done: bar.update(task, completed=done))
    recorded = time.perf_counter() - started
    with _bar("catching the views up") as bar:
        task = bar.add_task("events", total=platform.store.position())

        def advance(reached: Reached) -> None:
            bar.update(task, completed=reached.position, total=reached.target)

        platform.projector.catch_up(advance)
    _summary(loaded, plan.today.isoformat(), recorded, time.perf_counter() - started)


def _summary(loaded: Loaded, today: str, recorded: float, total: float) -> None:
    out = Console()
    out.print(
        f"Loaded the demo county 清河县 as of {today}: {loaded.units} units with {loaded.posts} "
        f"posts, {loaded.cadres} cadres, {loaded.complaints} complaints, {loaded.events} events "
        f"(recorded in {recorded:.1f} s, views caught up after {total:.1f} s)."
    )
    out.print("Deliberately illegal cases (RULES.md):")
    for case in PLANTED:
        warnings = f" (and the warning {', '.join(case.warnings)})" if case.warnings else ""
        out.print(
            f"  {', '.join(case.rules):20} {case.ref}: {case.story}{warnings}", soft_wrap=True
        )


@app.command()
def example() -> None:
    """Print the personnel code of a planted illegal secondee (for an example request)."""
    typer.echo(EXAMPLE_CADRE)
