"""Holes 1 and 2: no fail-open secret, and a seal key of its own that rotates under the events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.bootstrap import build_keys_db, build_vault
from api.settings import Settings
from api.tokens import issue_token
from api.vault import DATA_KEYS, kek_id
from tests.support.abuse import jiandu, seal_key, strong_secret
from tests.support.http import TEST_SECRET, bearer, serve

OLD_DEFAULT = "jiandu-dev-secret-not-for-production"
NAMED = {
    "category": "作风", "title": "反映某镇干部长期借调", "body": "情况如下。", "named": True,
    "reporter": {"name": "王小明", "phone": "13800000000"},
}  # fmt: skip


def test_serve_without_an_environment_is_production_and_refuses(tmp_data_dir: Path) -> None:
    result = jiandu("serve", "--port", "1", env={"JIANDU_DATA_DIR": str(tmp_data_dir)})
    assert result.returncode == 2
    assert "refusing to serve" in result.stderr and "JIANDU_SECRET" in result.stderr
    assert list(tmp_data_dir.iterdir()) == []  # nothing generated outside dev


@pytest.mark.parametrize(
    ("secret", "needs"),
    [
        (OLD_DEFAULT, "JIANDU_SECRET"),
        (OLD_DEFAULT + "-2024-prod-xyz", "JIANDU_SECRET"),
        ("z" * 64, "JIANDU_SECRET"),
        ("correct horse battery staple and a few more words", "JIANDU_SECRET"),
        (None, "JIANDU_SEAL_KEY"),  # a strong secret, but no seal key of its own
    ],
)
def test_production_refuses_weak_secrets_and_a_missing_seal_key(
    tmp_data_dir: Path, secret: str | None, needs: str
) -> None:
    env = {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_ENV": "prod"}
    env["JIANDU_SECRET"] = secret if secret is not None else strong_secret()
    result = jiandu("serve", "--port", "1", env=env)
    assert result.returncode == 2, result.stderr
    assert needs in result.stderr


def test_dev_generates_its_secret_and_refuses_the_old_default(tmp_data_dir: Path) -> None:
    env = {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_ENV": "dev"}
    issued = jiandu("token", "issue", "--role", "auditor", "--subject", "审计员", env=env)
    assert issued.returncode == 0, issued.stderr
    assert "generated a random token secret" in issued.stderr
    assert (tmp_data_dir / "token-secret").is_file()
    forged = issue_token(OLD_DEFAULT, subject="intruder", role="admin", ttl_seconds=600)
    with TestClient(create_app(Settings(env="dev", data_dir=tmp_data_dir))) as client:
        for token, status in ((forged, 401), (issued.stdout.strip(), 404)):
            answer = client.get("/api/v1/cadres/A1", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == status


def _stored_events(data_dir: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "events.sqlite3") as conn:
        return conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state "
            "FROM stored_events ORDER BY rowid"
        ).fetchall()


def _sealed_reporter(data_dir: Path) -> str:
    for *_, topic, state in _stored_events(data_dir):
        if str(topic).endswith("ComplaintFiled"):
            sealed: str = json.loads(state)["reporter_sealed"]
            return sealed
    raise AssertionError("no complaint filed")


def test_the_token_secret_cannot_unseal_a_reporter(tmp_data_dir: Path) -> None:
    with serve(tmp_data_dir) as client:
        assert client.post("/api/v1/public/complaints", json=NAMED).status_code == 201
    sealed = _sealed_reporter(tmp_data_dir)
    prefix, key_id, _body = sealed.split(".")
    assert prefix == "v2" and key_id  # the sealed value names its data key
    raw = (tmp_data_dir / "events.sqlite3").read_bytes()
    assert "王小明".encode() not in raw and b"13800000000" not in raw
    # Whoever holds the token secret tries every key it used to derive, on the data key.
    with sqlite3.connect(tmp_data_dir / "keys.sqlite3") as conn:
        wrapped, kek = conn.execute(
            f"SELECT wrapped, kek_id FROM {DATA_KEYS.name} WHERE key_id = ?", [key_id]
        ).fetchone()
    candidates = [
        hmac.new(TEST_SECRET.encode(), b"jiandu seal key v1", hashlib.sha256).digest(),
        hashlib.sha256(b"jiandu-seal\x00" + TEST_SECRET.encode()).digest(),
        hashlib.sha256(TEST_SECRET.encode()).digest(),
    ]
    assert kek not in {kek_id(c) for c in candidates}
    blob = base64.urlsafe_b64decode(wrapped + "=" * (-len(wrapped) % 4))
    for candidate in candidates:
        with pytest.raises(Exception):  # noqa: B017 - any failure to decrypt will do
            AESGCM(candidate).decrypt(
                blob[:12], blob[12:], b"jiandu-data-key\x00" + key_id.encode()
            )


def test_rotate_seal_rewraps_the_keys_and_changes_no_stored_event(tmp_data_dir: Path) -> None:
    old, new = seal_key(), seal_key()
    env = {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_ENV": "test", "JIANDU_SECRET": TEST_SECRET}
    with serve(tmp_data_dir, seal_key=SecretStr(old)) as client:
        response = client.post("/api/v1/public/complaints", json=NAMED)
        assert response.status_code == 201
        filed = client.post(
            "/api/v1/complaints",
            headers=bearer("intake"),
            json={**NAMED, "channel": "letter", "received_at": "2024-05-08T10:00:00+08:00"},
        )
        assert filed.status_code == 201
    before = _stored_events(tmp_data_dir)

    refused = jiandu("keys", "rotate-seal", env=env | {"JIANDU_SEAL_KEY": new})
    assert refused.returncode == 1 and "JIANDU_SEAL_KEY_PREVIOUS" in refused.stderr
    done = jiandu(
        "keys", "rotate-seal", env=env | {"JIANDU_SEAL_KEY": new, "JIANDU_SEAL_KEY_PREVIOUS": old}
    )
    assert done.returncode == 0, done.stderr
    assert "re-wrapped" in done.stdout
    assert _stored_events(tmp_data_dir) == before  # not one byte of any event changed

    settings = Settings(env="test", data_dir=tmp_data_dir, seal_key=SecretStr(new))
    db = build_keys_db(settings)
    vault = build_vault(settings, db)
    sealed = _sealed_reporter(tmp_data_dir)
    complaint_id = next(o for _, o, _, t, _ in before if str(t).endswith("ComplaintFiled"))
    identity = json.loads(vault.unseal(sealed, uuid.UUID(str(complaint_id)).bytes))
    assert identity == NAMED["reporter"]
    status = jiandu("keys", "status", env=env | {"JIANDU_SEAL_KEY": new})
    assert f"{kek_id(base64.b64decode(new))} (in force)" in status.stdout
    # The receipt still finds its complaint (fingerprints did not change).
    with serve(tmp_data_dir, seal_key=SecretStr(new)) as client:
        receipt = response.json()["receipt"]
        assert client.get(f"/api/v1/public/complaints/{receipt}").status_code == 200
