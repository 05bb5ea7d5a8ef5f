"""RFC 9457 problem details (`application/problem+json`) for every error response."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.access import Forbidden, Unauthenticated
from api.cursors import BadCursor
from api.request_log import route_of
from api.schemas import LINE, NON_BLANK_LINE
from domain.errors import DomainError
from domain.values import CODE_PATTERN as CODE

PROBLEM_JSON = "application/problem+json"
_PATTERN_MESSAGES = {
    LINE: "must be printable text on one line (no control, direction or zero-width characters)",
    NON_BLANK_LINE: (
        "must be printable text on one line (no control, direction or zero-width characters), "
        "not blank"
    ),
    CODE.pattern: "must be 1-64 letters, digits, '-', '_' or '.'",
}

log = logging.getLogger(__name__)


def problem(
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **fields: Any,
) -> JSONResponse:
    """A problem+json response; `type` is about:blank, so `title` is the status phrase."""
    body = {
        "type": "about:blank",
        "title": fields.pop("title", None) or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **fields,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, str(exc.detail), headers=exc.headers)


def _message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, but a pattern of ours is said in words rather than as a regex."""
    message = str(error.get("msg", ""))
    pattern = (error.get("ctx") or {}).get("pattern")
    return _PATTERN_MESSAGES.get(pattern, message) if isinstance(pattern, str) else message


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e.get("loc", ())), "msg": _message(e)} for e in exc.errors()]
    # A body that is not JSON at all is a malformed request (400), not a validation failure.
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return problem(400, "The request body is not valid JSON.", errors=errors)
    return problem(422, "The request is not valid.", errors=errors)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc, extra={"route": route_of(request.scope)})
    return problem(500, "An unexpected error occurred.")


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem(exc.status, str(exc), title=exc.title)


async def _unauthenticated(request: Request, exc: Exception) -> JSONResponse:
    return problem(401, str(exc), headers={"WWW-Authenticate": "Bearer"})


async def _bad_cursor(request: Request, exc: Exception) -> JSONResponse:
    return problem(400, str(exc))


async def _forbidden(request: Request, exc: Exception) -> JSONResponse:
    return problem(403, str(exc))


def install_problem_handlers(app: FastAPI) -> None:
    """Answer HTTP errors, validation errors, domain errors and crashes with problem+json."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(Unauthenticated, _unauthenticated)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(BadCursor, _bad_cursor)
    app.add_exception_handler(Exception, _unexpected_error)
