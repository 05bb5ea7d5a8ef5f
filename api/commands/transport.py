"""`jiandu relay`, `jiandu consume projector|indexer|supervisor` and `jiandu topics create`."""

from __future__ import annotations

import logging
import signal
import threading
from contextlib import ExitStack
from typing import Annotated, Any

import typer

from api.bootstrap import build, build_lease, build_member, build_relay, kafka_security
from api.commands.audit import ledger_of
from api.commands.common import settings_or_exit
from api.logging import configure_logging
from api.settings import Settings
from consumers.integrator import IntegratorMember
from consumers.lease import acquire, watch
from consumers.topics import create_topics

log = logging.getLogger("jiandu.consumers")

relay_app = typer.Typer(help="Publish the event store's events to Kafka.")
consume_app = typer.Typer(help="Run a Kafka consumer group.", no_args_is_help=True)
topics_app = typer.Typer(help="Kafka topics.", no_args_is_help=True)

BatchSize = Annotated[int, typer.Option(help="Messages per batch.", min=1)]


def kafka_settings() -> Settings:
    """Settings that name a broker, or exit 2."""
    settings = settings_or_exit()
    if not settings.kafka_bootstrap:
        typer.echo("jiandu: JIANDU_KAFKA_BOOTSTRAP is not set (host:port of a broker)", err=True)
        raise typer.Exit(code=2)
    configure_logging(settings.log_level)
    return settings


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: the loop finishes its batch, commits and closes."""
    stop = threading.Event()

    def handle(signum: int, frame: Any) -> None:
        log.info("signal %s: stopping after the current batch", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


@relay_app.callback(invoke_without_command=True)
def relay(
    batch_size: BatchSize = 2000,
    interval: Annotated[float, typer.Option(help="Seconds between polls when idle.")] = 0.2,
    lease_check: Annotated[
        float, typer.Option(help="Seconds between checks that this relay still leads.")
    ] = 5.0,
) -> None:
    """Follow the store and publish every event to the topic (key: aggregate id). One relay
    per topic publishes at a time; others stand by until it stops."""
    settings = kafka_settings()
    # Leader safety: a standby waits here while another relay of this topic holds the lease;
    # a relay that loses it (its database session ended) stops after the current batch.
    stop, lost = stop_on_signals(), threading.Event()
    lease = build_lease(settings, f"relay {settings.kafka_topic}")
    if not acquire(lease, stop):
        return
    watch(lease, stop, lost, every_s=lease_check)
    with ExitStack() as resources:
        resources.callback(lease.release)
        relay = build_relay(settings, resources, batch_size)
        log.info("relay to %s from position %s", relay.topic, relay.log.position(relay.topic))
        relay.run(stop, interval=interval)
    if lost.is_set():
        raise typer.Exit(code=1)


def consume(role: str, batch_size: int) -> None:
    """Run one member of a group (the platform's follower, fed from the topic) until SIGTERM;
    exit 1 if it gives up."""
    with build(kafka_settings()) as platform:
        member = build_member(platform, role, batch_size)
        try:
            member.run(stop_on_signals())
        except Exception as error:
            log.exception("%s gave up", member.sink.group)
            raise typer.Exit(code=1) from error
        log.info("%s stopped after %d events", member.sink.group, member.applied)


@consume_app.command()
def projector(batch_size: BatchSize = 1000) -> None:
    """Apply events to the read models; offsets are stored in the same transaction."""
    consume("projector", batch_size)


@consume_app.command()
def indexer(batch_size: BatchSize = 500) -> None:
    """Index events in the search index (idempotent by document id and external version)."""
    consume("indexer", batch_size)


@consume_app.command()
def supervisor(batch_size: BatchSize = 500) -> None:
    """Pass events to the supervision process, which records findings (idempotently)."""
    consume("supervisor", batch_size)


@consume_app.command()
def integrator(
    lease_check: Annotated[
        float, typer.Option(help="Seconds between checks that this member still integrates.")
    ] = 5.0,
) -> None:
    """Append every stored event to the audit ledger and sign its checkpoints (woken by the
    topic; reads the store in position order). One member integrates; others stand by."""
    settings = kafka_settings()
    assert settings.kafka_bootstrap is not None
    stop, lost = stop_on_signals(), threading.Event()
    lease = build_lease(settings, "ledger integrator")
    if not acquire(lease, stop):
        return
    watch(lease, stop, lost, every_s=lease_check)
    with ExitStack() as resources:
        resources.callback(lease.release)
        platform = resources.enter_context(build(settings))
        ledger = ledger_of(platform, signing=True)
        member = IntegratorMember(
            settings.kafka_bootstrap, settings.kafka_topic, ledger.integrator,
            group=f"{settings.kafka_group_prefix}-integrator",
            **kafka_security(settings).options(),
        )  # fmt: skip
        member.run(stop)
        log.info("%s stopped after %d events", member.group, member.appended)
    if lost.is_set():
        raise typer.Exit(code=1)


@topics_app.command()
def create(
    partitions: Annotated[
        int | None, typer.Option(help="Partitions [JIANDU_KAFKA_PARTITIONS].", min=1)
    ] = None,
    retention_hours: Annotated[
        int | None,
        typer.Option(help="Retention; negative keeps for ever [JIANDU_KAFKA_RETENTION_HOURS]."),
    ] = None,
) -> None:
    """Create the event topic and its dead-letter topic."""
    settings = kafka_settings()
    assert settings.kafka_bootstrap is not None
    outcome = create_topics(
        settings.kafka_bootstrap,
        settings.kafka_topic,
        partitions=partitions or settings.kafka_partitions,
        retention_hours=settings.kafka_retention_hours
        if retention_hours is None
        else retention_hours,
        replication_factor=settings.kafka_replication_factor,
        security=kafka_security(settings),
    )
    for name, result in outcome.items():
        typer.echo(f"{name}: {result}")
