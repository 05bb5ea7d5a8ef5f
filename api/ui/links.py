"""One-time sign-in links (``jiandu ui link``), so that no long-lived token travels in a URL.

A link carries a code: the claims (subject, role, how long the session lasts), a random nonce
and a ten-minute expiry, signed with the secret under its own purpose (a code is not a token, and
a token is not a code). Redeeming it records the nonce in the views database, once: a second
redemption, an expired or an altered code signs nobody in. The session token is made only when
the code is redeemed, so a code that lands in a log or a shell history is worth nothing after
its first use or its ten minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from api.auth import ROLES, issue_token
from projections.sql import SqlViews
from projections.view import Table

LINK_TTL_SECONDS = 600
SIGN_INS = Table(
    "ui_sign_in_links", {"nonce": "TEXT", "subject": "TEXT", "redeemed_at": "TEXT"}, key=("nonce",)
)


class LinkError(ValueError):
    """The code is altered, expired or used already."""


@dataclass(frozen=True)
class LinkClaims:
    """Who a link signs in, for how long, and until when it may be redeemed."""

    subject: str
    role: str
    session_seconds: int
    expires: float
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), b"jiandu-sign-in-link\x00" + payload, hashlib.sha256).digest()


def make_code(
    secret: str, *, subject: str, role: str, session_seconds: int, now: float | None = None
) -> str:
    """A one-time code signing ``subject`` in as ``role`` for ``session_seconds``."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not subject or len(subject) > 200:
        raise ValueError("subject must be 1 to 200 characters")
    issued = now if now is not None else time.time()
    claims = {
        "sub": subject, "role": role, "ses": session_seconds,
        "exp": int(issued) + LINK_TTL_SECONDS, "n": secrets.token_urlsafe(16),
    }  # fmt: skip
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def read_code(secret: str, code: str, now: float | None = None) -> LinkClaims:
    """The claims of a genuine, unexpired code (whether it was used is for ``redeem``)."""
    try:
        head, mac = code.split(".")
        payload, given = _unb64(head), _unb64(mac)
    except (ValueError, TypeError) as error:
        raise LinkError("这个登录链接不完整或已被改动。") from error
    if not hmac.compare_digest(given, _mac(secret, payload)):
        raise LinkError("这个登录链接不完整或已被改动。")
    try:
        c = json.loads(payload)
        claims = LinkClaims(str(c["sub"]), str(c["role"]), int(c["ses"]), float(c["exp"]),
                            str(c["n"]))  # fmt: skip
    except (ValueError, KeyError, TypeError) as error:
        raise LinkError("这个登录链接不完整或已被改动。") from error
    if claims.expires < (now if now is not None else time.time()):
        raise LinkError("这个登录链接已过期（有效期10分钟），请重新生成。")
    return claims


def redeem(views: SqlViews, secret: str, code: str) -> tuple[LinkClaims, str]:
    """Use a code once: its claims and a fresh session token; LinkError when it cannot be."""
    claims = read_code(secret, code)
    mark = views.placeholder  # the table is made with the platform (bootstrap), not here:
    # a schema read before the insert would make this a read-then-write transaction, which
    # SQLite refuses at once (no busy wait) while the views are being written.
    with views.transaction() as cur:
        cur.execute(
            f"INSERT INTO {SIGN_INS.name} (nonce, subject, redeemed_at) "
            f"VALUES ({mark}, {mark}, {mark}) ON CONFLICT (nonce) DO NOTHING",
            [claims.nonce, claims.subject, datetime.now(UTC).isoformat()],
        )
        first = cur.rowcount == 1
    if not first:
        raise LinkError("这个登录链接已经用过了（每个链接只能使用一次），请重新生成。")
    token = issue_token(
        secret, subject=claims.subject, role=claims.role, ttl_seconds=claims.session_seconds
    )
    return claims, token
