"""The FastAPI dependencies that require a role (thin wrappers over :class:`api.access.Access`).

Tokens themselves are made and checked in ``api.tokens``; pages and commands call the
platform's ``access`` directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.access import OVERSEERS, READERS, WORKERS, Access, Forbidden, Unauthenticated
from api.tokens import ROLES, Principal, TokenError, issue_token, verify_token

__all__ = [
    "OVERSEERS", "READERS", "ROLES", "WORKERS", "Approver", "Auditor", "Clerk", "Intake", "Lead",
    "Overseer", "Principal", "Reader", "TokenError", "Worker", "authenticated", "check_role",
    "issue_token", "principal", "require", "verify_token",
]  # fmt: skip

_bearer = HTTPBearer(auto_error=False, description="A token from `jiandu token issue`.")


def access_of(request: Request) -> Access:
    """The access service of this app's platform."""
    access: Access = request.app.state.platform.access
    return access


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller (401 without, or with a bad or revoked token).

    A coroutine, so FastAPI runs it on the event loop: the token's signature and lifetime are
    checked there; the revocation list is read there too on embedded SQLite, and in the thread
    pool when it lives in PostgreSQL (a round trip must not hold the loop)."""
    bearer = credentials is not None and credentials.scheme.lower() == "bearer"
    token = credentials.credentials if credentials is not None and bearer else None
    access = access_of(request)
    try:
        who = access.verify(token)
        if access.reads_inline:
            access.not_revoked(who)
        else:
            await run_in_threadpool(access.not_revoked, who)
    except Unauthenticated as error:
        raise HTTPException(401, str(error), headers={"WWW-Authenticate": "Bearer"}) from None
    request.state.principal = who  # the access log and idempotency read it
    return who


async def authenticated(request: Request) -> Principal:
    """The caller ``principal`` authenticated for this request already (a dependency solved
    before, e.g. a router's scope check), or authenticated now the same way (401 as there)."""
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None:
        who = await principal(request, await _bearer(request))
    return who


AUTHENTICATION = (_bearer, principal)
"""The dependencies a route declares to authenticate its caller, in the order FastAPI solves them;
``authenticated`` stands for them where they are called by hand (``api.plain_route``)."""


def check_role(who: Principal, roles: tuple[str, ...]) -> Principal:
    """``who`` when its role is one of ``roles`` (admin always is); 403 otherwise.

    The API's dependencies and the web pages both decide with this one function."""
    try:
        return Access.require(who, roles)
    except Forbidden as error:
        raise HTTPException(403, str(error)) from None


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting the given roles (and admin); 403 for any other role (a
    coroutine: a pure check, run on the event loop rather than in a worker thread)."""

    async def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        return check_role(who, roles)

    return check


Clerk = Annotated[Principal, Depends(require("clerk"))]
Intake = Annotated[Principal, Depends(require("intake"))]
Worker = Annotated[Principal, Depends(require(*WORKERS))]
Reader = Annotated[Principal, Depends(require(*READERS))]
Overseer = Annotated[Principal, Depends(require(*OVERSEERS))]
# Organisation statistics and reports: the organisation department and the overseers.
Statistician = Annotated[Principal, Depends(require("clerk", "inspector", "auditor"))]
Auditor = Annotated[Principal, Depends(require("auditor"))]
Approver = Annotated[Principal, Depends(require("lead"))]
"""A lead, or admin: lists what waits for a lead (approving stays a lead's alone)."""


async def require_lead(who: Annotated[Principal, Depends(principal)]) -> Principal:
    """A lead, and nobody else (not even admin): approvals are a second person's."""
    try:
        return Access.require(who, ("lead",), admin=False)
    except Forbidden as error:
        raise HTTPException(403, str(error)) from None


Lead = Annotated[Principal, Depends(require_lead)]
