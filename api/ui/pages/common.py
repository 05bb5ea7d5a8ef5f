"""What the page handlers share: the signed-in officer with a role check, and the context."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends, Request

from api.auth import OVERSEERS, READERS, WORKERS, check_role
from api.bootstrap import Platform
from api.ui.session import Staff, signed_in
from projections.overview import cadre_names, unit_names


def staff_with(*roles: str) -> Any:
    """A dependency: the signed-in officer whose role is one of ``roles`` (as the API checks
    it, with the same function); sign-in page without a session, 403 page for another role."""

    def check(request: Request) -> Staff:
        staff = signed_in(request)
        check_role(staff.who, roles)
        return staff

    return Depends(check)


AnyStaff = Annotated[Staff, staff_with(*READERS)]
Overseer = Annotated[Staff, staff_with(*OVERSEERS)]
Worker = Annotated[Staff, staff_with(*WORKERS)]
IntakeClerk = Annotated[Staff, staff_with("intake")]
Clerk = Annotated[Staff, staff_with("clerk")]
AuditorStaff = Annotated[Staff, staff_with("auditor")]


def context(p: Platform, staff: Staff, nav: str, **values: Any) -> dict[str, Any]:
    """The context every staff page renders with."""
    return {"staff": staff, "nav": nav, "today": p.clock.today(), **values}


def names(
    p: Platform, units: Iterable[str] = (), cadres: Iterable[str] = ()
) -> dict[str, dict[str, str]]:
    """Names of the units and cadres a page mentions by code."""
    return {"units": unit_names(p.views, units), "cadres": cadre_names(p.views, cadres)}
