"""A plain route (``api.plain_route``) refuses to be built when the dependencies its answer
solves by hand are not exactly those the route declares: a check added later to the route or its
router cannot be skipped by the plain path unnoticed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.plain_route import NOT_PLAIN, declared_calls, plain_route


class Answer(BaseModel):
    n: int


def scope_check() -> None:
    """Stands for a router's check."""


def later_check() -> None:
    """Stands for a check added after the plain path was written."""


async def endpoint() -> dict[str, Any]:
    return {"n": 1}


async def plainly(request: Request) -> Any:
    return NOT_PLAIN if request.query_params else {"n": 2}


def _route(router: APIRouter, calls: list[Any], *extra: Any) -> None:
    router.add_api_route(
        "/x", endpoint, methods=["GET"], response_model=Answer,
        dependencies=[Depends(d) for d in extra],
        route_class_override=plain_route(plainly, calls=calls),
    )  # fmt: skip


def test_a_route_whose_dependencies_match_answers_plainly_or_through_fastapi() -> None:
    router = APIRouter(dependencies=[Depends(scope_check)])
    _route(router, [scope_check])
    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        assert client.get("/x").json() == {"n": 2}
        assert client.get("/x?q=1").json() == {"n": 1}


@pytest.mark.parametrize(
    ("router_checks", "route_checks", "calls"),
    [
        ([scope_check], [], []),  # the router's check not solved by hand
        ([scope_check], [later_check], [scope_check]),  # a check added to the route
        ([], [], [scope_check]),  # a check solved by hand that the route does not declare
        ([scope_check], [later_check], [later_check, scope_check]),  # another order
    ],
)
def test_a_route_whose_dependencies_differ_is_refused(
    router_checks: list[Any], route_checks: list[Any], calls: list[Any]
) -> None:
    router = APIRouter(dependencies=[Depends(d) for d in router_checks])
    with pytest.raises(TypeError, match="by hand"):
        _route(router, calls, *route_checks)
        FastAPI().include_router(router)


def test_get_a_cadre_declares_what_its_plain_path_solves() -> None:
    from api.routes.cadres import router

    (route,) = [r for r in router.routes if getattr(r, "path", "") == "/api/v1/cadres/{code}"]
    names = [c.__name__ for c in declared_calls(route.dependant)[1:]]  # type: ignore[attr-defined]
    assert names == ["principal", "cadre_in_scope", "fresh_read", "purpose_header"]
