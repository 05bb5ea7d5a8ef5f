"""The `jiandu` command line as a person runs it: tokens the server accepts, projection commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from base64 import urlsafe_b64decode
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import verify_token
from api.secrets import token_secret
from api.settings import Settings

JIANDU = Path(sys.executable).parent / "jiandu"
TODAY = date(2026, 11, 26)


def jiandu(data_dir: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run ``jiandu ARGS`` with only the given JIANDU_* variables (plus the data folder)."""
    assert JIANDU.exists(), f"{JIANDU} is missing: pip install -e . into this environment"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    env |= {"JIANDU_DATA_DIR": str(data_dir), "JIANDU_ENV": "test", **variables}
    return subprocess.run(
        [str(JIANDU), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def app(data_dir: Path) -> TestClient:
    return TestClient(create_app(Settings(env="test", data_dir=data_dir, today=TODAY)))


def seed(data_dir: Path) -> int:
    """A unit and a cadre with a short career; the store's position."""
    with app(data_dir) as client:
        clerk = {"Authorization": "Bearer " + token(data_dir, "clerk", "县委组织部干部科")}
        for path, body in (
            (
                "/api/v1/units",
                {"code": "T1", "name": "青石镇", "level": "township", "kind": "government"},
            ),
            (
                "/api/v1/cadres",
                {"code": "A1", "name": "张伟", "gender": "male", "birth_date": "1988-03-02"},
            ),
            (
                "/api/v1/cadres/A1/recruitment",
                {"effective_date": "2015-07-01", "unit": "T1", "channel": "exam"},
            ),
            ("/api/v1/cadres/A1/reviews", {"year": 2024, "rating": "excellent"}),
        ):
            response = client.post(path, json=body, headers=clerk)
            assert response.status_code == 201, response.text
        position: int = client.get("/api/v1/status", headers=clerk).json()["position"]
        return position


def token(data_dir: Path, role: str, subject: str, ttl: str = "1h") -> str:
    result = jiandu(data_dir, "token", "issue", "--role", role, "--subject", subject, "--ttl", ttl)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert len(lines) == 1, result.stdout
    return lines[0]


def test_token_issue_prints_a_token_the_server_accepts(tmp_data_dir: Path) -> None:
    issued = token(tmp_data_dir, "inspector", "某人")
    who = verify_token(token_secret(Settings(env="test", data_dir=tmp_data_dir)), issued)
    assert (who.subject, who.role) == ("某人", "inspector")
    position = seed(tmp_data_dir)
    with app(tmp_data_dir) as client:
        headers = {"Authorization": f"Bearer {issued}"}
        # A new server's read models catch up in the background: read where the seed wrote.
        response = client.get("/api/v1/cadres/A1", headers=headers,
                              params={"min_position": position})  # fmt: skip
        assert response.status_code == 200, response.text
        assert response.json()["code"] == "A1"
        # An inspector reads but may not record.
        unit = {"code": "T2", "name": "石桥乡", "level": "township", "kind": "government"}
        assert client.post("/api/v1/units", json=unit, headers=headers).status_code == 403


def test_a_clerk_token_records_its_subject(tmp_data_dir: Path) -> None:
    position = seed(tmp_data_dir)
    with app(tmp_data_dir) as client:
        auditor = {"Authorization": "Bearer " + token(tmp_data_dir, "auditor", "审计员")}
        timeline = client.get(
            "/api/v1/cadres/A1/timeline", headers=auditor, params={"min_position": position}
        )
        events = timeline.json()["events"]
    assert {e["recorded_by"] for e in events} == {"县委组织部干部科"}


def test_a_token_signed_with_another_secret_is_refused(tmp_data_dir: Path) -> None:
    result = jiandu(
        tmp_data_dir,
        "token",
        "issue",
        "--role",
        "admin",
        "--subject",
        "x",
        JIANDU_SECRET="a-different-secret-of-some-length",
    )
    assert result.returncode == 0, result.stderr
    with app(tmp_data_dir) as client:
        headers = {"Authorization": f"Bearer {result.stdout.strip()}"}
        assert client.get("/api/v1/cadres/A1", headers=headers).status_code == 401


def test_the_ttl_is_the_tokens_lifetime(tmp_data_dir: Path) -> None:
    for ttl, seconds in (("90s", 90), ("30m", 1800), ("8h", 28_800), ("7d", 604_800)):
        head = token(tmp_data_dir, "auditor", "审计员", ttl).split(".")[0]
        claims = json.loads(urlsafe_b64decode(head + "=" * (-len(head) % 4)))
        assert claims["exp"] - claims["iat"] == seconds


@pytest.mark.parametrize("role", ["superuser", "Clerk", ""])
def test_an_unknown_role_exits_non_zero_with_a_message(tmp_data_dir: Path, role: str) -> None:
    result = jiandu(tmp_data_dir, "token", "issue", "--role", role, "--subject", "某人")
    assert result.returncode != 0
    assert result.stdout.strip() == ""
    assert "role" in result.stderr and "clerk" in result.stderr


@pytest.mark.parametrize("ttl", ["1x", "0h", "-1h", "1.5h"])
def test_a_bad_ttl_exits_non_zero_with_a_message(tmp_data_dir: Path, ttl: str) -> None:
    result = jiandu(
        tmp_data_dir, "token", "issue", "--role", "clerk", "--subject", "某人", "--ttl", ttl
    )
    assert result.returncode != 0
    assert result.stdout.strip() == ""
    assert "30m, 8h or 7d" in result.stderr


def test_a_missing_subject_exits_non_zero(tmp_data_dir: Path) -> None:
    result = jiandu(tmp_data_dir, "token", "issue", "--role", "clerk")
    assert result.returncode != 0
    assert "subject" in result.stderr


def test_projections_status_shows_each_projection_and_the_store(tmp_data_dir: Path) -> None:
    position = seed(tmp_data_dir)
    result = jiandu(tmp_data_dir, "projections", "status")
    assert result.returncode == 0, result.stderr
    assert f"store at {position}" in result.stdout
    for name in ("careers", "organisation", "complaints"):
        assert name in result.stdout


def test_projections_rebuild_careers_rebuilds_the_same_view(tmp_data_dir: Path) -> None:
    position = seed(tmp_data_dir)
    with app(tmp_data_dir) as client:
        auditor = {"Authorization": "Bearer " + token(tmp_data_dir, "auditor", "审计员")}
        before = client.get(
            "/api/v1/cadres/A1", headers=auditor, params={"min_position": position}
        ).json()
    result = jiandu(tmp_data_dir, "projections", "rebuild", "careers")
    assert result.returncode == 0, result.stderr
    assert "careers: rebuilt" in result.stderr
    assert f"swapped in at position {position}" in result.stderr
    with app(tmp_data_dir) as client:
        after = client.get("/api/v1/cadres/A1", headers=auditor, params={"min_position": position})
        assert after.status_code == 200
        assert after.json() == before
        timeline = client.get("/api/v1/cadres/A1/timeline", headers=auditor).json()["events"]
        assert [e["type"] for e in timeline] == [
            "CadreRegistered",
            "Recruited",
            "AnnualReviewRecorded",
        ]


def test_projections_rebuild_of_an_unknown_projection_exits_non_zero(tmp_data_dir: Path) -> None:
    result = jiandu(tmp_data_dir, "projections", "rebuild", "nosuch")
    assert result.returncode != 0
    assert "unknown projection" in result.stderr and "careers" in result.stderr


def test_projections_status_of_an_empty_store(tmp_data_dir: Path) -> None:
    result = jiandu(tmp_data_dir, "projections", "status")
    assert result.returncode == 0, result.stderr
    assert "store at 0" in result.stdout
