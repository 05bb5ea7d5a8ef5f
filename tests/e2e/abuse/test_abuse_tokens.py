"""Hole 8: tokens have one spelling, a bounded life and an id, and can be revoked."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from api.tokens import b64encode, issue_token
from tests.support.abuse import jiandu, postgres_schemas, seal_key
from tests.support.http import TEST_SECRET, assert_problem, serve

CADRE = "/api/v1/cadres/NOBODY"  # 404 to a good token, 401 to a bad one


def signed(raw: bytes) -> str:
    mac = hmac.new(TEST_SECRET.encode(), b"jiandu-token\x00" + raw, hashlib.sha256).digest()
    return f"{b64encode(raw)}.{b64encode(mac)}"


def claims(**changes: object) -> bytes:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": "x", "role": "admin", "iat": now, "exp": now + 600, "jti": "B" * 22,
    }  # fmt: skip
    kept = {k: v for k, v in (base | changes).items() if v is not None}
    return json.dumps(kept, separators=(",", ":")).encode()


def status_with(client: TestClient, token: str) -> int:
    return client.get(CADRE, headers={"Authorization": f"Bearer {token}"}).status_code


@pytest.fixture
def client(tmp_data_dir: Path) -> TestClient:
    with serve(tmp_data_dir, token_max_ttl=86400) as test_client:
        yield test_client


def test_a_well_made_token_reaches_the_route(client: TestClient) -> None:
    assert status_with(client, signed(claims())) == 404


@pytest.mark.parametrize(
    "raw",
    [
        claims(iat=int(time.time()) + 3600),  # issued an hour from now
        claims(exp=10**15),  # far future
        claims(exp=int(time.time()) + 2 * 86400),  # longer than JIANDU_TOKEN_MAX_TTL
        claims(exp=float(time.time() + 600)),
        claims(jti=None),
        claims().replace(b'"exp":', b'"exp":NaN,"x":'),
        claims().replace(b'"exp":', b'"exp":1e999,"x":'),
        claims() + b" ",
        claims().replace(b",", b", "),
        claims().replace(b'"sub":"x"', b'"sub":"\\u0078"'),
    ],
)
def test_signed_but_unacceptable_claims_are_401(client: TestClient, raw: bytes) -> None:
    response = client.get(CADRE, headers={"Authorization": f"Bearer {signed(raw)}"})
    assert_problem(response, 401)


def test_a_non_canonical_spelling_of_a_good_token_is_401(client: TestClient) -> None:
    token = signed(claims())
    head, mac = token.split(".")
    for variant in (
        f"{head}==.{mac}",
        f"{head}.{mac}=",
        f"{head}.{mac[:-1]}{'B' if mac[-1] == 'A' else 'A'}",
    ):
        assert status_with(client, variant) == 401


def test_revoking_a_token_or_a_subject_refuses_it_at_once(tmp_data_dir: Path) -> None:
    env = {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_ENV": "test", "JIANDU_SECRET": TEST_SECRET}
    one, two = (issue_token(TEST_SECRET, subject="张三", role="clerk", ttl_seconds=600)
                for _ in range(2))  # fmt: skip
    other = issue_token(TEST_SECRET, subject="李四", role="clerk", ttl_seconds=600)
    with serve(tmp_data_dir) as client:
        assert {status_with(client, t) for t in (one, two, other)} == {404}
        done = jiandu("token", "revoke", one, "--reason", "laptop stolen", env=env)
        assert done.returncode == 0, done.stderr
        assert (status_with(client, one), status_with(client, two)) == (401, 404)
        assert "revoked" in client.get(CADRE, headers={"Authorization": f"Bearer {one}"}).text

        done = jiandu("token", "revoke", "--subject", "张三", "--reason", "left", env=env)
        assert done.returncode == 0, done.stderr
        assert (status_with(client, two), status_with(client, other)) == (401, 404)
        later = issue_token(TEST_SECRET, subject="张三", role="clerk", ttl_seconds=600,
                            now=time.time() + 2)  # fmt: skip
        assert status_with(client, later) == 404  # issued after the revocation
    listed = jiandu("token", "revocations", env=env)
    assert "laptop stolen" in listed.stdout and "张三" in listed.stdout


@pytest.mark.postgres
def test_a_revocation_in_postgresql_is_refused_by_every_api_process(
    postgres_url: str, tmp_path: Path
) -> None:
    """In distributed mode the revocation list is read in the thread pool (a round trip must
    not hold the event loop): still read on every request, by every process."""
    token = issue_token(TEST_SECRET, subject="王五", role="clerk", ttl_seconds=600)
    with postgres_schemas(postgres_url) as schema:
        options = {
            "store": "postgres", "postgres_url": postgres_url, "postgres_schema": schema,
            "seal_key": SecretStr(seal_key()),
        }  # fmt: skip
        with serve(tmp_path / "a", **options) as one, serve(tmp_path / "b", **options) as two:
            assert not one.app.state.platform.access.reads_inline
            assert (status_with(one, token), status_with(two, token)) == (404, 404)
            jti = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["jti"]
            one.app.state.platform.access.revocations.revoke("jti", jti, by="t", reason="lost")
            assert (status_with(one, token), status_with(two, token)) == (401, 401)


def test_revoke_refuses_a_foreign_token_and_a_missing_reason(tmp_data_dir: Path) -> None:
    env = {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_ENV": "test", "JIANDU_SECRET": TEST_SECRET}
    foreign = issue_token(b"another-installation", subject="x", role="clerk", ttl_seconds=60)
    assert jiandu("token", "revoke", foreign, "--reason", "r", env=env).returncode != 0
    assert jiandu("token", "revoke", "--jti", "x" * 22, "--reason", " ", env=env).returncode != 0


def test_token_issue_refuses_a_lifetime_beyond_the_bound(tmp_data_dir: Path) -> None:
    env = {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_ENV": "test", "JIANDU_TOKEN_MAX_TTL": "1d"}
    result = jiandu("token", "issue", "--role", "clerk", "--subject", "x", "--ttl", "2d", env=env)
    assert result.returncode != 0 and "JIANDU_TOKEN_MAX_TTL" in result.stderr
    result = jiandu("token", "issue", "--role", "clerk", "--subject", "x", "--ttl", "1d", env=env)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with serve(tmp_path_factory.mktemp("token-fuzz")) as test_client:
        yield test_client


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.one_of(
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=300),
        st.builds(lambda t: f"Bearer {t}", st.text(
            alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=400)),
        st.builds(lambda raw: f"Bearer {signed(raw)}", st.binary(max_size=200)),
    )
)  # fmt: skip
def test_any_authorization_header_is_401_never_a_5xx(shared: TestClient, header: str) -> None:
    response = shared.get(CADRE, headers={"Authorization": header})
    assert response.status_code == 401, (header, response.text)
