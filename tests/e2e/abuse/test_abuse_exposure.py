"""Hole 12: metrics, status and the API docs answered anyone; data files were 0644; invisible
direction and zero-width characters passed in names."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.abuse import JIANDU
from tests.support.http import TEST_SECRET, assert_problem, bearer, position, serve
from tests.support.servers import first_answer, free_port, jiandu_serve

UNIT = {"code": "T1", "name": "青石镇", "level": "township", "kind": "government"}


@pytest.fixture
def client(tmp_data_dir: Path) -> Iterator[TestClient]:
    with serve(tmp_data_dir) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/metrics", "auditor"), ("/api/v1/status", "clerk"), ("/openapi.json", "intake")],
)
def test_operations_answers_need_a_token(client: TestClient, path: str, allowed: str) -> None:
    assert_problem(client.get(path), 401)
    assert client.get(path, headers=bearer(allowed)).status_code == 200
    if path == "/metrics":
        assert_problem(client.get(path, headers=bearer("clerk")), 403)


def test_the_interactive_docs_are_off_outside_dev(client: TestClient, tmp_path: Path) -> None:
    for path in ("/docs", "/redoc"):
        assert client.get(path).status_code == 404
    with serve(tmp_path / "dev", env="dev") as dev:
        assert dev.get("/docs").status_code == 200
        assert dev.get("/openapi.json").status_code == 200


def test_the_operations_listener_serves_monitoring_without_tokens(
    tmp_data_dir: Path, tmp_path: Path
) -> None:
    api_port, ops_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    env = {"JIANDU_ENV": "test", "JIANDU_DATA_DIR": str(tmp_data_dir),
           "JIANDU_SECRET": TEST_SECRET, "JIANDU_OPS_PORT": str(ops_port)}  # fmt: skip
    # No deadline on the answers: what is asserted is what answers, not how soon (the first
    # OpenAPI document is built on demand, a megabyte: seconds on a busy machine).
    with jiandu_serve(log, api_port, **env) as server, httpx.Client(timeout=None) as http:
        first_answer(server, log, f"http://127.0.0.1:{ops_port}/healthz")
        get = http.get
        api, ops = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{ops_port}"
        assert get(f"{api}/metrics").status_code == 401
        assert get(f"{ops}/metrics").status_code == 200
        assert "jiandu_store_position" in get(f"{ops}/metrics").text
        assert get(f"{ops}/api/v1/status").json()["mode"] == "embedded"
        assert "/api/v1/cadres/{code}" in get(f"{ops}/openapi.json").json()["paths"]
        assert get(f"{ops}/docs").status_code == 200
        assert get(f"{ops}/api/v1/cadres/A1").status_code == 404  # nothing else there
        server.send_signal(signal.SIGTERM)
        # Both listeners stop (uvicorn re-raises the signal it caught once it has stopped).
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)


def test_the_data_folder_is_its_owners_only(client: TestClient, tmp_data_dir: Path) -> None:
    assert client.post("/api/v1/units", json=UNIT, headers=bearer("clerk")).status_code == 201
    position(client)
    files = [p for p in tmp_data_dir.iterdir() if p.is_file()]
    assert {"events.sqlite3", "views.sqlite3", "keys.sqlite3"} <= {p.name for p in files}
    assert any(p.name.endswith("-wal") for p in files)
    for path in files:  # a public key may be readable; it sits in a folder nobody else enters
        expected = 0o600 if not path.name.endswith(".pub") else stat.S_IMODE(path.stat().st_mode)
        assert stat.S_IMODE(path.stat().st_mode) == expected, path.name
    assert stat.S_IMODE(tmp_data_dir.stat().st_mode) == 0o700


def test_the_command_line_writes_private_files(tmp_data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    env |= {
        "JIANDU_ENV": "test",
        "JIANDU_DATA_DIR": str(tmp_data_dir),
        "JIANDU_SECRET": TEST_SECRET,
    }
    done = subprocess.run([str(JIANDU), "keys", "status"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for path in tmp_data_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u061c"])
def test_names_refuse_direction_and_zero_width_characters(client: TestClient, char: str) -> None:
    clerk = bearer("clerk")
    before = position(client)
    for path, body in (
        ("/api/v1/units", {**UNIT, "name": f"青石{char}镇"}),
        ("/api/v1/cadres", {"code": "A1", "name": f"张{char}伟", "gender": "male",
                            "birth_date": "1988-03-02"}),
        ("/api/v1/units", {**UNIT, "code": f"T{char}1"}),
    ):  # fmt: skip
        assert_problem(client.post(path, json=body, headers=clerk), 422)
    complaint = {"category": "作风", "title": f"反映{char}问题", "body": "情况", "named": False}
    assert_problem(client.post("/api/v1/public/complaints", json=complaint), 422)
    assert position(client) == before


def test_free_text_keeps_them_but_shows_them_written_out(client: TestClient) -> None:
    body = "款项已\u202e退回\u202c，见附件\u200b。"
    filed = client.post("/api/v1/complaints", headers=bearer("intake"), json={
        "category": "作风", "title": "反映问题", "body": body, "named": False,
        "channel": "letter", "received_at": "2024-05-08T10:00:00+08:00"})  # fmt: skip
    assert filed.status_code == 201
    path = f"/api/v1/complaints/{filed.json()['complaint_id']}"
    fresh = {"min_position": position(client)}
    shown = client.get(path, params=fresh, headers=bearer("inspector"))
    assert shown.status_code == 200
    assert shown.json()["body"] == "款项已[U+202E]退回[U+202C]，见附件[U+200B]。"
    assert "\u202e" not in shown.text and "\u200b" not in shown.text
