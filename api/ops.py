"""The operations listener (``JIANDU_OPS_PORT``): metrics, status, probes and the API's docs,
without tokens, on an address meant for the cluster's monitoring only.

On the API's own listener ``/metrics`` needs an auditor's token, ``/api/v1/status`` and
``/openapi.json`` any token, and the interactive docs are off (unless ``JIANDU_PUBLIC_DOCS``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from api.responses import Health, PlatformStatus, Readiness
from api.routes import health, metrics, status


def create_ops_app(main: FastAPI) -> FastAPI:
    """The operations app over ``main``'s platform (it shares ``main``'s state)."""
    ops = FastAPI(title="Jiandu operations", openapi_url=None, docs_url=None, redoc_url=None)
    ops.state = main.state
    ops.add_api_route("/healthz", health.healthz, response_model=Health)
    ops.add_api_route("/readyz", status.readyz, response_model=Readiness)
    ops.add_api_route("/api/v1/status", status.status, response_model=PlatformStatus)
    ops.add_api_route("/metrics", metrics.metrics, response_class=PlainTextResponse)

    def openapi() -> JSONResponse:
        document: dict[str, Any] = main.openapi()
        return JSONResponse(document)

    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Jiandu API")

    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title="Jiandu API")

    ops.add_api_route("/openapi.json", openapi)
    ops.add_api_route("/docs", docs)
    ops.add_api_route("/redoc", redoc)
    return ops
