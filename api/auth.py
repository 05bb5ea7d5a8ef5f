"""Signed bearer tokens with roles, and the dependencies routes use to require them.

A token is ``base64url(claims JSON) "." base64url(HMAC-SHA256(secret, claims))``; claims hold
the subject, the role, when it was issued and when it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

ROLES = ("clerk", "intake", "inspector", "auditor", "admin")
READERS = ROLES  # every role may read units and cadres
WORKERS = ("inspector", "admin")  # works complaints and findings
OVERSEERS = ("inspector", "auditor")  # read findings and complaints, search


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject and role."""

    subject: str
    role: str


class TokenError(ValueError):
    """The token is malformed, forged or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), b"jiandu-token\x00" + payload, hashlib.sha256).digest()


def issue_token(
    secret: str, *, subject: str, role: str, ttl_seconds: int, now: float | None = None
) -> str:
    """A token for ``subject`` with ``role``, valid for ``ttl_seconds``."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not subject or len(subject) > 200:
        raise ValueError("subject must be 1 to 200 characters")
    issued = int(now if now is not None else time.time())
    claims = {"sub": subject, "role": role, "iat": issued, "exp": issued + ttl_seconds}
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def verify_token(secret: str, token: str, now: float | None = None) -> Principal:
    """The principal of a valid token, or TokenError."""
    try:
        head, mac = token.split(".")
        payload = _unb64(head)
        given = _unb64(mac)
    except (ValueError, TypeError) as error:
        raise TokenError("malformed token") from error
    if not hmac.compare_digest(given, _mac(secret, payload)):
        raise TokenError("bad token signature")
    try:
        claims = json.loads(payload)
        subject, role, expires = str(claims["sub"]), str(claims["role"]), float(claims["exp"])
    except (ValueError, KeyError, TypeError) as error:
        raise TokenError("malformed token claims") from error
    if expires < (now if now is not None else time.time()):
        raise TokenError("token expired")
    if role not in ROLES:
        raise TokenError("unknown role")
    return Principal(subject, role)


_bearer = HTTPBearer(auto_error=False, description="A token from `jiandu token issue`.")


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller (401 without or with a bad token)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "Authentication required", headers={"WWW-Authenticate": "Bearer"})
    secret = request.app.state.settings.secret.get_secret_value()
    try:
        return verify_token(secret, credentials.credentials)
    except TokenError as error:
        raise HTTPException(401, str(error), headers={"WWW-Authenticate": "Bearer"}) from None


def check_role(who: Principal, roles: tuple[str, ...]) -> Principal:
    """``who`` when its role is one of ``roles`` (admin always is); 403 otherwise.

    The API's dependencies and the web pages both decide with this one function."""
    allowed = set(roles) | {"admin"}
    if who.role not in allowed:
        raise HTTPException(
            403, f"role {who.role} may not do this (needs {' or '.join(sorted(allowed))})"
        )
    return who


def require(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency admitting the given roles (and admin); 403 for any other role."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        return check_role(who, roles)

    return check


Clerk = Annotated[Principal, Depends(require("clerk"))]
Intake = Annotated[Principal, Depends(require("intake"))]
Worker = Annotated[Principal, Depends(require(*WORKERS))]
Reader = Annotated[Principal, Depends(require(*READERS))]
Overseer = Annotated[Principal, Depends(require(*OVERSEERS))]
Auditor = Annotated[Principal, Depends(require("auditor"))]
