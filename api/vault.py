"""The vault adapter: envelope encryption of reporters' identities under a seal key.

Each sealed value is encrypted (AES-256-GCM) under a data key of its own; the sealed value
carries that data key's id, and the data key is kept, wrapped by the seal key (the
key-encryption key), in a key table outside the events. So:

- rotating the seal key re-wraps the data keys and leaves every stored event as it was;
- deleting one data key (crypto-shredding) makes that one identity unreadable for good while
  the event, and every hash over it, stays intact;
- receipts are fingerprinted with a keyed hash whose key is itself a wrapped data key, so it
  survives a rotation (complaint ids derive from fingerprints and never change).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from projections.sql import SqlViews
from projections.view import Table

SEALED_PREFIX = "v2."
FINGERPRINT_KEY = "receipt-fingerprint"
DATA_KEYS = Table(
    "jiandu_data_keys",
    {
        "key_id": "TEXT", "purpose": "TEXT", "kek_id": "TEXT", "wrapped": "TEXT",
        "created_at": "TEXT", "shredded_at": "TEXT",
    },
    key=("key_id",),
    indexes=(("kek_id",),),
)  # fmt: skip


class KeyUnavailable(ValueError):
    """A sealed value's data key was shredded, or is wrapped by a seal key not configured."""


def kek_id(key: bytes) -> str:
    """A seal key's public id: names which key wrapped a data key, reveals nothing of it."""
    return hashlib.sha256(b"jiandu-kek-id\x00" + key).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class DataKey:
    """A row of the key table: a data key wrapped by the seal key ``kek_id``."""

    key_id: str
    purpose: str
    kek_id: str
    wrapped: str | None
    created_at: str
    shredded_at: str | None = None


class DataKeys(Protocol):
    """The key table: wrapped data keys by id."""

    def get(self, key_id: str) -> DataKey | None: ...

    def add(self, key: DataKey) -> DataKey:
        """Insert unless the id exists; the row now stored under that id."""
        ...

    def rewrap(self, key_id: str, kek: str, wrapped: str) -> None: ...

    def shred(self, key_id: str, at: str) -> bool: ...

    def rows(self) -> Iterator[DataKey]: ...


class MemoryDataKeys:
    """The key table in memory (tests, benchmarks)."""

    def __init__(self) -> None:
        self._rows: dict[str, DataKey] = {}
        self._lock = threading.Lock()

    def get(self, key_id: str) -> DataKey | None:
        return self._rows.get(key_id)

    def add(self, key: DataKey) -> DataKey:
        with self._lock:
            return self._rows.setdefault(key.key_id, key)

    def rewrap(self, key_id: str, kek: str, wrapped: str) -> None:
        with self._lock:
            old = self._rows[key_id]
            self._rows[key_id] = DataKey(key_id, old.purpose, kek, wrapped, old.created_at)

    def shred(self, key_id: str, at: str) -> bool:
        with self._lock:
            old = self._rows.get(key_id)
            if old is None or old.wrapped is None:
                return False
            self._rows[key_id] = DataKey(key_id, old.purpose, old.kek_id, None, old.created_at, at)
            return True

    def rows(self) -> Iterator[DataKey]:
        return iter(list(self._rows.values()))


class SqlDataKeys:
    """The key table in SQL: a SQLite file of its own, or a table in the store's schema."""

    def __init__(self, db: SqlViews) -> None:
        self.db = db
        db.ensure([DATA_KEYS])

    def get(self, key_id: str) -> DataKey | None:
        rows = self.db.select(DATA_KEYS, {"key_id": key_id})
        return DataKey(**rows[0]) if rows else None

    def add(self, key: DataKey) -> DataKey:
        sql = (
            f"INSERT INTO {DATA_KEYS.name} (key_id, purpose, kek_id, wrapped, created_at, "
            "shredded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING"
        )
        with self.db.transaction() as cur:
            params = [key.key_id, key.purpose, key.kek_id, key.wrapped, key.created_at, None]
            cur.execute(self.db._sql(sql), params)
        stored = self.get(key.key_id)
        assert stored is not None
        return stored

    def rewrap(self, key_id: str, kek: str, wrapped: str) -> None:
        sql = f"UPDATE {DATA_KEYS.name} SET kek_id = ?, wrapped = ? WHERE key_id = ?"
        with self.db.transaction() as cur:
            cur.execute(self.db._sql(sql), [kek, wrapped, key_id])

    def shred(self, key_id: str, at: str) -> bool:
        sql = (
            f"UPDATE {DATA_KEYS.name} SET wrapped = NULL, shredded_at = ? "
            "WHERE key_id = ? AND wrapped IS NOT NULL"
        )
        with self.db.transaction() as cur:
            cur.execute(self.db._sql(sql), [at, key_id])
            return bool(cur.rowcount == 1)

    def rows(self) -> Iterator[DataKey]:
        for row in self.db.query(f"SELECT * FROM {DATA_KEYS.name} ORDER BY key_id"):
            yield DataKey(**row)


@dataclass(frozen=True)
class Rotation:
    """What a rotation did: data keys re-wrapped, already under the new key, shredded."""

    rewrapped: int
    current: int
    shredded: int


