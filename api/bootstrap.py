"""The composition root: builds every adapter from one Settings object, once.

Every entry point wires its parts here: `jiandu serve` and the CLI commands get a
:class:`Platform`; `jiandu relay` a relay (:func:`build_relay`); each `jiandu consume` group a
member around one of the platform's followers (:func:`build_member`). Whatever they open is
registered on an exit stack as it is made and closed in reverse order, on success or failure.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from api.access import Access, Revocations
from api.access_log import AccessLog
from api.clock import SystemClock
from api.cursors import Cursors
from api.ledger_keys import ledger_keys
from api.ratelimit import RateLimits
from api.scope import NeedToKnow
from api.secrets import private_folder, seal_keys, token_secret
from api.settings import Settings
from api.ui.links import SIGN_INS
from api.vault import AesGcmVault, SqlDataKeys
from consumers.connection import KafkaSecurity
from consumers.deadletter import DeadLetters
from consumers.following import FollowerSink
from consumers.lag import TransportLag
from consumers.lease import FileLease, Lease, PostgresLease
from consumers.loop import GroupConsumer
from consumers.relay import Relay, RelayLog, new_producer
from domain.services import Services
from domain.store import Store
from projections.campaigns import CampaignDesk, CampaignReads
from projections.checks import PreDecision
from projections.following import Followers, Runner
from projections.ledger.events import StoreLog
from projections.ledger.follower import LedgerFollower, StoredEvents
from projections.ledger.integrator import CheckpointPolicy, Integrator
from projections.ledger.service import AuditLedger
from projections.ledger.storage import LedgerTables
from projections.queries import ReadModels
from projections.registry import read_models
from projections.reports import Reports
from projections.rules_config import load_parameters
from projections.search.service import Search
from projections.source import StoreSource
from projections.sql import PostgresViews, SqliteViews, SqlViews
from projections.supervision import Supervision
from projections.teams import TeamStatistics


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
    access: Access  # tokens, roles, revocations
    vault: AesGcmVault  # sealed identities, receipt fingerprints, kept answers
    cursors: Cursors  # signed list cursors
    rate_limits: RateLimits  # the public intake's allowance per client, shared by processes
    access_log: AccessLog  # who read which record, when and why
    scope: NeedToKnow  # what a unit-scoped token may see
    resources: ExitStack = field(default_factory=ExitStack)  # closed in reverse order of opening
    transport: TransportLag | None = None  # the Kafka transport's lag, when a broker is set
    search: Search | None = None  # an engine at JIANDU_SEARCH_URL, else the basic search
    ledger: AuditLedger | None = None  # the audit ledger (docs/ledger.md)
    keys_db: SqlViews | None = None  # wrapped data keys, revocations, shared rate limits

    @property
    def projector(self) -> Runner:
        """The runner of the read models."""
        return self.followers["read_models"]

    @cached_property
    def teams(self) -> TeamStatistics:
        """Township team statistics (``/units/{code}/team``, the township-teams report)."""
        return TeamStatistics(self.supervision.evaluator, self.views)

    @cached_property
    def checks(self) -> PreDecision:
        """Pre-decision checks (``POST /checks``)."""
        return PreDecision(
            self.store, self.services.personnel, self.supervision.evaluator, self.clock
        )

    @cached_property
    def reports(self) -> Reports:
        """The reports (``/reports/{name}``, ``jiandu report``)."""
        return Reports(self.views, self.teams, self.supervision.evaluator)

    @cached_property
    def campaigns(self) -> CampaignDesk:
        """Cleanup campaigns: opening, progress, closing."""
        reads = CampaignReads(self.views)
        return CampaignDesk(self.services.campaigns, reads, self.clock.today)

    @property
    def mode(self) -> str:
        """``embedded`` (SQLite) or ``distributed`` (PostgreSQL)."""
        return "embedded" if self.settings.store == "sqlite" else "distributed"

    def close(self) -> None:
        """Stop the followers and release every connection, the last opened first."""
        self.resources.close()

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


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


def kafka_security(settings: Settings) -> KafkaSecurity:
    """How every Kafka client of this process reaches the brokers (TLS, SASL)."""
    password = settings.kafka_sasl_password

    def path(value: Path | None) -> str | None:
        return str(value) if value is not None else None

    return KafkaSecurity(
        protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        username=settings.kafka_sasl_username,
        password=password.get_secret_value() if password is not None else None,
        cafile=path(settings.kafka_ssl_cafile),
        certfile=path(settings.kafka_ssl_certfile),
        keyfile=path(settings.kafka_ssl_keyfile),
    )


def build_transport(
    settings: Settings, store: Store, views: SqlViews, resources: ExitStack
) -> TransportLag | None:
    """Lag of the relay and the consumer groups (connects to the broker only when asked)."""
    if not settings.kafka_bootstrap:
        return None
    prefix = settings.kafka_group_prefix
    roles = ("projector", "indexer", "supervisor", "integrator")
    groups = {role: f"{prefix}-{role}" for role in roles}
    relay_log = build_relay_log(settings)
    resources.callback(relay_log.close)
    transport = TransportLag(
        settings.kafka_bootstrap, settings.kafka_topic, groups, store, views, relay_log,
        committed_in_kafka=[groups["integrator"]],  # it reads the store: the topic only wakes it
        security=kafka_security(settings),
    )  # fmt: skip
    resources.callback(transport.close)
    return transport


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


def build_keys_db(settings: Settings) -> SqlViews:
    """The database of the security tables (wrapped data keys and the like): a SQLite file of
    its own in embedded mode, the event store's schema in distributed mode. The access log
    commits here on the event loop, so its write-ahead log is checkpointed by a thread of its
    own (every 100 commits, ~4 MiB of log) instead of inside a commit."""
    if settings.store == "sqlite":
        return SqliteViews(str(settings.data_dir / "keys.sqlite3"), checkpoint_every=100)
    assert settings.postgres_url is not None
    schema = settings.postgres_schema or "public"
    return PostgresViews(settings.postgres_url, schema=schema, pool_size=2)


def build_vault(settings: Settings, keys_db: SqlViews) -> AesGcmVault:
    """Reporters' identities sealed under JIANDU_SEAL_KEY (generated in dev), data keys in SQL."""
    key, previous = seal_keys(settings)
    return AesGcmVault(key, SqlDataKeys(keys_db), previous)


