"""What the page handlers share: the signed-in officer with a role check, and the context."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from api.access import Access, Forbidden
from api.auth import OVERSEERS, READERS, WORKERS, check_role
from api.bootstrap import Platform
from api.cursors import BadCursor
from api.cursors import scope_of as scope_of_list
from api.schemas import LINE
from api.scope import Scope
from api.ui.session import Staff, signed_in
from domain.errors import InvalidValue
from projections.overview import cadre_names, unit_names


def staff_with(*roles: str) -> Any:
    """A dependency: the signed-in officer whose role is one of ``roles`` (as the API checks
    it, with the same function); sign-in page without a session, 403 page for another role."""

    def check(request: Request) -> Staff:
        staff = signed_in(request)
        check_role(staff.who, roles)
        return staff

    return Depends(check)


def lead_only(request: Request) -> Staff:
    """A lead and nobody else (not even admin), as the API's ``require_lead``: approvals are
    a second person's."""
    staff = signed_in(request)
    try:
        Access.require(staff.who, ("lead",), admin=False)
    except Forbidden as error:
        raise HTTPException(403, str(error)) from None
    return staff


AnyStaff = Annotated[Staff, staff_with(*READERS)]
Overseer = Annotated[Staff, staff_with(*OVERSEERS)]
Worker = Annotated[Staff, staff_with(*WORKERS)]
IntakeClerk = Annotated[Staff, staff_with("intake")]
Clerk = Annotated[Staff, staff_with("clerk")]
AuditorStaff = Annotated[Staff, staff_with("auditor")]
LeadStaff = Annotated[Staff, Depends(lead_only)]


def scope_of(p: Platform, staff: Staff) -> Scope | None:
    """The officer's need-to-know scope (None: the token is not limited to a unit), as the
    API's routes ask it."""
    return p.scope.of(staff.who)


def sealed(p: Platform, path: str, params: Mapping[str, str], resume: str | None) -> str | None:
    """A read model's resume point as a signed cursor bound to this list (as the API's)."""
    return p.cursors.seal(scope_of_list(path, params), resume)


def opened(p: Platform, path: str, params: Mapping[str, str], cursor: str | None) -> str | None:
    """The resume point of a cursor this list gave out; DomainError (400) for anything else, so
    a crafted cursor never reaches a read model's decoder."""
    try:
        return p.cursors.open(scope_of_list(path, params), cursor or None)
    except BadCursor:
        raise InvalidValue("翻页标记无效（不是本页给出的），请从第一页重新查看。") from None


def reading_purpose(request: Request) -> str:
    """Why a record is read, for the access log (the page's ``purpose`` field; the API's
    ``X-Purpose``): one printable line of at most 200 characters, or nothing."""
    text = request.query_params.get("purpose", "").strip()
    return text if len(text) <= 200 and re.fullmatch(LINE, text) else ""


def context(p: Platform, staff: Staff, nav: str, **values: Any) -> dict[str, Any]:
    """The context every staff page renders with."""
    unit = staff.who.unit
    scope_name = unit_names(p.views, [unit]).get(unit) if unit else None
    return {"staff": staff, "nav": nav, "today": p.clock.today(), "scope_name": scope_name,
            **values}  # fmt: skip


def names(
    p: Platform, units: Iterable[str] = (), cadres: Iterable[str] = ()
) -> dict[str, dict[str, str]]:
    """Names of the units and cadres a page mentions by code."""
    return {"units": unit_names(p.views, units), "cadres": cadre_names(p.views, cadres)}
