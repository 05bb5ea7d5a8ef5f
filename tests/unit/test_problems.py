"""Error responses are RFC 9457 problem details."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.problems import install_problem_handlers


class Unit(BaseModel):
    """A request body with one required field."""

    code: str


def _client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/units")
    def create_unit(unit: Unit) -> dict[str, str]:
        return {"code": unit.code}

    @app.get("/boom")
    def boom() -> None:
        raise ValueError("secret internals")

    return TestClient(app, raise_server_exceptions=False)


def test_a_validation_error_is_422_with_the_failing_locations() -> None:
    response = _client().post("/units", json={"name": "县委组织部"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["type"], problem["title"], problem["status"]) == (
        "about:blank",
        HTTPStatus(422).phrase,  # "Unprocessable Entity" before Python 3.13
        422,
    )
    assert problem["errors"] == [{"loc": ["body", "code"], "msg": "Field required"}]


def test_a_body_that_is_not_json_is_400() -> None:
    response = _client().post(
        "/units", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()["status"]) == (400, 400)
    assert response.json()["errors"]


def test_an_unexpected_error_is_500_without_internals() -> None:
    response = _client().get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in response.text
