"""The FastAPI application factory: the composition root of the HTTP service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import __version__
from api.bootstrap import build
from api.middleware import RequestConventions
from api.problems import install_problem_handlers
from api.routes import cadres, health, status, units
from api.settings import Settings
from projections.sql import SqlViews

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app from `settings` (read from the environment when not given)."""
    settings = settings if settings is not None else Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.check_safe()
        platform = build(settings)
        app.state.platform = platform
        platform.follower.start()
        log.info("jiandu starting", extra={"env": settings.env, "store": settings.store})
        try:
            yield
        finally:
            platform.close()
            log.info("jiandu stopped")

    app = FastAPI(title="Jiandu", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    install_problem_handlers(app)

    def current_views() -> SqlViews | None:
        built = getattr(app.state, "platform", None)
        return built.views if built is not None else None

    app.add_middleware(RequestConventions, views=current_views)
    app.include_router(health.router)
    app.include_router(status.router)
    app.include_router(units.router)
    app.include_router(cadres.router)
    return app
