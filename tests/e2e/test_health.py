"""The service answers over HTTP: in process, and as the real `jiandu serve` command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.support.servers import first_answer, free_port, jiandu_serve

JIANDU = Path(sys.executable).parent / "jiandu"


@pytest.fixture
def client(tmp_data_dir: Path) -> Iterator[TestClient]:
    """The app in process, with its lifespan run."""
    with TestClient(create_app(Settings(env="test", data_dir=tmp_data_dir))) as test_client:
        yield test_client


def test_healthz_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_an_unknown_path_is_a_problem_json_404(client: TestClient) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert set(problem) >= {"type", "title", "status", "detail"}
    assert (problem["status"], problem["title"]) == (404, "Not Found")


def test_a_wrong_method_is_a_problem_json_405_that_keeps_the_allow_header(
    client: TestClient,
) -> None:
    response = client.post("/healthz")
    assert (response.status_code, response.headers["allow"]) == (405, "GET")
    assert response.json()["status"] == 405


def test_the_app_refuses_to_start_in_prod_with_the_default_secret(tmp_data_dir: Path) -> None:
    app = create_app(Settings(env="prod", data_dir=tmp_data_dir))
    with pytest.raises(RuntimeError, match="JIANDU_SECRET"), TestClient(app):
        pass


def _jiandu_env(tmp_data_dir: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    return env | {"JIANDU_DATA_DIR": str(tmp_data_dir), **variables}


def test_jiandu_serve_serves_healthz(tmp_data_dir: Path, tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    env = {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_ENV": "dev"}
    with jiandu_serve(log, port, **env) as server:
        response = first_answer(server, log, f"http://127.0.0.1:{port}/healthz")
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ok"}


def test_jiandu_serve_refuses_prod_with_the_default_secret(tmp_data_dir: Path) -> None:
    result = subprocess.run(
        [str(JIANDU), "serve", "--port", str(free_port())],
        env=_jiandu_env(tmp_data_dir, JIANDU_ENV="prod"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "refusing to serve" in result.stderr
    assert "JIANDU_SECRET" in result.stderr
