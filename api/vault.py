"""The vault adapter: AES-256-GCM sealing and HMAC-SHA256 fingerprints, keys from settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"


class AesGcmVault:
    """Seals with AES-GCM (random 96-bit nonce, context as associated data)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the seal key must be 32 bytes (base64 of 32 random bytes)")
        self._aead = AESGCM(key)
        self._mac_key = hashlib.sha256(b"jiandu-fingerprint\x00" + key).digest()

    @classmethod
    def from_secret(cls, secret: str) -> AesGcmVault:
        """Derive the key from a passphrase (dev and test only; production sets a real key)."""
        return cls(hashlib.sha256(b"jiandu-seal\x00" + secret.encode()).digest())

    @classmethod
    def from_base64(cls, key: str) -> AesGcmVault:
        """The key as settings carry it."""
        return cls(base64.b64decode(key, validate=True))

    def seal(self, plaintext: bytes, context: bytes) -> str:
        nonce = os.urandom(12)
        sealed = _VERSION + nonce + self._aead.encrypt(nonce, plaintext, context)
        return base64.urlsafe_b64encode(sealed).decode()

    def unseal(self, token: str, context: bytes) -> bytes:
        raw = base64.urlsafe_b64decode(token.encode())
        if raw[:1] != _VERSION:
            raise ValueError("unknown sealed-token version")
        return self._aead.decrypt(raw[1:13], raw[13:], context)

    def fingerprint(self, secret: str) -> str:
        return hmac.new(self._mac_key, secret.encode(), hashlib.sha256).hexdigest()
