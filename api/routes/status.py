"""Readiness and the platform's position and projection lag."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.bootstrap import Platform

router = APIRouter(tags=["health"])


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


@router.get("/readyz", responses={503: {"description": "Some part does not answer"}})
def readyz(request: Request) -> JSONResponse:
    """200 when the event store and the read models answer; 503 naming the failing parts."""
    platform = _platform(request)
    failing: dict[str, str] = {}
    for part, probe in (
        ("event_store", platform.store.position),
        ("read_models", platform.views.positions),
    ):
        try:
            probe()
        except Exception as error:  # a probe reports any failure as "not ready"
            failing[part] = type(error).__name__
    if failing:
        return JSONResponse({"status": "unavailable", "failing": failing}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/api/v1/status")
def status(request: Request) -> dict[str, Any]:
    """The store's position and each projection's position and lag."""
    platform = _platform(request)
    return {
        "position": platform.store.position(),
        "projections": platform.follower.lag(),
        "mode": platform.mode,
    }
