"""Export bundles: one aggregate's events with a tlog-proof each against one checkpoint.

The bundle is a zip an outside auditor checks with the offline checker alone. It holds each
event's stored bytes (exactly as stored, so their SHA-256 is the leaf's), a decoded view of
them (fields that identify a reporter withheld), a C2SP tlog-proof whose ``extra`` line is the
leaf, the signed checkpoint with its cosignatures, and the verifier keys for reference only:
the auditor checks against keys obtained independently (``--key``, ``--witness``).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from domain.errors import NotFound
from projections.ledger.events import leaf_position
from projections.ledger.offline import BUNDLE_FORMAT, TlogProof, canonical_json
from projections.ledger.service import AuditLedger
from projections.ledger.storage import decode_entries
from projections.ledger.tiles import TiledTree
from projections.ledger.tree import TILE_WIDTH

# State fields that could identify a reporter (sealed identity, receipt fingerprint): kept in
# the stored bytes (ciphertext and a keyed hash), shown as "[withheld]" in the decoded view.
WITHHELD = ("reporter_sealed", "receipt_fingerprint")

README = """Jiandu audit ledger bundle ({subject})

What is inside
  manifest.json          the events, their leaf indexes and files
  checkpoint             the log's signed checkpoint (C2SP signed note) with witness cosignatures
  events/<position>.stored   each event's state bytes exactly as the event store holds them
  events/<position>.json     the same event decoded (reporter-identifying fields withheld)
  proofs/<position>.tlog-proof   C2SP tlog-proof of the event against the checkpoint
  keys.txt               the log's and witnesses' verifier keys, for reference only

How to check it (no database, no server, no network)
  1. Obtain the log's verifier key (and the witnesses' keys) from their holders, not from
     this bundle.
  2. Run the offline checker, one file of Jiandu that needs Python 3.11+ and `cryptography`:
       python offline.py THIS.zip --key LOG_VKEY [--witness WITNESS_VKEY ...]
     or, with Jiandu installed: jiandu audit check THIS.zip --key LOG_VKEY [--witness ...]
  3. Exit status 0 means: the checkpoint is signed by the log (and cosigned by every witness
     given), every event's stored bytes hash to the leaf the log recorded, every leaf is in
     the checkpoint's tree, and each aggregate's versions run 1..n without a gap.
"""


def leaves_of(ledger: AuditLedger, aggregate_id: UUID) -> Iterator[tuple[int, bytes]]:
    """Every (leaf index, leaf) of an aggregate, from the ledger's entry bundles."""
    needle = b'"aggregate_id":"%s"' % str(aggregate_id).encode()
    for bundle in ledger.tables.bundles():
        if needle in bundle.data:
            for i, leaf in enumerate(decode_entries(bundle.data)):
                if needle in leaf:
                    yield bundle.index * TILE_WIDTH + i, leaf


def export_bundle(ledger: AuditLedger, aggregate_id: UUID, subject: dict[str, str]) -> bytes:
    """The zip of one aggregate's events against the latest checkpoint; NotFound when the
    ledger holds none of its events."""
    found = list(leaves_of(ledger, aggregate_id))
    if not found:
        raise NotFound(f"no event of {subject['kind']} {subject['id']} in the ledger (yet)")
    checkpoint = ledger.stored_checkpoint()
    note = ledger.note(checkpoint)
    tree = TiledTree(ledger.tables.tile)
    files: dict[str, bytes] = {}
    events: list[dict[str, Any]] = []
    pending: list[int] = []
    for index, leaf in found:
        position = leaf_position(leaf)
        if index >= checkpoint.size:
            pending.append(position)
            continue
        stored = ledger.events.at(position)
        if stored is None:
            continue  # deleted from the store: the bundle's version check shows the gap
        name = f"{position:012d}"
        entry: dict[str, Any] = {
            "position": position,
            "index": index,
            "aggregate_id": str(stored.originator_id),
            "version": stored.originator_version,
            "topic": stored.topic,
            "type": stored.topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1],
            "stored": f"events/{name}.stored",
            "decoded": f"events/{name}.json",
            "proof": f"proofs/{name}.tlog-proof",
        }
        proof = TlogProof(index, tuple(tree.inclusion(index, checkpoint.size)), note, leaf)
        files[entry["stored"]] = stored.state
        files[entry["decoded"]] = _decoded(entry, ledger.events.plain(stored.state))
        files[entry["proof"]] = str(proof).encode()
        events.append(entry)
    manifest = {
        "format": BUNDLE_FORMAT,
        "origin": ledger.origin,
        "subject": subject,
        "checkpoint_size": checkpoint.size,
        "events": events,
        "pending": pending,
    }
    keys = ledger.key_document()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("README.txt", README.format(subject=f"{subject['kind']} {subject['id']}"))
        bundle.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
        bundle.writestr("checkpoint", note)
        bundle.writestr(
            "keys.txt",
            "".join(
                f"{label} {key}\n"
                for label, key in [("log", keys["log_key"])]
                + [("previous-log", k) for k in keys["previous_log_keys"]]
                + [("witness", k) for k in keys["witness_keys"]]
            ),
        )
        for path, data in files.items():
            bundle.writestr(path, data)
    return out.getvalue()


def _decoded(entry: dict[str, Any], plain: bytes) -> bytes:
    try:
        state: Any = json.loads(plain)
    except (ValueError, UnicodeDecodeError):
        state = None
    withheld = [k for k in WITHHELD if isinstance(state, dict) and k in state]
    for name in withheld:
        state[name] = "[withheld]"
    view = {
        "position": entry["position"],
        "aggregate_id": entry["aggregate_id"],
        "version": entry["version"],
        "topic": entry["topic"],
        "type": entry["type"],
        "withheld": withheld,
        "state": state,
    }
    return canonical_json(view)
