"""The composition root: builds every adapter from one Settings object, once."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.clock import SystemClock
from api.middleware import IDEMPOTENCY
from api.settings import Settings
from api.vault import AesGcmVault
from domain.services import Services
from domain.store import Store
from projections.framework import Follower
from projections.queries import ReadModels
from projections.registry import all_projections
from projections.source import StoreSource
from projections.sql import PostgresViews, SqliteViews, SqlViews


@dataclass
class Platform:
    """Everything a route, command or consumer needs, wired together."""

    settings: Settings
    clock: SystemClock
    store: Store
    services: Services
    views: SqlViews
    follower: Follower
    reads: ReadModels
    closers: list[object] = field(default_factory=list)

    @property
    def mode(self) -> str:
        """``embedded`` (SQLite) or ``distributed`` (PostgreSQL)."""
        return "embedded" if self.settings.store == "sqlite" else "distributed"

    def close(self) -> None:
        """Stop the follower and release connections."""
        self.follower.stop()
        if isinstance(self.views, PostgresViews):
            self.views.close()
        self.store.close()


def build_views(settings: Settings) -> SqlViews:
    """SQLite views beside the embedded store, or a PostgreSQL schema in distributed mode."""
    if settings.store == "sqlite":
        return SqliteViews(str(settings.data_dir / "views.sqlite3"))
    assert settings.postgres_url is not None
    schema = f"{settings.postgres_schema or 'jiandu'}_views"
    return PostgresViews(settings.postgres_url, schema=schema)


def build(settings: Settings) -> Platform:
    """Wire the platform (connects to the store and the views)."""
    if settings.store == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    clock = SystemClock(settings.today)
    vault = AesGcmVault(settings.seal_key_bytes())
    store = Store(env=settings.eventsourcing_env())
    services = Services.over(store, clock, vault)
    views = build_views(settings)
    views.ensure([IDEMPOTENCY])
    follower = Follower(StoreSource(store), views, all_projections())
    return Platform(
        settings=settings,
        clock=clock,
        store=store,
        services=services,
        views=views,
        follower=follower,
        reads=ReadModels(views, store),
    )
