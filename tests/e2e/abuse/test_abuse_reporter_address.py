"""A reporter's address is kept nowhere: not in the request log, not in the rate limit's table,
not in the event store or any other file of the data folder (staff requests still log theirs)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.http import bearer, serve

PUBLIC = "/api/v1/public/complaints"
REPORT = {"category": "作风", "title": "反映问题", "body": "情况如下。", "named": False}
REPORTER, PROXY, STAFF = "198.51.100.77", "10.1.2.3", "192.0.2.44"


def test_the_public_intake_keeps_no_address(
    tmp_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with serve(tmp_data_dir, trusted_proxies="10.0.0.0/8") as client:
        proxy = TestClient(client.app, client=(PROXY, 5555))
        forwarded = {"X-Forwarded-For": REPORTER}
        with caplog.at_level(logging.DEBUG):
            receipt = proxy.post(PUBLIC, json=REPORT, headers=forwarded).json()["receipt"]
            assert proxy.get(f"{PUBLIC}/{receipt}", headers=forwarded).status_code == 200
            assert proxy.get(f"{PUBLIC}/0000000000000000", headers=forwarded).status_code == 404
            assert proxy.get("/report", headers=forwarded).status_code == 200
            assert proxy.get("/ui/static/jiandu.css", headers=forwarded).status_code == 200
            assert proxy.get("/favicon.ico", headers=forwarded).status_code == 404
            public_lines = [r for r in caplog.records if r.name == "jiandu.requests"]
            staff = TestClient(client.app, client=(STAFF, 5555))
            assert staff.get("/api/v1/status", headers=bearer("auditor")).status_code == 200
        assert len(public_lines) == 6
        for line in public_lines:
            assert "client" not in line.__dict__, line.__dict__
        logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
        assert REPORTER not in logged and PROXY not in logged
        staff_line = [r for r in caplog.records if r.name == "jiandu.requests"][-1]
        assert staff_line.__dict__["client"] == STAFF  # staff requests keep theirs
    stored = b"".join(f.read_bytes() for f in tmp_data_dir.rglob("*") if f.is_file())
    assert REPORTER.encode() not in stored and PROXY.encode() not in stored
