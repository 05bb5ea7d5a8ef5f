"""The composition root: builds every adapter from one Settings object, once."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from api.clock import SystemClock
from api.ledger_keys import ledger_keys
from api.middleware import IDEMPOTENCY
from api.settings import Settings
from api.ui.links import SIGN_INS
from api.vault import AesGcmVault
from consumers.lag import TransportLag
from consumers.lease import FileLease, Lease, PostgresLease
from consumers.relay import RelayLog
from domain.services import Services
from domain.store import Store
from projections.following import Followers, Runner
from projections.ledger.events import StoreLog
from projections.ledger.follower import LedgerFollower, StoredEvents
from projections.ledger.integrator import CheckpointPolicy, Integrator
from projections.ledger.service import AuditLedger
from projections.ledger.storage import LedgerTables
from projections.queries import ReadModels
from projections.registry import read_models
from projections.rules_config import load_parameters
from projections.search.service import Search
from projections.source import StoreSource
from projections.sql import PostgresViews, SqliteViews, SqlViews
from projections.supervision import Supervision


@dataclass
class Platform:
    """Everything a route, command or consumer needs, wired together."""

    settings: Settings
    clock: SystemClock
    store: Store
    services: Services
    views: SqlViews
    followers: Followers  # everything that follows the log here, with its position record
    reads: ReadModels
    supervision: Supervision
    closers: list[object] = field(default_factory=list)
    transport: TransportLag | None = None  # the Kafka transport's lag, when a broker is set
    search: Search | None = None  # an engine at JIANDU_SEARCH_URL, else the basic search
    ledger: AuditLedger | None = None  # the audit ledger (docs/ledger.md)

    @property
    def projector(self) -> Runner:
        """The runner of the read models."""
        return self.followers["read_models"]

    @property
    def mode(self) -> str:
        """``embedded`` (SQLite) or ``distributed`` (PostgreSQL)."""
        return "embedded" if self.settings.store == "sqlite" else "distributed"

    def close(self) -> None:
        """Stop the followers and release connections."""
        self.supervision.stop()
        self.followers.stop()
        if self.transport is not None:
            self.transport.close()
            if isinstance(self.transport.relay_log.db, PostgresViews):
                self.transport.relay_log.db.close()
        if self.search is not None:
            self.search.close()
        if isinstance(self.views, PostgresViews):
            self.views.close()
        self.store.close()


def build_views(settings: Settings) -> SqlViews:
    """SQLite views beside the embedded store, or a PostgreSQL schema in distributed mode."""
    if settings.store == "sqlite":
        return SqliteViews(str(settings.data_dir / "views.sqlite3"))
    assert settings.postgres_url is not None
    schema = settings.views_schema or f"{settings.postgres_schema or 'jiandu'}_views"
    return PostgresViews(settings.postgres_url, schema=schema)


def build_relay_log(settings: Settings) -> RelayLog:
    """The relay's positions, in the event store's own database (they outlive the views)."""
    if settings.store == "sqlite":
        return RelayLog(SqliteViews(str(settings.data_dir / "events.sqlite3")))
    assert settings.postgres_url is not None
    schema = settings.postgres_schema or "public"
    return RelayLog(PostgresViews(settings.postgres_url, schema=schema, pool_size=2))


def build_lease(settings: Settings, name: str) -> Lease:
    """A named lease only one process holds at a time: an advisory lock in the store's
    PostgreSQL database, or a lock file beside the embedded store."""
    scope = settings.postgres_schema or "public"
    if settings.store == "sqlite":
        return FileLease(settings.data_dir / f"{name.replace(' ', '-')}.lock", name)
    assert settings.postgres_url is not None
    return PostgresLease(settings.postgres_url, f"jiandu {scope} {name}")


def build_transport(settings: Settings, store: Store, views: SqlViews) -> TransportLag | None:
    """Lag of the relay and the consumer groups (connects to the broker only when asked)."""
    if not settings.kafka_bootstrap:
        return None
    prefix = settings.kafka_group_prefix
    roles = ("projector", "indexer", "supervisor", "integrator")
    groups = {role: f"{prefix}-{role}" for role in roles}
    return TransportLag(
        settings.kafka_bootstrap, settings.kafka_topic, groups, store, views,
        build_relay_log(settings),
    )  # fmt: skip


def build_search(settings: Settings, store: Store, views: SqlViews) -> Search:
    """The search engine's index, or the basic search over the views without JIANDU_SEARCH_URL.
    `serve` keeps it current in process unless the Kafka indexer group does (JIANDU_TRANSPORT)."""
    return Search.over(
        store, views, url=settings.search_url, engine=settings.search_engine,
        prefix=settings.search_index_prefix,
        in_process=settings.transport != "kafka",
    )  # fmt: skip


def build_ledger(settings: Settings, store: Store, views: SqlViews) -> AuditLedger | None:
    """The audit ledger over the store, its tables in the views database, and its keys (None
    outside dev/test without a key: nothing then signs or verifies)."""
    keys = ledger_keys(settings)
    if keys is None:
        return None
    events = StoreLog(store)
    policy = CheckpointPolicy(settings.ledger_checkpoint_every, settings.ledger_checkpoint_seconds)
    tables = LedgerTables(views)
    integrator = Integrator(events, tables, keys.signer, policy)
    return AuditLedger(events, tables, keys, integrator, now=time.time)


def build(settings: Settings) -> Platform:
    """Wire the platform (connects to the store and the views)."""
    if settings.store == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    clock = SystemClock(settings.today)
    rules = load_parameters(settings.rules_file)  # fails fast on a bad rules file
    vault = AesGcmVault(settings.seal_key_bytes())
    store = Store(env=settings.eventsourcing_env())
    services = Services.over(store, clock, vault)
    views = build_views(settings)
    views.ensure([IDEMPOTENCY, SIGN_INS])  # SIGN_INS: one-time sign-in links of the pages
    kafka = settings.transport == "kafka"  # then consumer groups apply, this process waits
    source = StoreSource(store)
    projector = read_models(source, views, passive=kafka)
    supervision = Supervision.build(store, views, clock, rules, passive=kafka)
    search = build_search(settings, store, views)
    ledger = build_ledger(settings, store, views)
    followers = Followers([projector, search.runner, supervision.runner])
    if ledger is not None:  # ordered: it follows the store itself in either mode
        integrating = LedgerFollower(ledger.integrator)
        followers.add(Runner(StoredEvents(store), integrating, batch_size=5000, passive=kafka))
    return Platform(
        settings=settings,
        clock=clock,
        store=store,
        services=services,
        views=views,
        followers=followers,
        reads=ReadModels(views, store),
        supervision=supervision,
        transport=build_transport(settings, store, views),
        search=search,
        ledger=ledger,
    )
