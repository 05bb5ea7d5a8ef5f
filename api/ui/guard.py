"""What every page gets: strict security headers, and errors as pages (never JSON, never a 500
for bad input): the API's problem answers stay as they are for every other path."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from api.ui.session import SignInRequired, login_url, staff_of
from api.ui.templating import is_htmx, render
from domain.errors import DomainError

log = logging.getLogger(__name__)

PAGE_PREFIXES = ("/ui", "/report")
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]  # fmt: skip

TITLES = {
    400: "请求有误", 401: "需要登录", 403: "无权访问", 404: "未找到", 405: "请求方式不对",
    409: "与现有记录冲突", 413: "提交的内容太长", 422: "输入有误", 429: "请求过于频繁",
    503: "暂时无法提供", 500: "出错了",
}  # fmt: skip


def is_page(path: str) -> bool:
    """Whether a path is one of the web pages (not the JSON API)."""
    return any(path == p or path.startswith(p + "/") or path.startswith(p + "?")
               for p in PAGE_PREFIXES)  # fmt: skip


class PageHeaders:
    """Adds the Content-Security-Policy and the other security headers to every page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def error_page(request: Request, status: int, detail: str) -> Response:
    """The error as a page in the site's frame."""
    headers = {"Retry-After": "60"} if status == 429 else None
    return render(
        request, "error.html",
        {"status": status, "title": TITLES.get(status, "出错了"), "detail": detail,
         "staff": staff_of(request)},
        status=status, headers=headers,
    )  # fmt: skip


def _detail(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, HTTPException):
        return exc.status_code, str(exc.detail)
    if isinstance(exc, DomainError):
        return exc.status, str(exc)
    if isinstance(exc, RequestValidationError):
        fields = "、".join(str(e.get("loc", ("",))[-1]) for e in exc.errors() if e.get("loc"))
        return 422, f"这些参数的值不正确：{fields}" if fields else "请求的参数不正确。"
    return 500, "页面出错了，请稍后重试；如果一直如此，请联系系统管理员。"


def install_error_pages(app: FastAPI) -> None:
    """Answer errors on page paths with pages; hand every other path to the API's handlers."""
    handlers = dict(app.exception_handlers)

    def for_pages(cls: type[Exception]) -> Callable[[Request, Exception], Awaitable[Response]]:
        fallback = handlers.get(cls)

        async def handle(request: Request, exc: Exception) -> Response:
            if not is_page(request.url.path):
                assert fallback is not None
                result: Response = await fallback(request, exc)
                return result
            status, detail = _detail(exc)
            if status >= 500 and not isinstance(exc, HTTPException | DomainError):
                log.error("page failed", exc_info=exc, extra={"path": request.url.path})
            return error_page(request, status, detail)

        return handle

    for cls in (HTTPException, RequestValidationError, DomainError, Exception):
        app.add_exception_handler(cls, for_pages(cls))

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        target = login_url(exc.next_path)
        if is_htmx(request):  # htmx follows HX-Redirect with a full page load
            return Response(status_code=204, headers={"HX-Redirect": target})
        if request.method == "GET":
            return RedirectResponse(target, status_code=303)
        return error_page(request, 401, "登录已过期，请重新登录后再提交。")

    app.add_exception_handler(SignInRequired, sign_in_first)
