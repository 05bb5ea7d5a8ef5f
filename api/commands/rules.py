"""`jiandu rules sweep [--as-of DATE]`, `jiandu rules show`, `jiandu rules check FILE`."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.bootstrap import build
from api.commands.common import settings_or_exit
from domain.errors import DomainError
from projections.rules_config import RulesFileError, default_text, load_parameters

app = typer.Typer(
    help="Supervision rules: the sweep, the catalogue, rules files.", no_args_is_help=True
)


@app.command()
def sweep(
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of", formats=["%Y-%m-%d"], help="Sweep as of this date (default today)."
        ),
    ] = None,
) -> None:
    """Catch up the read models and the supervision process, then sweep the time-based rules."""
    settings = settings_or_exit()
    try:
        platform = build(settings)
    except RulesFileError as error:
        typer.echo(f"jiandu: {error}", err=True)
        raise typer.Exit(code=2) from error
    with platform:
        platform.projector.catch_up()
        day: date = as_of.date() if as_of else platform.clock.today()
        try:
            with Progress(
                TextColumn(f"sweeping as of {day.isoformat()}"), BarColumn(),
                MofNCompleteColumn(), TimeRemainingColumn(), console=Console(stderr=True),
            ) as bar:  # fmt: skip
                task = bar.add_task("sweep", total=None)
                tally = platform.supervision.sweep(
                    day, lambda done, total: bar.update(task, completed=done, total=total)
                )
        except DomainError as error:
            typer.echo(f"jiandu: {error}", err=True)
            raise typer.Exit(code=2) from error
        platform.projector.catch_up()
        typer.echo(json.dumps({"as_of": day.isoformat(), **tally.as_dict()}))


@app.command()
def show() -> None:
    """Print the catalogue with the parameters in force (JIANDU_RULES_FILE or the defaults)."""
    settings = settings_or_exit()
    try:
        params = load_parameters(settings.rules_file)
    except RulesFileError as error:
        typer.echo(f"jiandu: {error}", err=True)
        raise typer.Exit(code=2) from error
    from domain.rules import describe

    typer.echo(json.dumps(describe(params), ensure_ascii=False, indent=2))


@app.command()
def check(path: Annotated[Path, typer.Argument(help="A province's rules file (TOML).")]) -> None:
    """Validate a rules file without starting anything (exit 2 naming what is wrong)."""
    try:
        params = load_parameters(path)
    except RulesFileError as error:
        typer.echo(f"jiandu: {error}", err=True)
        raise typer.Exit(code=2) from error
    off = ", ".join(sorted(params.disabled)) or "none"
    typer.echo(f"{path}: valid; rules switched off: {off}")


@app.command()
def defaults() -> None:
    """Print the shipped defaults: the starting point of a province's rules file."""
    typer.echo(default_text(), nl=False)
