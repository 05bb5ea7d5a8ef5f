"""Hole 3: X-Forwarded-For bought fresh allowances and spoofed logs; each process had its limit."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.ratelimit import client_of, parse_networks
from tests.support.abuse import postgres_schemas, seal_key
from tests.support.http import TEST_SECRET, assert_problem, serve
from tests.support.servers import first_answer, free_port, jiandu_serve

PUBLIC = "/api/v1/public/complaints"
UNKNOWN = f"{PUBLIC}/0000000000000000"


def test_forwarding_headers_from_anyone_but_a_trusted_proxy_are_ignored(tmp_data_dir: Path) -> None:
    with serve(tmp_data_dir, public_rate_limit=2) as client:
        for n in range(2):
            response = client.get(UNKNOWN, headers={"X-Forwarded-For": f"198.51.100.{n}"})
            assert response.status_code == 404
        spoofed = client.get(UNKNOWN, headers={"X-Forwarded-For": "198.51.100.99"})
        assert_problem(spoofed, 429)


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_allowance(tmp_data_dir: Path) -> None:
    with serve(tmp_data_dir, public_rate_limit=1, trusted_proxies="10.0.0.0/8") as client:
        proxy = TestClient(client.app, client=("10.1.2.3", 5555))
        assert proxy.get(UNKNOWN, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404
        assert proxy.get(UNKNOWN, headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 404
        # A client that prepends addresses of its own still ends up counted as itself.
        forged = proxy.get(UNKNOWN, headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.7"})
        assert_problem(forged, 429)
        chained = proxy.get(UNKNOWN, headers={"X-Forwarded-For": "203.0.113.8, 10.9.9.9"})
        assert_problem(chained, 429)  # a second trusted hop is skipped


@pytest.mark.parametrize(
    ("peer", "headers", "client"),
    [
        ("198.51.100.1", ["203.0.113.7"], "198.51.100.1"),  # untrusted peer: header ignored
        ("10.0.0.1", [], "10.0.0.1"),
        ("10.0.0.1", ["203.0.113.7"], "203.0.113.7"),
        ("10.0.0.1", ["1.1.1.1, 203.0.113.7"], "203.0.113.7"),
        ("10.0.0.1", ["203.0.113.7", "10.0.0.2"], "203.0.113.7"),  # two header lines
        ("10.0.0.1", ["203.0.113.7, not-an-address"], "10.0.0.1"),
        ("10.0.0.1", ["10.0.0.3"], "10.0.0.1"),
        ("10.0.0.1", ["2001:db8::1"], "2001:db8::1"),
    ],
)
def test_client_of(peer: str, headers: list[str], client: str) -> None:
    assert client_of(peer, headers, parse_networks("10.0.0.0/8")) == client


def test_the_server_log_records_the_peer_not_a_forged_header(
    tmp_data_dir: Path, tmp_path: Path
) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    env = {"JIANDU_ENV": "test", "JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_SECRET": TEST_SECRET}
    with jiandu_serve(log, port, **env) as server:
        url, forged = f"http://127.0.0.1:{port}{UNKNOWN}", {"X-Forwarded-For": "6.6.6.6"}
        assert first_answer(server, log, url, headers=forged).status_code == 404
    text = log.read_text()
    assert "127.0.0.1" in text and "6.6.6.6" not in text


@pytest.mark.postgres
def test_the_limit_is_shared_by_every_api_process(postgres_url: str, tmp_path: Path) -> None:
    with postgres_schemas(postgres_url) as schema:
        options = {
            "store": "postgres",
            "postgres_url": postgres_url,
            "postgres_schema": schema,
            "public_rate_limit": 5,
            "seal_key": SecretStr(seal_key()),
        }
        with serve(tmp_path / "a", **options) as one, serve(tmp_path / "b", **options) as two:
            answers: list[int] = []
            barrier = threading.Barrier(12)

            def ask(client: TestClient) -> None:
                barrier.wait()
                answers.append(client.get(UNKNOWN).status_code)

            threads = [threading.Thread(target=ask, args=(c,)) for c in [one, two] * 6]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(answers) == [404] * 5 + [429] * 7
            assert one.get(UNKNOWN).status_code == two.get(UNKNOWN).status_code == 429
