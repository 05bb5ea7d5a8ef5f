"""The FastAPI application factory: the composition root of the HTTP service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from api import __version__
from api.access import READERS
from api.access_anchoring import anchor_access_log
from api.auth import require
from api.bootstrap import Platform, build
from api.heap import frozen_startup
from api.middleware import Keeper, RequestConventions
from api.problems import install_problem_handlers
from api.request_log import RequestLog
from api.routes import (
    access_log,
    audit,
    cadres,
    campaigns,
    checks,
    complaint_handling,
    findings,
    health,
    lead_requests,
    metrics,
    public,
    reports,
    rules,
    status,
    training,
    units,
    unsealing,
)
from api.routes import search as search_routes
from api.settings import Settings
from api.shown import ShowFormatControls
from api.ui.site import install as install_pages

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, freeze_heap: bool = False) -> FastAPI:
    """Build the app from `settings` (read from the environment when not given).

    ``freeze_heap``: once started, move everything startup built out of the cyclic garbage
    collector's reach (``jiandu serve`` does; see :func:`api.heap.frozen_startup`)."""
    settings = settings if settings is not None else Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.check_safe()
        with build(settings) as platform:
            app.state.platform = platform
            if settings.transport == "inprocess":
                # Otherwise the Kafka consumer groups keep views, index and findings current.
                # The read models, the search index and the audit ledger, each in its thread.
                platform.followers.start(["read_models", "search", "ledger"])
                if settings.supervising():
                    platform.supervision.start()  # findings as events arrive; the daily sweep
            anchor_access_log(platform, settings.access_anchor_interval())
            log.info("jiandu starting", extra={"env": settings.env, "store": settings.store})
            if freeze_heap:
                with frozen_startup():
                    yield
            else:
                yield
        log.info("jiandu stopped")

    if settings.docs_public():
        app = FastAPI(title="Jiandu", version=__version__, lifespan=lifespan)
    else:  # the document needs a token here; the interactive pages live on JIANDU_OPS_PORT
        app = FastAPI(
            title="Jiandu", version=__version__, lifespan=lifespan,
            openapi_url=None, docs_url=None, redoc_url=None,
        )  # fmt: skip

        @app.get(
            "/openapi.json", include_in_schema=False, dependencies=[Depends(require(*READERS))]
        )
        def openapi() -> JSONResponse:
            return JSONResponse(app.openapi())

    app.state.settings = settings
    install_problem_handlers(app)

    def keeper() -> Keeper | None:
        built: Platform | None = getattr(app.state, "platform", None)
        if built is None:
            return None
        return Keeper(built.store, built.access, built.vault)

    app.add_middleware(RequestConventions, keeper=keeper)
    app.add_middleware(ShowFormatControls)  # free text shown with invisible controls written out
    app.add_middleware(RequestLog, proxies=settings.proxy_networks)  # outermost: logs all
    # Requests are matched against the routers in this order (each router's routes in turn):
    # the cadres first, the most read; no other router has their paths.
    app.include_router(cadres.router)
    app.include_router(health.router)
    app.include_router(status.router)
    app.include_router(metrics.router)
    app.include_router(units.router)
    app.include_router(complaint_handling.router)
    app.include_router(public.router)
    app.include_router(findings.router)
    app.include_router(rules.router)
    app.include_router(search_routes.router)
    app.include_router(audit.router)
    app.include_router(unsealing.router)
    app.include_router(lead_requests.router)
    app.include_router(access_log.router)
    app.include_router(checks.router)
    app.include_router(reports.router)
    app.include_router(campaigns.router)
    app.include_router(training.router)
    install_pages(app)  # the web pages (/ui/, /report)
    return app
