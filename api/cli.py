"""The `jiandu` command line: one typer app; each command family is a sub-app added here."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from api import __version__
from api.app import create_app
from api.commands import (
    audit,
    backup,
    demo,
    keys,
    probe,
    projections,
    rules,
    search,
    setup,
    signin,
    token,
    transport,
)
from api.commands.common import settings_or_exit
from api.logging import configure_logging
from api.settings import Settings, UnsafeSettingsError
from domain.errors import HistoryBroken

app = typer.Typer(
    name="jiandu",
    help="Jiandu (监督): event-sourced audit and supervision of cadre management.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(projections.app, name="projections")
app.add_typer(token.app, name="token")
app.add_typer(keys.app, name="keys")
app.add_typer(rules.app, name="rules")
app.add_typer(demo.app, name="demo")
app.add_typer(transport.relay_app, name="relay")
app.add_typer(transport.consume_app, name="consume")
app.add_typer(transport.topics_app, name="topics")
app.add_typer(search.app, name="search")
app.add_typer(probe.app, name="probe")
app.add_typer(signin.app, name="ui")
app.command()(setup.migrate)
app.command()(backup.backup)
app.command()(backup.restore)
app.add_typer(audit.app, name="audit")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [JIANDU_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [JIANDU_PORT].")] = None,
) -> None:
    """Serve the HTTP API (embedded mode by default: SQLite under JIANDU_DATA_DIR)."""
    settings = load_settings(host=host, port=port)
    try:
        settings.check_safe()
    except UnsafeSettingsError as error:
        typer.echo(f"jiandu: refusing to serve: {error}", err=True)
        raise typer.Exit(code=2) from error
    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        log_level=settings.log_level,
        # Forwarding headers are read by the app, and only from JIANDU_TRUSTED_PROXIES.
        proxy_headers=False,
    )


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with the command-line options that were given on top."""
    return settings_or_exit(**overrides)


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(f"jiandu {__version__}")


def main() -> None:
    """Entry point of the `jiandu` console script."""
    try:
        app()
    except HistoryBroken as error:
        typer.echo(f"jiandu: integrity error: {error}", err=True)
        raise SystemExit(1) from None
