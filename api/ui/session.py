"""Staff sessions of the web pages, and the CSRF tokens of every form.

A session cookie holds the signed token the officer signed in with (from `jiandu token issue`, or
one made for a one-time sign-in link), so a page decides who may see it with exactly the
functions the API uses (``Access.authenticate``, ``check_role``): same roles, same expiry, same
claims, same revocations.
The cookie is HttpOnly, SameSite=Strict, and Secure outside ``JIANDU_ENV=dev``.

CSRF: a staff form carries ``HMAC(secret, "csrf" + session)``; a public form carries
``HMAC(secret, "public-csrf" + nonce)`` where the nonce is a random HttpOnly, SameSite=Strict
cookie set with the form (double submit). Neither token can be made without the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import HTTPException, Request, Response

from api.access import Unauthenticated
from api.auth import Principal, check_role
from api.secrets import token_secret
from api.settings import Settings

SESSION_COOKIE = "jiandu_session"
FORM_COOKIE = "jiandu_form"
CSRF_FIELD = "csrf"


class SignInRequired(Exception):
    """No valid session: the page answers with the sign-in page (or a redirect to it)."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign-in required")
        self.next_path = next_path


def _mac(settings: Settings, purpose: str, value: str) -> str:
    key = token_secret(settings)
    digest = hmac.new(key, f"jiandu-{purpose}\x00{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def secure_cookies(settings: Settings) -> bool:
    """Cookies are Secure (HTTPS only) everywhere but on a developer's machine."""
    return settings.env != "dev"


@dataclass(frozen=True)
class Staff:
    """The officer of a request: who they are, and the CSRF token of their forms."""

    who: Principal
    token: str
    csrf: str

    def may(self, *roles: str) -> bool:
        """Whether the officer's role is one of ``roles`` (admin always is)."""
        try:
            check_role(self.who, roles)
        except HTTPException:
            return False
        return True


def settings_of(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def authenticate(request: Request, token: str) -> Principal | None:
    """The principal of a token exactly as the API authenticates a bearer, or None.

    The one place the pages check a token (signing in, and every request after)."""
    if not token or len(token) > 4096:
        return None
    try:
        who: Principal = request.app.state.platform.access.authenticate(token)
    except Unauthenticated:
        return None
    return who  # a unit-scoped token: every page asks ``platform.scope`` as the routes do


def staff_of(request: Request) -> Staff | None:
    """The signed-in officer, or None (no cookie, a forged or an expired token)."""
    token = request.cookies.get(SESSION_COOKIE) or ""
    who = authenticate(request, token)
    if who is None:
        return None
    return Staff(who, token, _mac(settings_of(request), "csrf", token))


def next_path(request: Request) -> str:
    """Where to come back to after signing in: this page, as a local path only."""
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return path if path.startswith("/ui") else "/ui/"


def signed_in(request: Request) -> Staff:
    """A dependency: the officer, or SignInRequired."""
    staff = staff_of(request)
    if staff is None:
        raise SignInRequired(next_path(request))
    return staff


def sign_in(response: Response, settings: Settings, token: str, max_age: int) -> None:
    """Put the session cookie on ``response``."""
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max(0, max_age), path="/", httponly=True,
        samesite="strict", secure=secure_cookies(settings),
    )  # fmt: skip


def sign_out(response: Response, settings: Settings) -> None:
    """Drop the session cookie."""
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict",
        secure=secure_cookies(settings),
    )  # fmt: skip


def check_staff_csrf(staff: Staff, given: str | None) -> None:
    """403 unless ``given`` is the session's CSRF token."""
    if not given or not hmac.compare_digest(given, staff.csrf):
        raise HTTPException(403, "表单已过期或来源不明，请刷新页面后重试。")


# -- public forms (no account) ----------------------------------------------------------------


@dataclass(frozen=True)
class PublicForm:
    """The CSRF token of a form served without a session, and the nonce cookie it rests on."""

    csrf: str
    nonce: str
    fresh: bool
    secure: bool

    def apply(self, response: Response) -> Response:
        """Set the nonce cookie on the response that carries the form (when it is new)."""
        if self.fresh:
            response.set_cookie(
                FORM_COOKIE, self.nonce, path="/", httponly=True, samesite="strict",
                secure=self.secure,
            )  # fmt: skip
        return response


def public_form(request: Request) -> PublicForm:
    """The CSRF token of a public form (a new nonce when the browser brought none)."""
    settings = settings_of(request)
    nonce = request.cookies.get(FORM_COOKIE)
    fresh = not nonce or len(nonce) > 100
    if fresh:
        nonce = secrets.token_urlsafe(18)
    assert nonce is not None
    return PublicForm(_mac(settings, "public-csrf", nonce), nonce, fresh, secure_cookies(settings))


def check_public_csrf(request: Request, given: str | None) -> None:
    """403 unless ``given`` matches the nonce cookie the form was served with."""
    nonce = request.cookies.get(FORM_COOKIE)
    expected = _mac(settings_of(request), "public-csrf", nonce) if nonce else None
    if not given or expected is None or not hmac.compare_digest(given, expected):
        raise HTTPException(403, "表单已过期，请重新打开本页后再提交（需要允许本站使用 Cookie）。")


def login_url(next_path_: str) -> str:
    """The sign-in page that returns to ``next_path_``."""
    return "/ui/login?next=" + quote(next_path_, safe="/")
