"""Signed bearer tokens: ``base64url(claims) "." base64url(HMAC-SHA256(secret, claims))``.

Claims: the subject, the role, an optional unit the token is scoped to, when it was issued
(``iat``), when it expires (``exp``) and a random id (``jti``) a revocation names. Parsing is
strict, so that one token has exactly one spelling: canonical unpadded base64url, claims that
are a JSON object of exactly these keys with integer times, an ``iat`` not in the future and a
lifetime no longer than the configured bound.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from domain.values import CODE_PATTERN

ROLES = ("clerk", "intake", "inspector", "auditor", "lead", "admin")
MAX_TOKEN_LENGTH = 2048
MAX_SUBJECT_LENGTH = 200
CLOCK_SKEW = 60
"""Seconds an ``iat`` may lie ahead of this server's clock (another host issued it)."""
DEFAULT_MAX_TTL = 7 * 86400

_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_JTI = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CLAIMS = frozenset({"sub", "role", "iat", "exp", "jti"})
_OPTIONAL = frozenset({"unit"})


class TokenError(ValueError):
    """The token is malformed, forged, expired or not yet valid."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject and role, and the unit subtree it is limited to."""

    subject: str
    role: str
    unit: str | None = None
    jti: str = ""
    issued_at: int = 0
    expires_at: int = 0


def b64encode(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    """Unpadded base64url, canonical only: anything that would not re-encode to ``text`` fails.

    (The last character of a base64 string carries spare bits; a decoder that ignores them
    accepts several spellings of one value.)
    """
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise TokenError("not canonical base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise TokenError("not canonical base64url") from error
    if b64encode(data) != text:
        raise TokenError("not canonical base64url")
    return data


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, b"jiandu-token\x00" + payload, hashlib.sha256).digest()


def new_jti() -> str:
    """A random token id (128 bits)."""
    return b64encode(secrets.token_bytes(16))


def issue_token(
    secret: str | bytes,
    *,
    subject: str,
    role: str,
    ttl_seconds: int,
    unit: str | None = None,
    now: float | None = None,
    jti: str | None = None,
) -> str:
    """A token for ``subject`` with ``role`` (limited to ``unit``'s subtree when given)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not isinstance(subject, str) or not 1 <= len(subject) <= MAX_SUBJECT_LENGTH:
        raise ValueError(f"subject must be 1 to {MAX_SUBJECT_LENGTH} characters")
    if not subject.isprintable() or subject != subject.strip():
        raise ValueError("subject must be printable text without surrounding spaces")
    if unit is not None and not CODE_PATTERN.fullmatch(unit):
        raise ValueError("unit must be a unit code (1-64 letters, digits, '-', '_' or '.')")
    if not isinstance(ttl_seconds, int) or ttl_seconds <= 0:
        raise ValueError("the lifetime must be a positive number of seconds")
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": subject, "role": role, "iat": issued, "exp": issued + ttl_seconds,
        "jti": jti or new_jti(),
    }  # fmt: skip
    if unit is not None:
        claims["unit"] = unit
    payload = _canonical(claims)
    key = secret.encode() if isinstance(secret, str) else secret
    return f"{b64encode(payload)}.{b64encode(_mac(key, payload))}"


def _no_constants(name: str) -> Any:
    raise TokenError(f"token claims hold {name}")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise TokenError("token claims repeat a key")
    return dict(pairs)


def _claims(payload: bytes) -> dict[str, Any]:
    try:
        claims = json.loads(
            payload.decode("utf-8"),
            object_pairs_hook=_object,
            parse_constant=_no_constants,
            parse_float=lambda text: _no_constants("a fraction"),
        )
    except (ValueError, RecursionError) as error:
        raise TokenError("malformed token claims") from error
    if not isinstance(claims, dict) or not _CLAIMS <= set(claims) <= _CLAIMS | _OPTIONAL:
        raise TokenError("malformed token claims")
    if _canonical(claims) != payload:
        raise TokenError("token claims are not in their one compact spelling")
    return claims


def _canonical(claims: dict[str, Any]) -> bytes:
    return json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()


def _integer(value: Any, name: str) -> int:
    if type(value) is not int or not 0 <= value < 2**40:
        raise TokenError(f"token {name} is not a time")
    return value


def read_token(secret: str | bytes, token: str) -> Principal:
    """The claims of a well-formed token with a good signature, whatever its times say."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise TokenError("malformed token")
    head, mac = token.split(".")
    payload, given = b64decode(head), b64decode(mac)
    key = secret.encode() if isinstance(secret, str) else secret
    if not hmac.compare_digest(given, _mac(key, payload)):
        raise TokenError("bad token signature")
    claims = _claims(payload)
    issued, expires = _integer(claims["iat"], "iat"), _integer(claims["exp"], "exp")
    subject, role, jti = claims["sub"], claims["role"], claims["jti"]
    unit = claims.get("unit")
    if not isinstance(subject, str) or not 1 <= len(subject) <= MAX_SUBJECT_LENGTH:
        raise TokenError("malformed token subject")
    if role not in ROLES:
        raise TokenError("unknown role")
    if not isinstance(jti, str) or not _JTI.match(jti):
        raise TokenError("malformed token id")
    if unit is not None and (not isinstance(unit, str) or not CODE_PATTERN.fullmatch(unit)):
        raise TokenError("malformed token unit")
    return Principal(subject, role, unit, jti, issued, expires)


def verify_token(
    secret: str | bytes,
    token: str,
    now: float | None = None,
    max_ttl: int = DEFAULT_MAX_TTL,
) -> Principal:
    """The principal of a valid token, or TokenError."""
    return within_lifetime(read_token(secret, token), now, max_ttl)


def within_lifetime(who: Principal, now: float | None, max_ttl: int) -> Principal:
    """``who`` if its token's times are good at ``now`` (issued, not expired, not too long)."""
    clock = now if now is not None else time.time()
    if who.issued_at > clock + CLOCK_SKEW:
        raise TokenError("token issued in the future")
    if who.expires_at <= who.issued_at or who.expires_at - who.issued_at > max_ttl:
        raise TokenError("token lifetime is longer than this server allows")
    if who.expires_at < clock:
        raise TokenError("token expired")
    return who
