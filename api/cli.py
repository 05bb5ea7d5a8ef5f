"""The `jiandu` command line: one typer app; each command family is a sub-app added here."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer
import uvicorn

from api import __version__
from api.app import create_app
from api.commands import (
    access,
    audit,
    backup,
    demo,
    keys,
    probe,
    projections,
    report,
    rules,
    search,
    setup,
    signin,
    token,
    transport,
)
from api.commands.common import settings_or_exit
from api.logging import configure_logging
from api.ops import create_ops_app
from api.secrets import MissingSecret
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
app.add_typer(access.app, name="access")
app.command()(report.report)


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
    app_ = create_app(settings, freeze_heap=True)
    api_config = uvicorn.Config(
        app_,
        host=settings.host,
        port=settings.port,
        log_config=None,
        log_level=settings.log_level,
        # Forwarding headers are read by the app, and only from JIANDU_TRUSTED_PROXIES.
        proxy_headers=False,
        access_log=False,  # the app logs each request by route (api/request_log.py)
    )
    if settings.ops_port is None:
        uvicorn.Server(api_config).run()
        return
    ops_config = uvicorn.Config(
        create_ops_app(app_), host=settings.ops_host, port=settings.ops_port, log_config=None,
        log_level=settings.log_level, proxy_headers=False, access_log=False, lifespan="off",
    )  # fmt: skip
    asyncio.run(_serve_both(uvicorn.Server(api_config), uvicorn.Server(ops_config)))


async def _serve_both(api_server: uvicorn.Server, ops_server: uvicorn.Server) -> None:
    """The API, then (once it started, so the platform is built) the operations listener;
    when either stops (a signal reaches one of them), both do."""
    api_task = asyncio.create_task(api_server.serve())
    while not api_server.started and not api_task.done():
        await asyncio.sleep(0.05)
    tasks = {api_task}
    if api_server.started:
        tasks.add(asyncio.create_task(ops_server.serve()))
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    api_server.should_exit = ops_server.should_exit = True
    await asyncio.gather(*tasks)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with the command-line options that were given on top."""
    return settings_or_exit(**overrides)


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(f"jiandu {__version__}")


def main() -> None:
    """Entry point of the `jiandu` console script."""
    os.umask(0o077)  # whatever jiandu writes (databases, keys, exports) is its owner's only
    try:
        app()
    except HistoryBroken as error:
        typer.echo(f"jiandu: integrity error: {error}", err=True)
        raise SystemExit(1) from None
    except MissingSecret as error:
        typer.echo(f"jiandu: {error}", err=True)
        raise SystemExit(2) from None
