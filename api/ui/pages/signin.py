"""Signing in (a token, or a one-time link) and out."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import PlatformDep
from api.secrets import token_secret
from api.ui.forms import form_text, read_form
from api.ui.links import LinkError, read_code, redeem
from api.ui.session import (
    authenticate,
    check_public_csrf,
    check_staff_csrf,
    public_form,
    settings_of,
    sign_in,
    sign_out,
    signed_in,
)
from api.ui.templating import render

router = APIRouter(prefix="/ui", include_in_schema=False)


def safe_next(value: str | None) -> str:
    """A local page to return to; anything else (another site, ``//host``) is the overview."""
    if not value or not value.startswith("/ui") or value.startswith("//") or "\\" in value:
        return "/ui/"
    return value if len(value) <= 2000 else "/ui/"


def _expires(token: str) -> int:
    """When the token expires (the cookie goes with it); eight hours when it does not say."""
    try:
        payload = token.split(".")[0]
        claims: dict[str, Any] = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        )
        return int(claims["exp"])
    except (ValueError, KeyError, TypeError):
        return int(time.time()) + 8 * 3600


def _login_page(
    request: Request, next_: str, error: str | None = None, status: int = 200
) -> Response:
    form = public_form(request)
    context = {"next": next_, "error": error, "staff": None, "csrf": form.csrf}
    return form.apply(render(request, "login.html", context, status=status))


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return _login_page(request, safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the token as the API would, and open a session with it."""
    form = await read_form(request)
    check_public_csrf(request, form_text(form, "csrf"))
    next_ = safe_next(form_text(form, "next"))
    token = (form_text(form, "token") or "").strip()
    if authenticate(request, token) is None:
        return _login_page(request, next_, "令牌无效或已过期，请向系统管理员重新申请。", 401)
    response = RedirectResponse(next_, status_code=303)
    sign_in(response, settings_of(request), token, _expires(token) - int(time.time()))
    return response


@router.get("/link")
def link_page(request: Request, code: str = "") -> Response:
    """What a one-time link would do, with a button to do it (a GET never signs anybody in)."""
    settings = settings_of(request)
    context: dict[str, Any] = {"staff": None, "code": code, "claims": None, "error": None}
    try:
        context["claims"] = read_code(token_secret(settings).decode(), code[:2000])
    except LinkError as error:
        context["error"] = str(error)
    form = public_form(request)
    context["csrf"] = form.csrf
    status = 400 if context["error"] else 200
    return form.apply(render(request, "link.html", context, status=status))


@router.post("/link")
async def use_link(request: Request, p: PlatformDep) -> Response:
    """Redeem a one-time code and open the session it grants."""
    form = await read_form(request)
    check_public_csrf(request, form_text(form, "csrf"))
    settings = settings_of(request)
    try:
        claims, token = redeem(p.views, token_secret(settings).decode(),
                               (form_text(form, "code") or "")[:2000])  # fmt: skip
    except LinkError as error:
        context = {"staff": None, "code": "", "claims": None, "error": str(error), "csrf": ""}
        return render(request, "link.html", context, status=400)
    response = RedirectResponse("/ui/", status_code=303)
    sign_in(response, settings, token, claims.session_seconds)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Close the session (the cookie is dropped)."""
    staff = signed_in(request)
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    response = RedirectResponse("/ui/login", status_code=303)
    sign_out(response, settings_of(request))
    return response
