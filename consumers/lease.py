"""Leases: at most one process at a time does a thing (publishes as the relay, migrates).

In distributed mode a lease is a PostgreSQL session-level advisory lock, held on a connection
of its own for as long as the holder works: the server releases it the moment that session
ends, so a crashed, killed or partitioned holder loses it, and a standby takes over. In
embedded mode it is an exclusive ``flock`` on a file beside the store, which the kernel
releases when the holder's process ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import IO, Any, Protocol

import psycopg

log = logging.getLogger("jiandu.consumers")


class Lease(Protocol):
    """Exclusive, named, and lost with the process (or the session) that holds it."""

    name: str

    def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True when held by us afterwards."""
        ...

    def held(self) -> bool:
        """Whether we still hold it (for a database lease: its session is still alive)."""
        ...

    def release(self) -> None:
        """Give it up (idempotent)."""
        ...


def lock_key(name: str) -> int:
    """The signed 64-bit advisory lock key of a lease name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresLease:
    """A session-level advisory lock on a dedicated connection."""

    def __init__(self, url: str, name: str, *, keepalive_s: int = 10) -> None:
        self.url = url
        self.name = name
        self.key = lock_key(name)
        self.keepalive_s = keepalive_s
        self._connection: psycopg.Connection[Any] | None = None

    def _connect(self) -> psycopg.Connection[Any]:
        # TCP keepalives: a holder cut off from the server notices within about
        # 3 × keepalive_s, as the server drops its session (and the lock) in about as long.
        return psycopg.connect(
            self.url,
            autocommit=True,
            application_name=f"jiandu pid {os.getpid()} lease {self.name}"[:63],
            keepalives=1,
            keepalives_idle=self.keepalive_s,
            keepalives_interval=self.keepalive_s,
            keepalives_count=3,
            connect_timeout=10,
        )

    def try_acquire(self) -> bool:
        if self.held():
            return True
        self.release()
        connection = self._connect()
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
        if row is not None and row[0]:
            self._connection = connection
            return True
        connection.close()
        return False

    def held(self) -> bool:
        if self._connection is None or self._connection.closed:
            return False
        try:
            row = self._connection.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND objid = (%s::bigint & 4294967295)::oid"
                " AND classid = ((%s::bigint >> 32) & 4294967295)::oid",
                [self.key, self.key],
            ).fetchone()
        except psycopg.Error:
            log.warning("lease %s: its database session is gone", self.name)
            return False
        return row is not None and row[0] == 1

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            with contextlib.suppress(psycopg.Error):  # a session that is gone took the lock
                connection.execute("SELECT pg_advisory_unlock(%s)", [self.key])
            connection.close()


class FileLease:
    """An exclusive ``flock`` on a lock file (embedded mode: processes of one machine)."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def acquire(lease: Lease, stop: threading.Event, retry_s: float = 2.0) -> bool:
    """Wait until the lease is ours (True) or ``stop`` is set (False); a standby waits here."""
    announced = False
    while not stop.is_set():
        try:
            if lease.try_acquire():
                log.info("lease %s acquired", lease.name)
                return True
        except psycopg.OperationalError as error:
            log.warning("lease %s: database unreachable (%s); retrying", lease.name, error)
        if not announced:
            log.info("lease %s is held by another process; standing by", lease.name)
            announced = True
        stop.wait(retry_s)
    return False


def watch(lease: Lease, stop: threading.Event, lost: threading.Event, every_s: float) -> None:
    """Check the lease every ``every_s`` seconds; if it is lost, set ``lost`` and ``stop``."""

    def check() -> None:
        while not stop.wait(every_s):
            if not lease.held():
                log.error("lease %s lost: stopping after the current batch", lease.name)
                lost.set()
                stop.set()

    threading.Thread(target=check, name=f"lease {lease.name}", daemon=True).start()
