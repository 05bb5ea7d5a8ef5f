"""`jiandu migrate`: make every table, topic and index the platform needs, once, before its
parts start; `jiandu migrate --check` waits until that was done for this release."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Annotated, TypeVar

import psycopg
import typer
from kafka.errors import KafkaError

from api import __version__
from api.bootstrap import build, build_lease, build_relay_log, kafka_security
from api.commands.common import settings_or_exit
from api.logging import configure_logging
from api.settings import Settings
from consumers.lease import acquire
from consumers.topics import create_topics
from projections.sql import SqlViews
from projections.view import Table

log = logging.getLogger("jiandu.setup")

SETUP = Table("setup_versions", {"name": "TEXT", "version": "TEXT"}, key=("name",))
UNREACHABLE = (psycopg.OperationalError, OSError, KafkaError)
T = TypeVar("T")

Wait = Annotated[
    float, typer.Option(help="Seconds to wait for the servers (and, with --check, the setup).")
]


def version_key(version: str) -> tuple[int, ...]:
    """A release version as comparable numbers (`0.2.10` > `0.2.9`; local parts ignored)."""
    numbers = []
    for part in version.split("+")[0].split("."):
        digits = "".join(c for c in part if c.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers)


def recorded_version(db: SqlViews) -> str | None:
    """The release whose setup ran last (None before the first)."""
    db.ensure([SETUP])
    rows = db.query(f"SELECT version FROM {SETUP.name} WHERE name = ?", ["jiandu"])
    return str(rows[0]["version"]) if rows else None


def patiently(work: Callable[[], T], wait: float, what: str) -> T:
    """Run ``work``, retrying while the servers do not answer, for up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return work()
        except UNREACHABLE as error:
            if time.monotonic() >= deadline:
                raise
            log.info("%s: a server does not answer yet (%s); retrying", what, error)
            time.sleep(2)


def set_up(settings: Settings) -> list[str]:
    """Every table, topic and index, idempotently; returns what was done, line by line."""
    done = []
    if settings.store == "postgres" and settings.postgres_schema:
        assert settings.postgres_url is not None
        with psycopg.connect(settings.postgres_url, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{settings.postgres_schema}"')
    with build(settings) as platform:  # the store's tables, the read models', the supervision's
        done.append(f"event store and read models ready at position {platform.store.position()}")
        if platform.search is not None:
            platform.search.index.ensure()
            done.append(f"search index ready ({platform.search.engine})")
    relay_log = build_relay_log(settings)
    try:
        relay_log.db.ensure([SETUP])
        if settings.kafka_bootstrap:
            outcome = create_topics(
                settings.kafka_bootstrap, settings.kafka_topic,
                partitions=settings.kafka_partitions,
                retention_hours=settings.kafka_retention_hours,
                replication_factor=settings.kafka_replication_factor,
                security=kafka_security(settings),
            )  # fmt: skip
            done += [f"topic {name}: {result}" for name, result in outcome.items()]
        relay_log.db.write({SETUP: [{"name": "jiandu", "version": __version__}]}, {}, {})
        done.append(f"setup recorded for release {__version__}")
    finally:
        relay_log.close()
    return done


def migrate(
    check: Annotated[
        bool, typer.Option("--check", help="Only wait until this release's setup was done.")
    ] = False,
    wait: Wait = 0.0,
) -> None:
    """Create the store's and read models' tables, the Kafka topics and the search index
    (idempotent; one process at a time). Run before the parts start, and after each upgrade."""
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    if check:
        raise typer.Exit(code=0 if await_setup(settings, wait) else 1)
    lease = build_lease(settings, "migrate")
    stop = threading.Event()
    if not patiently(lambda: acquire(lease, stop), wait, "migrate"):
        raise typer.Exit(code=1)
    try:
        for line in patiently(lambda: set_up(settings), wait, "migrate"):
            typer.echo(line)
    finally:
        lease.release()


def await_setup(settings: Settings, wait: float) -> bool:
    """Whether this release's setup (or a later one's) is recorded, waiting up to ``wait``."""
    deadline = time.monotonic() + wait
    mine = version_key(__version__)
    while True:
        found = None
        try:
            relay_log = build_relay_log(settings)
            try:
                found = recorded_version(relay_log.db)
            finally:
                relay_log.close()
        except UNREACHABLE as error:
            log.info("migrate --check: the store does not answer yet (%s)", error)
        if found is not None and version_key(found) >= mine:
            typer.echo(f"setup of release {found} found (this is {__version__})")
            return True
        if time.monotonic() >= deadline:
            typer.echo(
                f"jiandu: the setup of release {__version__} has not run "
                f"(found {found or 'none'}); run `jiandu migrate`",
                err=True,
            )
            return False
        time.sleep(2)
