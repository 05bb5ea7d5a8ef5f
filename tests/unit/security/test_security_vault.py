"""The vault: a data key per sealed value, wrapped by the seal key; rotation and shredding."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from api.vault import FINGERPRINT_KEY, AesGcmVault, KeyUnavailable, SqlDataKeys, kek_id
from projections.sql import SqliteViews

OLD, NEW = os.urandom(32), os.urandom(32)


@pytest.fixture
def keys(tmp_path: Path) -> SqlDataKeys:
    return SqlDataKeys(SqliteViews(str(tmp_path / "keys.sqlite3")))


def test_each_value_has_its_own_data_key_named_in_the_sealed_value(keys: SqlDataKeys) -> None:
    vault = AesGcmVault(OLD, keys)
    one, two = vault.seal(b"name", b"ctx"), vault.seal(b"name", b"ctx")
    assert one.startswith("v2.") and vault.key_id_of(one) != vault.key_id_of(two)
    assert vault.unseal(one, b"ctx") == vault.unseal(two, b"ctx") == b"name"
    row = keys.get(vault.key_id_of(one))
    assert row is not None and row.kek_id == kek_id(OLD) and b"name" not in row.wrapped.encode()
    with pytest.raises(InvalidTag):
        vault.unseal(one, b"another complaint")


def test_rotation_rewraps_data_keys_and_leaves_sealed_values_as_they_are(
    keys: SqlDataKeys,
) -> None:
    before = AesGcmVault(OLD, keys)
    sealed = [before.seal(f"identity {n}".encode(), b"ctx") for n in range(5)]
    receipt = before.fingerprint("1234567890123456")

    only_new = AesGcmVault(NEW, keys)
    with pytest.raises(KeyUnavailable, match="not configured"):
        only_new.unseal(sealed[0], b"ctx")

    during = AesGcmVault(NEW, keys, previous=[OLD])
    assert during.unseal(sealed[0], b"ctx") == b"identity 0"  # both keys readable meanwhile
    done = during.rotate()
    assert (done.rewrapped, done.current, done.shredded) == (6, 0, 0)  # 5 + the receipt key
    assert during.rotate().rewrapped == 0

    after = AesGcmVault(NEW, keys)
    assert [after.unseal(s, b"ctx") for s in sealed] == [f"identity {n}".encode() for n in range(5)]
    assert after.fingerprint("1234567890123456") == receipt  # complaint ids never change
    assert {r.kek_id for r in keys.rows()} == {kek_id(NEW)}
    with pytest.raises(KeyUnavailable):
        AesGcmVault(OLD, keys).unseal(sealed[0], b"ctx")


def test_shredding_a_data_key_makes_only_its_value_unreadable(keys: SqlDataKeys) -> None:
    vault = AesGcmVault(OLD, keys)
    gone, kept = vault.seal(b"to forget", b"c"), vault.seal(b"to keep", b"c")
    assert vault.shred(vault.key_id_of(gone)) is True
    assert vault.shred(vault.key_id_of(gone)) is False
    with pytest.raises(KeyUnavailable, match="shredded"):
        vault.unseal(gone, b"c")
    assert vault.unseal(kept, b"c") == b"to keep"
    assert vault.rotate().shredded == 1
    with pytest.raises(ValueError):
        vault.shred(FINGERPRINT_KEY)


def test_the_fingerprint_key_is_made_once_and_shared(keys: SqlDataKeys) -> None:
    first, second = AesGcmVault(OLD, keys), AesGcmVault(OLD, keys)
    assert first.fingerprint("0000111122223333") == second.fingerprint("0000111122223333")
    assert first.fingerprint("0000111122223333") != first.fingerprint("0000111122223334")


def test_shared_purpose_keys_seal_many_values_under_one_data_key(keys: SqlDataKeys) -> None:
    vault = AesGcmVault(OLD, keys)
    one, two = (vault.seal_shared("idempotency", b"x", b"k") for _ in range(2))
    assert vault.key_id_of(one) == vault.key_id_of(two) == "idempotency"
    assert AesGcmVault(OLD, keys).unseal(two, b"k") == b"x"
    with pytest.raises(ValueError):
        vault.seal_shared(FINGERPRINT_KEY, b"x", b"k")


def test_a_tampered_or_foreign_value_is_refused(keys: SqlDataKeys) -> None:
    vault = AesGcmVault(OLD, keys)
    sealed = vault.seal(b"name", b"c")
    prefix, key_id, body = sealed.split(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(InvalidTag):
        vault.unseal(f"{prefix}.{key_id}.{flipped}", b"c")
    with pytest.raises(KeyUnavailable):
        vault.unseal(f"{prefix}.AAAAAAAAAAAAAAAAAAAAAA.{body}", b"c")
    with pytest.raises(ValueError):
        vault.unseal("AQID", b"c")
