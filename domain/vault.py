"""The vault port: seals reporter identities and fingerprints receipts.

Adapters live outside the domain (AES-GCM with a key from settings); the domain only ever
holds sealed tokens and fingerprints, never a reporter's identity or a receipt in clear.
"""

from __future__ import annotations

from typing import Protocol


class Vault(Protocol):
    """Seals and unseals small secrets; fingerprints receipts with a keyed hash."""

    def seal(self, plaintext: bytes, context: bytes) -> str:
        """An opaque, authenticated token for ``plaintext`` bound to ``context``."""
        ...

    def unseal(self, token: str, context: bytes) -> bytes:
        """The plaintext of a token made by :meth:`seal` with the same context."""
        ...

    def fingerprint(self, secret: str) -> str:
        """A keyed one-way hash (hex) of a short secret such as a receipt code."""
        ...
