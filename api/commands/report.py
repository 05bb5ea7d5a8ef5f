"""`jiandu report NAME`: a report as JSON, CSV or XLSX, to a file or the standard output."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.bootstrap import build
from api.commands.common import settings_or_exit
from api.report_files import RENDER
from domain.errors import DomainError
from projections.reports import NAMES


def report(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(NAMES)}.")],
    unit: Annotated[str | None, typer.Option(help="A unit and the units under it.")] = None,
    year: Annotated[
        int | None, typer.Option(help="The year (default for training and reviews: last year).")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date of the figures.")] = None,
    format: Annotated[str, typer.Option("--format", help="json, csv or xlsx.")] = "json",
    output: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """Print or write a report (统计报表) with Chinese headers."""
    if format not in ("json", "csv", "xlsx"):
        typer.echo("jiandu report: --format must be json, csv or xlsx", err=True)
        raise typer.Exit(code=2)
    if format == "xlsx" and output is None:
        typer.echo("jiandu report: an xlsx report needs --output FILE", err=True)
        raise typer.Exit(code=2)
    platform = build(settings_or_exit())
    try:
        platform.projector.catch_up()
        day = date.fromisoformat(as_of) if as_of else platform.clock.today()
        built = platform.reports.build(name, unit=unit, year=year, as_of=day)
    except (DomainError, ValueError) as error:
        typer.echo(f"jiandu report: {error}", err=True)
        raise typer.Exit(code=2) from error
    finally:
        platform.close()
    if format == "json":
        data = (json.dumps(built.as_json(), ensure_ascii=False, indent=2) + "\n").encode()
    else:
        data = RENDER[format](built)
    if output is not None:
        output.write_bytes(data)
        typer.echo(f"{built.title}: {len(built.rows)} rows written to {output}", err=True)
    else:
        sys.stdout.buffer.write(data)
