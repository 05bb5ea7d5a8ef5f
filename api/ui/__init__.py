"""The web pages: staff pages under ``/ui/`` and the public complaint pages under ``/report``.

Server-rendered (Jinja2, htmx for partial updates), over the same services as the API.
``install`` adds them to the app: one line in the composition root.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.ui.guard import PageHeaders, install_error_pages
from api.ui.pages import (
    cadres,
    complaints,
    findings,
    overview,
    public,
    records,
    search,
    signin,
)

STATIC = Path(__file__).parent / "static"
HTMX = ("htmx-2.0.11.min.js", "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717")
"""The vendored htmx (npm package htmx.org 2.0.11, dist/htmx.min.js, BSD-0) and its SHA-256."""


def install(app: FastAPI) -> None:
    """Serve the pages and their static files; errors on page paths become pages."""
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    for module in (signin, overview, search, cadres, records, findings, complaints, public):
        app.include_router(module.router)
    install_error_pages(app)
    app.add_middleware(PageHeaders)
