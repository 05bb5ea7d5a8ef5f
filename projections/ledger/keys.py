"""Signed-note private keys: the log's checkpoint key and a witness's cosigning key.

A private key is written as the Go reference writes it:
``PRIVATE+KEY+<name>+<hex key ID>+base64(type || 32-byte Ed25519 seed)``. Type 0x01 keys sign
checkpoints (C2SP signed-note); type 0x04 keys cosign them (C2SP tlog-cosignature/v1).
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from projections.ledger.offline import (
    COSIGNATURE_V1,
    ED25519,
    LedgerError,
    Signature,
    VerifierKey,
    cosignature_message,
    key_id,
    valid_name,
)


class NoteSigner:
    """Signs note texts with one Ed25519 key (a log key, or a witness's cosigning key)."""

    def __init__(self, name: str, type_: int, seed: bytes, now: Callable[[], float] = time.time):
        if not valid_name(name):
            raise LedgerError(f"invalid key name {name!r} (no spaces, no '+')")
        if type_ not in (ED25519, COSIGNATURE_V1) or len(seed) != 32:
            raise LedgerError("only Ed25519 keys (type 0x01, or 0x04 to cosign) are supported")
        self.name = name
        self.type = type_
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = VerifierKey(name, key_id(name, bytes([type_]) + public), type_, public)
        self._now = now

    @classmethod
    def generate(cls, name: str, type_: int = ED25519) -> NoteSigner:
        """A new random key."""
        return cls(name, type_, os.urandom(32))

    @classmethod
    def parse(cls, skey: str, *, cosign: bool = False) -> NoteSigner:
        """Read ``PRIVATE+KEY+name+id+key``; ``cosign`` makes an Ed25519 key a cosigner."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or len(parts[3]) != 8:
            raise LedgerError("not a signed-note private key (PRIVATE+KEY+name+id+key)")
        _, _, name, id_hex, key64 = parts
        try:
            raw = base64.b64decode(key64, validate=True)
            kid = int(id_hex, 16)
        except ValueError:
            raise LedgerError("malformed signed-note private key") from None
        if len(raw) != 33:
            raise LedgerError("malformed signed-note private key")
        signer = cls(name, raw[0], raw[1:])
        if signer.verifier.id != kid:
            raise LedgerError(f"private key {name}: the key ID does not match the key")
        if cosign and signer.type == ED25519:
            signer = cls(name, COSIGNATURE_V1, raw[1:])
        return signer

    def private(self) -> str:
        """The private key in signed-note form (keep it secret)."""
        seed = self._key.private_bytes_raw()
        material = base64.b64encode(bytes([self.type]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.id:08x}+{material}"

    def sign(self, text: bytes) -> Signature:
        """The signature line over a note text (a timestamped cosignature for type 0x04)."""
        if self.type == COSIGNATURE_V1:
            stamp = int(self._now())
            raw = stamp.to_bytes(8, "big") + self._key.sign(cosignature_message(stamp, text))
        else:
            raw = self._key.sign(text)
        return Signature(self.name, self.verifier.id, raw)


def cosigning_key(key: VerifierKey) -> VerifierKey:
    """The tlog-cosignature/v1 verifier key of the same Ed25519 public key."""
    material = bytes([COSIGNATURE_V1]) + key.public_key
    return VerifierKey(key.name, key_id(key.name, material), COSIGNATURE_V1, key.public_key)


def write_key(path: Path, signer: NoteSigner) -> None:
    """Write a private key file readable by its owner only (mode 0600), and ``<path>.pub``
    beside it with the verifier key. An existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(signer.private() + "\n")
    path.with_name(path.name + ".pub").write_text(str(signer.verifier) + "\n", encoding="utf-8")


def read_key(path: Path, *, cosign: bool = False) -> NoteSigner:
    """Read a private key file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LedgerError(f"cannot read the key file {path}: {error.strerror}") from error
    return NoteSigner.parse(text, cosign=cosign)
