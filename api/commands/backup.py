"""`jiandu backup DEST` and `jiandu restore SRC`: see api/backup/ and docs/operations.md."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from api import __version__
from api.backup import postgres, sqlite
from api.backup.checks import refuse_old_timeline, verify_ledger
from api.backup.manifest import BackupError, Manifest, empty_folder
from api.bootstrap import build
from api.commands.common import settings_or_exit
from api.commands.setup import set_up
from api.settings import Settings
from projections.framework import Progress as Reached

console = Console(stderr=True)

PgBin = Annotated[
    Path | None,
    typer.Option(help="Folder of pg_dump/pg_restore (default: the PATH's)."),
]


def views_schema(settings: Settings) -> str:
    return settings.views_schema or f"{settings.postgres_schema or 'jiandu'}_views"


def backup(
    dest: Annotated[Path, typer.Argument(help="A new (or empty) folder for the backup.")],
    pg_bin: PgBin = None,
) -> None:
    """Back up what cannot be rebuilt (the event store and the ledger's signed checkpoints)
    while the platform runs; read models and the search index are rebuilt on restore."""
    settings = settings_or_exit()
    started = time.monotonic()
    try:
        empty_folder(dest)
        try:
            manifest = take(settings, dest, pg_bin)
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)  # no half-written backup is left behind
            raise
    except BackupError as error:
        typer.echo(f"jiandu: backup refused: {error}", err=True)
        raise typer.Exit(code=2) from error
    size = sum(f["bytes"] for f in manifest.files.values())
    typer.echo(
        f"backup of the {manifest.mode} store in {dest}: every event up to position "
        f"{manifest.position}, {len(manifest.files)} files, {size / 1e6:.1f} MB, "
        f"{time.monotonic() - started:.1f} s"
    )


def take(settings: Settings, dest: Path, pg_bin: Path | None) -> Manifest:
    if settings.store == "sqlite":
        manifest = sqlite.back_up(settings.data_dir, dest, __version__)
    else:
        assert settings.postgres_url is not None
        manifest = postgres.back_up(
            settings.postgres_url, settings.postgres_schema or "public", views_schema(settings),
            dest, __version__, pg_bin,
        )  # fmt: skip
    manifest.write(dest)
    return manifest


def restore(
    src: Annotated[Path, typer.Argument(help="A folder written by `jiandu backup`.")],
    pg_bin: PgBin = None,
    rebuild: Annotated[
        bool, typer.Option(help="Rebuild the read models in this process (in-process transport).")
    ] = True,
    verify: Annotated[
        bool, typer.Option(help="Run the restore check (the audit ledger's verification).")
    ] = True,
) -> None:
    """Restore a backup into an empty store, rebuild what derives from it, and verify it.
    Exit 0 when the restored store verifies, 1 when it does not, 2 when refused."""
    settings = settings_or_exit()
    try:
        manifest = Manifest.read(src)
        mode = "embedded" if settings.store == "sqlite" else "distributed"
        if manifest.mode != mode:
            raise BackupError(f"this is a backup of the {manifest.mode} mode; settings say {mode}")
        refuse_old_timeline(settings)
        if settings.store == "sqlite":
            sqlite.restore(src, manifest, settings.data_dir)
        else:
            assert settings.postgres_url is not None
            postgres.restore(
                src, manifest, settings.postgres_url, settings.postgres_schema or "public",
                views_schema(settings), pg_bin,
            )  # fmt: skip
    except BackupError as error:
        typer.echo(f"jiandu: restore refused: {error}", err=True)
        raise typer.Exit(code=2) from error
    for line in set_up(settings):
        typer.echo(line)
    if rebuild and settings.transport == "inprocess":
        rebuild_read_models(settings)
    elif settings.transport == "kafka":
        typer.echo(
            "start the relay and the consumer groups: they publish the restored events to the "
            f"topic {settings.kafka_topic} and rebuild the read models and the search index"
        )
    typer.echo(f"restored every event up to position {manifest.position} (at least)")
    if verify:
        outcome = verify_ledger()
        typer.echo(outcome.report)
        if not outcome.ok:
            typer.echo("jiandu: the restored store does NOT verify", err=True)
            raise typer.Exit(code=1)


def rebuild_read_models(settings: Settings) -> None:
    """Apply every restored event to fresh read models (and the search index), with progress."""
    with build(settings) as platform:
        target = platform.store.position()
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar:
            followers = (("read models", platform.projector), ("search", platform.search))
            for name, follower in followers:
                if follower is None:
                    continue
                task = bar.add_task(f"rebuilding {name}", total=target)

                def advance(reached: Reached, task: TaskID = task) -> None:
                    bar.update(task, completed=reached.position, total=reached.target)

                follower.catch_up(advance)
                bar.update(task, completed=target)
