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

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Some part does not answer"}},
)
def readyz(request: Request) -> JSONResponse:
    """200 when the event store and the read models answer; 503 naming the failing parts."""
    platform = _platform(request)
    failing: dict[str, str] = {}
    probes = [("event_store", platform.store.position), ("read_models", platform.views.positions)]
    if platform.search is not None and platform.settings.search_url:
        probes.append(("search_engine", platform.search.ping))
    for part, probe in probes:
        try:
            probe()
        except Exception as error:  # a probe reports any failure as "not ready"
            failing[part] = type(error).__name__
    if failing:
        return JSONResponse({"status": "unavailable", "failing": failing}, status_code=503)
    return JSONResponse({"status": "ready"})


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
