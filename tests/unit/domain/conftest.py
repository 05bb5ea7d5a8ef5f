"""Fixtures for the domain tests: the embedded SQLite store, a fixed clock, a real vault.

Nothing is faked: the services run over eventsourcing's SQLite recorder in a temporary folder,
the clock is the domain's own FixedClock and the vault is the AES-GCM adapter the API uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from api.vault import AesGcmVault
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.services import Services
from domain.store import Store
from tests.support.domain import TODAY, Refusal, World, build_world, sqlite_env


@pytest.fixture
def clock() -> FixedClock:
    """Today is 2026-11-26, noon UTC; tests move it by hand."""
    return FixedClock.on(TODAY)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite event store in this test's temporary folder."""
    the_store = Store(env=sqlite_env(str(tmp_path / "events.sqlite3")))
    yield the_store
    the_store.close()


@pytest.fixture
def vault() -> AesGcmVault:
    """The AES-GCM vault with a test key."""
    return AesGcmVault.from_secret("test")


@pytest.fixture
def services(store: Store, clock: FixedClock, vault: AesGcmVault) -> Services:
    """Organisation, personnel and complaints over the store."""
    return Services.over(store, clock, vault)


@pytest.fixture
def refused(store: Store) -> Refusal:
    """``with refused(InvariantViolated, match=...):`` -- the command fails and writes nothing."""

    @contextmanager
    def check(
        error: type[DomainError], match: str | None = None
    ) -> Iterator[pytest.ExceptionInfo[DomainError]]:
        before = store.position()
        with pytest.raises(error, match=match) as info:
            yield info
        assert store.position() == before, "a refused command wrote an event"

    return check


@pytest.fixture
def world(services: Services, clock: FixedClock) -> World:
    """The standard organisation and cadre A001 (recruited into T1 on 2020-07-01)."""
    return build_world(services, clock)


@pytest.fixture(scope="session")
def memory_world() -> Callable[[], World]:
    """A factory of fresh worlds on in-memory SQLite (for hypothesis: one per example)."""

    def make() -> World:
        clock = FixedClock.on(TODAY)
        store = Store(env=sqlite_env(":memory:"))
        services = Services.over(store, clock, AesGcmVault.from_secret("test"))
        return build_world(services, clock)

    return make
