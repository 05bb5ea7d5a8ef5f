"""Readiness, and the position and lag of everything that follows the log."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.access import READERS
from api.auth import require
from api.bootstrap import Platform
from api.responses import PlatformStatus, Readiness
from api.schemas import PROBLEMS
from api.search_probe import search_trouble

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The store or read models do not answer"}},
)
def readyz(request: Request) -> JSONResponse:
    """200 when the event store and the read models answer: commands, reads and intake work.
    A search engine that does not answer leaves the API ready, "degraded" (searches answer 503
    meanwhile): taking every API process out of service for it would stop intake too. 503
    naming the failing parts when the store or the read models do not answer."""
    platform = _platform(request)
    failing: dict[str, str] = {}
    probes = [("event_store", platform.store.position), ("read_models", platform.views.positions)]
    for part, probe in probes:
        try:
            probe()
        except Exception as error:  # a probe reports any failure as "not ready"
            failing[part] = type(error).__name__
    body: dict[str, Any] = {"status": "unavailable" if failing else "ready"}
    if failing:
        body["failing"] = failing
    if (trouble := search_trouble(request.app)) is not None:
        body["degraded"] = {"search_engine": trouble}
        body["status"] = "unavailable" if failing else "degraded"
    return JSONResponse(body, status_code=503 if failing else 200)


@router.get(
    "/api/v1/status",
    response_model=PlatformStatus,
    responses={s: PROBLEMS[s] for s in (401, 403)},
    dependencies=[Depends(require(*READERS))],  # or unauthenticated on JIANDU_OPS_PORT
)
def status(request: Request) -> dict[str, Any]:
    """The store's position and every follower's position record and lag."""
    platform = _platform(request)
    head = platform.store.position()
    projections = platform.followers.status()
    ledger = platform.ledger.status(head) if platform.ledger is not None else None
    return {
        "position": head,
        "projections": projections,
        "mode": platform.mode,
        "consumers": platform.transport.snapshot() if platform.transport else None,
        "ledger": ledger,
    }
