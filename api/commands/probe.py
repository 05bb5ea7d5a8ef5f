"""`jiandu probe http`: the container health check (Docker's HEALTHCHECK runs commands, and
the image has no curl)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Annotated

import typer

from api.commands.common import settings_or_exit

app = typer.Typer(help="Health checks for containers.", no_args_is_help=True)


@app.command("http")
def http(
    path: Annotated[str, typer.Option(help="Path to ask: /healthz (alive), /readyz.")] = "/healthz",
    port: Annotated[int | None, typer.Option(help="Port of the API [JIANDU_PORT].")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.")] = 5.0,
) -> None:
    """Ask this machine's API for PATH; exit 0 on a 2xx answer, 1 otherwise."""
    port = port or settings_or_exit().port
    url = f"http://127.0.0.1:{port}{path if path.startswith('/') else '/' + path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        typer.echo(f"{url}: {error}", err=True)
        raise typer.Exit(code=1) from error
    if not 200 <= status < 300:
        typer.echo(f"{url}: HTTP {status}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"{url}: HTTP {status}")
