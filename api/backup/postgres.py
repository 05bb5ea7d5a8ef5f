"""Backup and restore of the distributed mode: `pg_dump`/`pg_restore` of the event store.

Two `pg_dump` runs read one exported snapshot, so the event store's schema (events, tracking,
relay positions, idempotency keys, data keys, revocations, and the recorder's types and
functions) and the kept read-model tables are mutually consistent. The read models, the search
index and the ledger's tree are rebuilt after a restore, so only the kept tables of the views
schema are dumped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg

from api.backup import KEPT_VIEW_TABLES
from api.backup.manifest import BackupError, Manifest
from api.settings import parse_postgres_url

DUMP = "store.dump"
KEPT = "kept.dump"


def client(name: str, pg_bin: Path | None) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore)."""
    found = str(pg_bin / name) if pg_bin else shutil.which(name)
    if not found or not Path(found).is_file():
        raise BackupError(
            f"{name} not found: install the PostgreSQL client (apt-get install "
            "postgresql-client, of the server's major version or newer) or give --pg-bin"
        )
    return found


def connection_args(url: str) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment of a client; the password never on the line."""
    parts = parse_postgres_url(url)
    args = [
        f"--host={parts['POSTGRES_HOST']}", f"--port={parts['POSTGRES_PORT']}",
        f"--username={parts['POSTGRES_USER']}", f"--dbname={parts['POSTGRES_DBNAME']}",
    ]  # fmt: skip
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if parts["POSTGRES_PASSWORD"]:
        env["PGPASSWORD"] = parts["POSTGRES_PASSWORD"]
    return args, env


def tables_in(url: str, schema: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        ).fetchall()
    return {row[0] for row in rows}


def back_up(
    url: str, schema: str, views_schema: str, folder: Path, release: str, pg_bin: Path | None
) -> Manifest:
    """Dump the store's schema (whole: tables, sequences, types, functions) and the kept
    read-model tables, both from one exported snapshot."""
    if not tables_in(url, schema):
        raise BackupError(f"schema {schema} holds no event store (JIANDU_POSTGRES_SCHEMA)")
    kept = sorted(set(KEPT_VIEW_TABLES) & tables_in(url, views_schema))
    manifest = Manifest(mode="distributed", release=release, position=0)
    manifest.schemas = {"store": schema, "views": views_schema}
    manifest.kept_tables = kept
    with psycopg.connect(url) as holder:
        # The snapshot lives while this transaction is open: both dumps read exactly it.
        holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = holder.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        snapshot = str(row[0])
        position = holder.execute(
            f'SELECT coalesce(max(notification_id), 0) FROM "{schema}".jiandu_events'
        ).fetchone()
        manifest.position = int(position[0]) if position else 0
        dump(url, pg_bin, snapshot, folder / DUMP, [f"--schema={schema}"])
        manifest.add(folder, DUMP)
        if kept:
            tables = [f"--table={views_schema}.{name}" for name in kept]
            dump(url, pg_bin, snapshot, folder / KEPT, tables)
            manifest.add(folder, KEPT)
        holder.rollback()
    return manifest


def dump(url: str, pg_bin: Path | None, snapshot: str, target: Path, what: list[str]) -> None:
    args, env = connection_args(url)
    dumped = subprocess.run(
        [client("pg_dump", pg_bin), "--format=custom", "--no-owner", "--no-privileges",
         f"--snapshot={snapshot}", f"--file={target}", *what, *args],
        env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    if dumped.returncode != 0:
        raise BackupError(f"pg_dump failed: {dumped.stderr.strip()}")


def refuse_unless_empty(url: str, manifest: Manifest, schema: str, views_schema: str) -> None:
    """Restore only into the backup's schemas, and only where they hold no tables yet."""
    wanted = manifest.schemas
    if (schema, views_schema) != (wanted["store"], wanted["views"]):
        raise BackupError(
            f"this backup holds schemas {wanted['store']} and {wanted['views']}: set "
            f"JIANDU_POSTGRES_SCHEMA={wanted['store']} and JIANDU_VIEWS_SCHEMA="
            f"{wanted['views']} (and restore into a database where they are empty)"
        )
    for name in (schema, views_schema):
        present = objects_in(url, name)
        if present:
            raise BackupError(
                f"schema {name} already holds {present} objects: restore only into empty "
                f"schemas (DROP SCHEMA {name} CASCADE, after making sure it is the one to go)"
            )


def objects_in(url: str, schema: str) -> int:
    """Tables, sequences, types and functions in a schema (0 when it does not exist)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid)"
            " + (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid)"
            " + (SELECT count(*) FROM pg_type t WHERE t.typnamespace = n.oid"
            "    AND t.typtype <> 'b' AND NOT EXISTS"
            "    (SELECT 1 FROM pg_class r WHERE r.reltype = t.oid))"
            " FROM pg_namespace n WHERE n.nspname = %s",
            [schema],
        ).fetchone()
    return int(row[0]) if row else 0


def restore(
    folder: Path, manifest: Manifest, url: str, schema: str, views_schema: str,
    pg_bin: Path | None,
) -> None:  # fmt: skip
    """pg_restore into empty schemas, each dump in one transaction; the relay starts again."""
    refuse_unless_empty(url, manifest, schema, views_schema)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}"')  # empty (checked): the dump makes it
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{views_schema}"')
    pg_restore(url, pg_bin, folder / DUMP)
    if KEPT in manifest.files:
        pg_restore(url, pg_bin, folder / KEPT)
    forget_relay_positions(url, schema)


def pg_restore(url: str, pg_bin: Path | None, dump_file: Path) -> None:
    args, env = connection_args(url)
    restored = subprocess.run(
        [client("pg_restore", pg_bin), "--exit-on-error", "--single-transaction",
         "--no-owner", "--no-privileges", *args, str(dump_file)],
        env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    if restored.returncode != 0:
        raise BackupError(f"pg_restore of {dump_file.name} failed: {restored.stderr.strip()}")


def forget_relay_positions(url: str, schema: str) -> None:
    """A restored store is published again from its first event, to a new or empty topic."""
    if "relay_positions" in tables_in(url, schema):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DELETE FROM "{schema}".relay_positions')
