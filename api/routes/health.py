"""Liveness probe."""

from __future__ import annotations

from fastapi import APIRouter

from api.responses import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> dict[str, str]:
    """The process is up and serving HTTP (no auth, touches no backend)."""
    return {"status": "ok"}