class AesGcmVault:
    """Seals with a fresh AES-256-GCM data key per value, wrapped by the seal key in force."""

    def __init__(
        self, key: bytes, keys: DataKeys | None = None, previous: list[bytes] | None = None
    ) -> None:
        if len(key) != 32 or any(len(k) != 32 for k in previous or []):
            raise ValueError("a seal key must be 32 bytes (base64 of 32 random bytes)")
        self.kek_id = kek_id(key)
        self._keks = {kek_id(k): AESGCM(k) for k in [*(previous or []), key]}
        self.keys = keys if keys is not None else MemoryDataKeys()
        self._fingerprint_key: bytes | None = None
        self._shared: dict[str, bytes] = {}

    @classmethod
    def from_secret(cls, secret: str) -> AesGcmVault:
        """A vault over an in-memory key table, its keys derived from a passphrase (tests)."""
        vault = cls(hashlib.sha256(b"jiandu-seal\x00" + secret.encode()).digest())
        derived = hashlib.sha256(b"jiandu-fingerprint\x00" + secret.encode()).digest()
        vault.keys.add(vault._wrapped(FINGERPRINT_KEY, FINGERPRINT_KEY, derived))
        return vault

    # -- the Vault port --------------------------------------------------------------------

    def seal(self, plaintext: bytes, context: bytes) -> str:
        key_id = _b64(secrets.token_bytes(16))
        data_key = AESGCM.generate_key(bit_length=256)
        self.keys.add(self._wrapped(key_id, "sealed-value", data_key))
        nonce = os.urandom(12)
        body = nonce + AESGCM(data_key).encrypt(nonce, plaintext, context)
        return f"{SEALED_PREFIX}{key_id}.{_b64(body)}"

    def unseal(self, token: str, context: bytes) -> bytes:
        _, key_id, body = _parts(token)
        raw = _unb64(body)
        return AESGCM(self._data_key(key_id)).decrypt(raw[:12], raw[12:], context)

    def fingerprint(self, secret: str) -> str:
        return hmac.new(self._fingerprint(), secret.encode(), hashlib.sha256).hexdigest()

    def seal_shared(self, purpose: str, plaintext: bytes, context: bytes) -> str:
        """Seal under the one data key of ``purpose`` (many small values: idempotent answers).

        The value still names its key, so :meth:`unseal` opens it and a rotation re-wraps it.
        """
        if purpose in (FINGERPRINT_KEY, "sealed-value") or not purpose.isidentifier():
            raise ValueError(f"not a shared key purpose: {purpose!r}")
        key = self._shared.get(purpose)
        if key is None:
            row = self.keys.get(purpose) or self.keys.add(
                self._wrapped(purpose, purpose, AESGCM.generate_key(bit_length=256))
            )
            key = self._shared[purpose] = self._unwrap(row)
        nonce = os.urandom(12)
        body = nonce + AESGCM(key).encrypt(nonce, plaintext, context)
        return f"{SEALED_PREFIX}{purpose}.{_b64(body)}"

    # -- keys ------------------------------------------------------------------------------

    def known_keks(self) -> list[str]:
        """The ids of the seal keys this vault can unwrap with (the one in force last)."""
        return list(self._keks)

    def key_id_of(self, token: str) -> str:
        """The data key id a sealed value carries."""
        return _parts(token)[1]

    def shred(self, key_id: str) -> bool:
        """Forget one data key for good: the value it sealed can never be read again."""
        if key_id == FINGERPRINT_KEY:
            raise ValueError("the receipt fingerprint key cannot be shredded")
        return self.keys.shred(key_id, datetime.now(UTC).isoformat())

    def rotate(self) -> Rotation:
        """Re-wrap every data key under the seal key in force (stored events do not change)."""
        rewrapped = current = shredded = 0
        for row in self.keys.rows():
            if row.wrapped is None:
                shredded += 1
            elif row.kek_id == self.kek_id:
                current += 1
            else:
                plain = self._unwrap(row)
                self.keys.rewrap(row.key_id, self.kek_id, self._wrap(row.key_id, plain))
                rewrapped += 1
        return Rotation(rewrapped, current, shredded)

    def _fingerprint(self) -> bytes:
        if self._fingerprint_key is None:
            row = self.keys.get(FINGERPRINT_KEY) or self.keys.add(
                self._wrapped(FINGERPRINT_KEY, FINGERPRINT_KEY, secrets.token_bytes(32))
            )
            self._fingerprint_key = self._unwrap(row)
        return self._fingerprint_key

    def _data_key(self, key_id: str) -> bytes:
        row = self.keys.get(key_id)
        if row is None or row.wrapped is None:
            raise KeyUnavailable("the key of this sealed value was shredded or never stored")
        return self._unwrap(row)

    def _wrapped(self, key_id: str, purpose: str, plain: bytes) -> DataKey:
        now = datetime.now(UTC).isoformat()
        return DataKey(key_id, purpose, self.kek_id, self._wrap(key_id, plain), now)

    def _wrap(self, key_id: str, plain: bytes) -> str:
        nonce = os.urandom(12)
        aad = b"jiandu-data-key\x00" + key_id.encode()
        return _b64(nonce + self._keks[self.kek_id].encrypt(nonce, plain, aad))

    def _unwrap(self, row: DataKey) -> bytes:
        kek = self._keks.get(row.kek_id)
        if kek is None or row.wrapped is None:
            raise KeyUnavailable(
                f"data key {row.key_id} is wrapped by seal key {row.kek_id}, which is not "
                "configured (JIANDU_SEAL_KEY or JIANDU_SEAL_KEY_PREVIOUS)"
            )
        raw = _unb64(row.wrapped)
        try:
            return kek.decrypt(raw[:12], raw[12:], b"jiandu-data-key\x00" + row.key_id.encode())
        except InvalidTag:
            raise KeyUnavailable(f"data key {row.key_id} does not unwrap") from None


def _parts(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3 or f"{parts[0]}." != SEALED_PREFIX:
        raise ValueError("not a sealed value of this vault")
    return parts[0], parts[1], parts[2]
