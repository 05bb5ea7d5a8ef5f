"""Who is calling and what their role allows: one service that routes, pages and commands call.

Routes reach it through the dependencies of ``api.auth``; a web page or a command calls
:meth:`Access.authenticate` and :meth:`Access.require` itself. Both raise the same two
errors, which the HTTP layer answers 401 and 403.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from api.tokens import ROLES, Principal, TokenError, read_token, within_lifetime
from projections.sql import SqliteViews, SqlViews
from projections.view import Table

READERS = ROLES  # every role may read units and cadres
WORKERS = ("inspector",)  # works complaints and findings (and admin)
OVERSEERS = ("inspector", "auditor")
VERIFIED_TOKENS = 4096
"""How many well-signed tokens ``Access`` remembers (their signature is not checked again)."""

REVOCATIONS = Table(
    "jiandu_token_revocations",
    {
        "kind": "TEXT", "value": "TEXT", "not_after": "BIGINT", "revoked_at": "TEXT",
        "revoked_by": "TEXT", "reason": "TEXT",
    },
    key=("kind", "value"),
)  # fmt: skip


class Unauthenticated(Exception):
    """No token, or one that is malformed, forged, expired or revoked (HTTP 401)."""


class Forbidden(Exception):
    """The caller's role may not do this (HTTP 403)."""


@dataclass(frozen=True)
class Revocation:
    """A revoked token (``kind`` jti) or every token of a subject issued until ``not_after``."""

    kind: str
    value: str
    not_after: int
    revoked_at: str
    revoked_by: str
    reason: str


class Revocations:
    """The revocation list, shared by every API process (it lives in the keys database)."""

    def __init__(self, db: SqlViews | None) -> None:
        self.db = db
        if db is not None:
            db.ensure([REVOCATIONS])

    def revoked(self, who: Principal) -> bool:
        """Whether this token, or every token of its subject issued until then, was revoked."""
        if self.db is None:
            return False
        rows = self.db.query(
            f"SELECT kind FROM {REVOCATIONS.name} WHERE (kind = 'jti' AND value = ?) "
            "OR (kind = 'subject' AND value = ? AND not_after >= ?)",
            [who.jti, who.subject, who.issued_at],
        )
        return bool(rows)

    def revoke(
        self, kind: str, value: str, *, by: str, reason: str, now: int | None = None
    ) -> None:
        """Record a revocation (again: the later one wins)."""
        if self.db is None:
            raise RuntimeError("no revocation list is configured")
        if kind not in ("jti", "subject"):
            raise ValueError("kind must be jti or subject")
        stamp = int(now if now is not None else time.time())
        row = {
            "kind": kind, "value": value, "not_after": stamp,
            "revoked_at": datetime.fromtimestamp(stamp, UTC).isoformat(), "revoked_by": by,
            "reason": reason,
        }  # fmt: skip
        self.db.write({REVOCATIONS: [row]}, {}, {})

    def list(self) -> list[Revocation]:
        """Every revocation, newest first."""
        if self.db is None:
            return []
        rows = self.db.query(f"SELECT * FROM {REVOCATIONS.name} ORDER BY revoked_at DESC")
        return [Revocation(**r) for r in rows]


class Access:
    """Authenticates tokens and checks roles."""

    def __init__(
        self,
        secret: bytes,
        *,
        max_ttl: int,
        revocations: Revocations,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self._clock = clock
        self.max_ttl = max_ttl
        self.revocations = revocations
        self._verified: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def authenticate(self, token: str | None) -> Principal:
        """The principal of a valid, unrevoked token; Unauthenticated otherwise."""
        who = self.verify(token)
        self.not_revoked(who)
        return who

    def verify(self, token: str | None) -> Principal:
        """The principal of a well-formed, well-signed token within its lifetime (no database
        read: :meth:`not_revoked` is the second half of :meth:`authenticate`)."""
        if not token:
            raise Unauthenticated("Authentication required")
        try:
            return within_lifetime(self._read(token), self._clock(), self.max_ttl)
        except TokenError as error:
            raise Unauthenticated(str(error)) from None

    def _read(self, token: str) -> Principal:
        """The claims of a well-signed token, its signature checked once per token (a bounded
        cache keyed by the token itself; its times are checked on every use, by the caller)."""
        with self._lock:
            who = self._verified.get(token)
        if who is not None:
            return who
        who = read_token(self._secret, token)  # TokenError for a forged or malformed one
        with self._lock:
            if len(self._verified) >= VERIFIED_TOKENS:
                del self._verified[next(iter(self._verified))]  # the oldest one
            self._verified[token] = who
        return who

    def not_revoked(self, who: Principal) -> None:
        """Unauthenticated if the token, or every token of its subject, was revoked."""
        if self.revocations.revoked(who):
            raise Unauthenticated("token revoked")

    @property
    def reads_inline(self) -> bool:
        """Whether the revocation check is a local SQLite read (cheaper on the event loop than
        a hop to a worker thread) rather than a database round trip."""
        return self.revocations.db is None or isinstance(self.revocations.db, SqliteViews)

    @staticmethod
    def require(who: Principal, roles: Iterable[str], *, admin: bool = True) -> Principal:
        """``who`` if their role is one of ``roles`` (admin too, unless ``admin`` is False:
        a second person's approval is a lead's only); Forbidden otherwise."""
        allowed = set(roles) | ({"admin"} if admin else set())
        if who.role not in allowed:
            raise Forbidden(
                f"role {who.role} may not do this (needs {' or '.join(sorted(allowed))})"
            )
        return who
