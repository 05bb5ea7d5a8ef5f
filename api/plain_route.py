"""A route that answers its plainest requests without FastAPI's per-request dependency solving.

FastAPI solves every dependency of a route anew on each request, and reads every declared
parameter through its generic machinery (measured on GET a cadre: about a third of the
request's CPU, for a request with no query and no header to read). A route built with
:func:`plain_route` first asks its ``answer`` function, which calls the same dependencies and
the same endpoint in the same order by hand; ``answer`` returns :data:`NOT_PLAIN`, before
anything is read or written, for any request it does not handle alike (a query string, a
header to parse, a value to validate), and FastAPI's own handler answers that one. The route
is declared as any other (its OpenAPI operation is unchanged), and a test compares both
handlers' answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

NOT_PLAIN: Any = object()
"""What an ``answer`` returns for a request it leaves to FastAPI's own handler."""

Answer = Callable[[Request], Awaitable[Any]]


def declared_calls(dependant: Dependant) -> list[Callable[..., Any]]:
    """Every dependency a route's requests solve, depth first in FastAPI's order (the router's
    and the route's, then each one's own)."""
    calls: list[Callable[..., Any]] = []
    for sub in dependant.dependencies:
        calls.extend(declared_calls(sub))
        if sub.call is not None:
            calls.append(sub.call)
    return calls


def plain_route(answer: Answer, calls: Sequence[Callable[..., Any]]) -> type[APIRoute]:
    """A route class whose handler tries ``answer`` first (the endpoint's result, to be
    validated and serialised by the route's response model as FastAPI does) and otherwise
    runs FastAPI's handler.

    ``calls`` are the dependencies ``answer`` solves by hand, as :func:`declared_calls` lists
    them. The route refuses to be built when its own differ: a dependency added to the route or
    its router later (a new check) cannot be skipped by the plain path unnoticed.
    """

    class PlainRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            canonical = super().get_route_handler()
            if self.response_model is None:
                raise TypeError("a plain route needs a response model")
            declared = declared_calls(self.dependant)
            if declared != list(calls):
                names = [getattr(c, "__qualname__", repr(c)) for c in declared]
                raise TypeError(
                    f"the plain path of {self.path} solves {[c.__qualname__ for c in calls]} "
                    f"by hand, but the route declares {names}: update its answer"
                )
            model: TypeAdapter[Any] = TypeAdapter(self.response_model)

            async def handler(request: Request) -> Response:
                if request.app.dependency_overrides:  # tests may replace a dependency
                    return await canonical(request)
                content = await answer(request)
                if content is NOT_PLAIN:
                    return await canonical(request)
                # As FastAPI's handler does with a response model and the default class.
                try:
                    value = model.validate_python(content, from_attributes=True)
                except ValidationError as error:
                    raise ResponseValidationError(
                        error.errors(include_url=False), body=content
                    ) from None
                body = model.dump_json(value, by_alias=True)
                return Response(body, media_type="application/json")

            return handler

    return PlainRoute
