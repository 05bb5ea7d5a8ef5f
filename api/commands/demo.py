"""`jiandu demo load [--force]` and `jiandu demo example`: the demo county 清河县."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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
from domain.store import Store
from projections.following import Progress as Reached

app = typer.Typer(help="The demo county: 清河县 with several hundred cadres.", no_args_is_help=True)
console = Console(stderr=True)
SCRATCH_PREFIX = ".demo-loading-"


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
    """All or nothing: the county is recorded into a scratch store first, then its events are
    appended to the configured store in one transaction. A load killed before that leaves the
    store as it was (and only an unused scratch folder and data keys behind); killed during it,
    the database rolls the transaction back."""
    started = time.perf_counter()
    plan = build_plan(platform.clock.today())
    with scratch_store(platform) as scratch:
        loader = DemoLoader(
            scratch, platform.services.complaints.vault, platform.clock.now(),
            evaluator=platform.supervision.evaluator,
        )  # fmt: skip
        with _bar("recording careers") as bar:
            task = bar.add_task("acts", total=plan.acts)
            loaded = loader.load(plan, lambda done: bar.update(task, completed=done))
        with _bar("storing the county in one transaction") as bar:
            task = bar.add_task("events", total=loaded.events)
            platform.store.append_all(scratch)
            bar.update(task, completed=loaded.events)
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


@contextmanager
def scratch_store(platform: Platform) -> Iterator[Store]:
    """An empty embedded store in a scratch folder (beside the data in embedded mode), removed
    afterwards; a folder a killed load left behind is removed by the next load."""
    settings = platform.settings
    base = settings.data_dir if settings.store == "sqlite" else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    for stale in base.glob(f"{SCRATCH_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=base))
    store = Store(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                       "SQLITE_DBNAME": str(folder / "events.sqlite3")})  # fmt: skip
    try:
        yield store
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)


@app.command()
def example() -> None:
    """Print the personnel code of a planted illegal secondee (for an example request)."""
    typer.echo(EXAMPLE_CADRE)