def build_rate_limits(settings: Settings, keys_db: SqlViews) -> RateLimits:
    """The public intake's allowance per client, counted under keyed hashes of addresses."""
    return RateLimits(
        keys_db,
        settings.public_rate_limit,
        settings.public_rate_window,
        key=token_secret(settings),
    )


def build_access(settings: Settings, keys_db: SqlViews) -> Access:
    """Token checks with JIANDU_SECRET (generated in dev), the lifetime bound and revocations."""
    return Access(
        token_secret(settings), max_ttl=settings.token_max_ttl, revocations=Revocations(keys_db)
    )


def build(settings: Settings) -> Platform:
    """Wire the platform (connects to the store and the views); close it, or use it in a
    ``with`` block."""
    resources = ExitStack()
    try:
        return _build(settings, resources)
    except BaseException:
        resources.close()
        raise


def _build(settings: Settings, resources: ExitStack) -> Platform:
    if settings.store == "sqlite":
        private_folder(settings.data_dir)
    clock = SystemClock(settings.today)
    rules = load_parameters(settings.rules_file)  # fails fast on a bad rules file
    keys_db = build_keys_db(settings)
    resources.callback(keys_db.close)
    vault = build_vault(settings, keys_db)
    store = Store(env=settings.eventsourcing_env())
    resources.callback(store.close)
    services = Services.over(store, clock, vault)
    views = build_views(settings)
    resources.callback(views.close)
    views.ensure([SIGN_INS])  # one-time sign-in links of the pages
    kafka = settings.transport == "kafka"  # then consumer groups apply, this process waits
    source = StoreSource(store)
    projector = read_models(source, views, passive=kafka)
    supervision = Supervision.build(store, views, clock, rules, passive=kafka)
    search = build_search(settings, store, views)
    resources.callback(search.close)
    ledger = build_ledger(settings, store, views)
    followers = Followers([projector, search.runner, supervision.runner])
    if ledger is not None:  # ordered: it follows the store itself in either mode
        integrating = LedgerFollower(ledger.integrator)
        followers.add(Runner(StoredEvents(store), integrating, batch_size=5000, passive=kafka))
    transport = build_transport(settings, store, views, resources)
    resources.callback(followers.stop)  # pushed last: stopped first, before what they use
    resources.callback(supervision.stop)
    return Platform(
        settings=settings,
        clock=clock,
        store=store,
        services=services,
        views=views,
        followers=followers,
        reads=ReadModels(views, store),
        supervision=supervision,
        resources=resources,
        transport=transport,
        search=search,
        ledger=ledger,
        keys_db=keys_db,
        access=build_access(settings, keys_db),
        vault=vault,
        cursors=Cursors(token_secret(settings)),
        rate_limits=build_rate_limits(settings, keys_db),
        access_log=AccessLog(keys_db),
        scope=NeedToKnow(views),
    )


def build_relay(settings: Settings, resources: ExitStack, batch_size: int = 2000) -> Relay:
    """`jiandu relay`: the store, the relay's position log and a producer, registered on
    ``resources`` to be closed."""
    assert settings.kafka_bootstrap is not None
    bootstrap, security = settings.kafka_bootstrap, kafka_security(settings).options()
    if settings.store == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(env=settings.eventsourcing_env())
    resources.callback(store.close)
    relay_log = build_relay_log(settings)
    resources.callback(relay_log.close)
    relay = Relay(
        store, lambda: new_producer(bootstrap, **security), relay_log, topic=settings.kafka_topic,
        batch_size=batch_size,
    )  # fmt: skip
    resources.callback(relay.close)
    return relay


GROUPS = {"projector": "read_models", "indexer": "search", "supervisor": "supervision"}
"""Each consumer group and the follower it feeds (the same follower `jiandu serve` runs in
process with JIANDU_TRANSPORT=inprocess)."""


def build_member(platform: Platform, role: str, batch_size: int) -> GroupConsumer:
    """One member of a consumer group feeding one of the platform's followers (its dead
    letters are closed when the member stops)."""
    settings = platform.settings
    assert settings.kafka_bootstrap is not None
    bootstrap, security = settings.kafka_bootstrap, kafka_security(settings).options()
    follower = platform.followers[GROUPS[role]].follower
    group = f"{settings.kafka_group_prefix}-{role}"
    gate = platform.supervision.gate if role == "supervisor" else None
    sink = FollowerSink(follower, platform.views, platform.store, group, gate)
    dead_letters = DeadLetters(
        lambda: new_producer(bootstrap, **security), settings.kafka_topic, group
    )
    return GroupConsumer(
        bootstrap, settings.kafka_topic, sink, dead_letters, batch_size=batch_size, **security
    )
