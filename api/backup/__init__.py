"""Backups of a Jiandu installation and their restore, in both modes.

What a backup holds: everything that cannot be rebuilt from the events: the event store (its
events, the processes' tracking, the relay's positions, idempotency keys, and whatever else
lives beside the events: sealed data keys, token revocations), and the few tables of the
read-model database that are records rather than projections (the ledger's signed checkpoints
and witnesses' cosignatures, the answers kept for idempotent retries). Read models, the search
index and the ledger's tree are rebuilt after a restore, never restored.
"""

from __future__ import annotations

# Tables of the read-model database that a backup keeps: they record what happened (a
# signature given, a cosignature received, a request's answer to replay) and cannot be derived
# from the events again.
KEPT_VIEW_TABLES = ("ledger_checkpoints", "ledger_cosignatures", "idempotency_keys")
