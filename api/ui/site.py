"""Adds the web pages to the app: their routers, static files, security headers and error pages."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.ui import STATIC
from api.ui.guard import PageHeaders, install_error_pages
from api.ui.pages import (
    access,
    approvals,
    cadres,
    complaints,
    findings,
    ledger,
    organisation,
    overview,
    public,
    records,
    search,
    signin,
)


def install(app: FastAPI) -> None:
    """Serve the pages and their static files; errors on page paths become pages."""
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    pages = (
        signin, overview, search, cadres, records, findings, complaints, approvals, access,
        organisation, ledger, public,
    )  # fmt: skip
    for module in pages:
        app.include_router(module.router)
    install_error_pages(app)
    app.add_middleware(PageHeaders)
