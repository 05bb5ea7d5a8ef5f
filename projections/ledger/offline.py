"""Offline checker of Jiandu's audit ledger: this one file, the standard library, `cryptography`.

It needs no database, no server and no other module of Jiandu, so an outside auditor can read
it in one sitting, copy it alone and run it:

    python offline.py BUNDLE.zip --key LOG_VKEY [--key OLDER_LOG_VKEY] [--witness VKEY ...]

It implements, from their published specifications:

- RFC 6962 / RFC 9162 Merkle tree hashing and the verification of inclusion (§2.1.3.2) and
  consistency (§2.1.4.2) proofs, with the edge cases of the Go reference implementation;
- C2SP signed-note (Ed25519 signatures, key IDs, verifier keys), tlog-checkpoint,
  tlog-cosignature (Ed25519, type 0x04) and tlog-proof;
- Jiandu's leaf: the canonical JSON of one stored event (see `leaf_bytes`);
- the check of an export bundle (`check_bundle`): every event's stored bytes, its leaf, its
  inclusion proof, the checkpoint's signature and the witnesses' cosignatures.

Exit status: 0 when everything verified, 1 when something did not, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
ED25519 = 0x01  # signed-note signature type: Ed25519 over the note text
COSIGNATURE_V1 = 0x04  # tlog-cosignature: timestamped Ed25519 over "cosignature/v1" + text
MAX_SIGNATURES = 100
PROOF_HEADER = "c2sp.org/tlog-proof@v1"
BUNDLE_FORMAT = "jiandu-ledger-bundle/v1"


class LedgerError(ValueError):
    """Something does not verify (a proof, a note, a key, a bundle)."""


# -- RFC 6962 hashing ---------------------------------------------------------------------


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _hashes(values: Iterable[bytes], what: str) -> list[bytes]:
    found = list(values)
    for value in found:
        if len(value) != HASH_SIZE:
            raise LedgerError(f"{what}: a hash of {len(value)} bytes (every hash has 32)")
    return found


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof of the leaf hash at ``index`` leads to (RFC 9162)."""
    if not 0 <= index < size:
        raise LedgerError(f"leaf index {index} is outside a tree of size {size}")
    (leaf,) = _hashes([leaf], "leaf hash")
    fn, sn, r = index, size - 1, leaf
    for p in _hashes(proof, "inclusion proof"):
        if sn == 0:
            raise LedgerError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise LedgerError("inclusion proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise LedgerError unless the proof shows the leaf hash at ``index`` under ``root``."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise LedgerError(f"inclusion proof of leaf {index} does not lead to the root")


def root_from_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes) -> bytes:
    """The root of the tree of ``size2`` that a consistency proof from ``root1`` leads to."""
    if size2 < size1:
        raise LedgerError(f"second size {size2} is smaller than the first {size1}")
    if size1 == 0:
        raise LedgerError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise LedgerError("equal sizes need an empty consistency proof")
        return root1
    if not proof:
        raise LedgerError("empty consistency proof")
    (root1,) = _hashes([root1], "first root")
    path = _hashes(proof, "consistency proof")
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise LedgerError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise LedgerError("consistency proof is too short")
    if fr != root1:
        raise LedgerError("consistency proof does not lead to the first root")
    return sr


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raise LedgerError unless the tree of ``size2`` extends the tree of ``size1``."""
    if root_from_consistency(size1, size2, proof, root1) != root2:
        raise LedgerError(f"tree of size {size2} does not extend the tree of size {size1}")


# -- signed notes and verifier keys -----------------------------------------------------


def key_id(name: str, key: bytes) -> int:
    """The signed-note key ID: SHA-256(name || 0x0A || type || public key)[:4], big-endian."""
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + key).digest()[:4], "big")


def valid_name(name: str) -> bool:
    """A key name: not empty, no Unicode space, no '+'."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as error:
        raise LedgerError(f"{what} is not standard base64") from error


@dataclass(frozen=True)
class VerifierKey:
    """A signed-note verifier key: ``name+hex(key ID)+base64(type || public key)``."""

    name: str
    id: int
    type: int
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> VerifierKey:
        """Parse and check a verifier key (name, ID that matches the key, type, key size)."""
        name, _, rest = vkey.strip().partition("+")
        id_hex, _, key64 = rest.partition("+")
        if not valid_name(name) or len(id_hex) != 8:
            raise LedgerError(f"malformed verifier key {vkey!r}")
        try:
            kid = int(id_hex, 16)
        except ValueError:
            raise LedgerError(f"malformed verifier key {vkey!r}") from None
        key = _b64(key64, "verifier key")
        if len(key) != 33 or key[0] not in (ED25519, COSIGNATURE_V1):
            raise LedgerError(f"verifier key {name}: not an Ed25519 or cosignature/v1 key")
        if key_id(name, key) != kid:
            raise LedgerError(f"verifier key {name}: the key ID does not match the key")
        return cls(name, kid, key[0], key[1:])

    def __str__(self) -> str:
        material = base64.b64encode(bytes([self.type]) + self.public_key).decode()
        return f"{self.name}+{self.id:08x}+{material}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without the key ID) signs the note text."""
        public = Ed25519PublicKey.from_public_bytes(self.public_key)
        message = text
        if self.type == COSIGNATURE_V1:
            if len(signature) != 72:
                return False
            stamp = int.from_bytes(signature[:8], "big")
            if stamp >= 1 << 63:
                return False
            message, signature = cosignature_message(stamp, text), signature[8:]
        try:
            public.verify(signature, message)
        except InvalidSignature:
            return False
        return True


def cosignature_message(timestamp: int, text: bytes) -> bytes:
    """What a tlog-cosignature/v1 signs: a header, the time, the checkpoint's note text."""
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True)
class Signature:
    """One signature line of a note."""

    name: str
    id: int
    signature: bytes  # without the key ID

    def line(self) -> str:
        """The note's signature line (with its newline)."""
        raw = self.id.to_bytes(4, "big") + self.signature
        return f"\u2014 {self.name} {base64.b64encode(raw).decode()}\n"


@dataclass(frozen=True)
class Note:
    """A parsed signed note: its text (ending in a newline) and its signature lines."""

    text: str
    signatures: tuple[Signature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def parse_note(data: bytes | str) -> Note:
    """Parse a signed note strictly (C2SP signed-note); signatures are not checked here."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise LedgerError("note is not valid UTF-8") from error
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise LedgerError("note contains a control character")
    split = text.rfind("\n\n")
    if split < 0:
        raise LedgerError("note has no blank line before its signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block.endswith("\n"):
        raise LedgerError("note has no signature lines, or they do not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise LedgerError(f"note has more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        if not line.startswith("\u2014 "):
            raise LedgerError(f"malformed signature line {line!r}")
        name, _, sig64 = line[2:].partition(" ")
        raw = _b64(sig64, "signature") if sig64 else b""
        if not valid_name(name) or len(raw) < 5:
            raise LedgerError(f"malformed signature line {line!r}")
        signatures.append(Signature(name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return Note(body, tuple(signatures))


def open_note(data: bytes | str | Note, keys: Iterable[VerifierKey]) -> tuple[Note, set[str]]:
    """Verify a note against known keys: every signature of a known key must verify, and at
    least one must. Returns the note and the names of the keys whose signatures verified."""
    note = data if isinstance(data, Note) else parse_note(data)
    known = {(k.name, k.id): k for k in keys}
    verified: set[str] = set()
    text = note.text.encode()
    for sig in note.signatures:
        key = known.get((sig.name, sig.id))
        if key is None:
            continue  # an unknown key's signature is ignored, as the specification says
        if not key.verify(text, sig.signature):
            raise LedgerError(f"the signature of {sig.name} does not verify")
        verified.add(sig.name)
    if not verified:
        raise LedgerError("no signature of a known key on the note")
    return note, verified


# -- checkpoints ------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint's note text strictly."""
        if not text.endswith("\n"):
            raise LedgerError("checkpoint text does not end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or not all(lines):
            raise LedgerError("checkpoint needs origin, size and root lines, none empty")
        origin, size_text, root64, *extensions = lines
        if not size_text.isascii() or not size_text.isdigit():
            raise LedgerError(f"checkpoint size {size_text!r} is not a decimal number")
        if size_text != str(int(size_text)) or int(size_text) >= 1 << 64:
            raise LedgerError(f"checkpoint size {size_text!r} is not in canonical form")
        root = _b64(root64, "checkpoint root")
        if len(root) != HASH_SIZE:
            raise LedgerError(f"checkpoint root has {len(root)} bytes, not 32")
        return cls(origin, int(size_text), root, tuple(extensions))

    def text(self) -> str:
        """The note text."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def open_checkpoint(
    note: bytes | str, log_keys: Iterable[VerifierKey], witnesses: Iterable[VerifierKey] = ()
) -> tuple[Checkpoint, Note, set[str]]:
    """Verify a checkpoint note: signed by one of the log's keys (whose name is the origin),
    and cosigned by every witness given. Returns the checkpoint, the note, who verified."""
    logs, witnesses = list(log_keys), list(witnesses)
    parsed, verified = open_note(note, [*logs, *witnesses])
    checkpoint = Checkpoint.parse(parsed.text)
    if not any(k.name == checkpoint.origin and k.name in verified for k in logs):
        raise LedgerError(f"checkpoint of {checkpoint.origin!r} is not signed by the log's key")
    missing = sorted({w.name for w in witnesses} - verified)
    if missing:
        raise LedgerError(f"checkpoint lacks the cosignature of {', '.join(missing)}")
    return checkpoint, parsed, verified


# -- tlog-proof ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TlogProof:
    """A C2SP tlog-proof: optional extra data, the leaf index, the inclusion proof and the
    checkpoint note (verbatim)."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    @classmethod
    def parse(cls, data: bytes | str) -> TlogProof:
        """Parse a tlog-proof strictly."""
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError as error:
            raise LedgerError("tlog-proof is not valid UTF-8") from error
        head, sep, checkpoint = text.partition("\n\n")
        lines = head.split("\n")
        if not sep or lines[0] != PROOF_HEADER:
            raise LedgerError(f"not a tlog-proof: no {PROOF_HEADER} header or no blank line")
        rest = lines[1:]
        extra = None
        if rest and rest[0].startswith("extra "):
            extra = _b64(rest.pop(0)[6:], "tlog-proof extra")
        if not rest or not rest[0].startswith("index "):
            raise LedgerError("tlog-proof has no index line")
        index_text = rest.pop(0)[6:]
        if not index_text.isascii() or not index_text.isdigit():
            raise LedgerError(f"tlog-proof index {index_text!r} is not a decimal number")
        if index_text != str(int(index_text)):
            raise LedgerError(f"tlog-proof index {index_text!r} is not in canonical form")
        hashes = _hashes((_b64(h, "tlog-proof hash") for h in rest), "tlog-proof")
        return cls(int(index_text), tuple(hashes), checkpoint, extra)

    def __str__(self) -> str:
        lines = [PROOF_HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.hashes)
        return "\n".join(lines) + "\n\n" + self.checkpoint


# -- Jiandu's leaf --------------------------------------------------------------------------


def leaf_bytes(position: int, aggregate_id: str, version: int, topic: str, state: bytes) -> bytes:
    """Leaf v1 of the stored event: canonical JSON (sorted keys, no spaces, UTF-8) of its
    position, aggregate id and version, topic, and the SHA-256 of its stored state bytes."""
    return canonical_json(
        {
            "aggregate_id": aggregate_id,
            "position": position,
            "state_sha256": hashlib.sha256(state).hexdigest(),
            "topic": topic,
            "v": 1,
            "version": version,
        }
    )


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# -- export bundles -----------------------------------------------------------------------


@dataclass
class BundleReport:
    """What a bundle check found."""

    checked: int = 0
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.checked > 0


def check_bundle(
    path: str | Path, log_keys: Sequence[VerifierKey], witnesses: Sequence[VerifierKey] = ()
) -> BundleReport:
    """Check an export bundle against the log's verifier key(s) and witnesses' keys."""
    report = BundleReport()
    try:
        with zipfile.ZipFile(path) as bundle:
            _check_bundle(bundle, log_keys, witnesses, report)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as error:
        report.problems.append(f"not a readable bundle: {error}")
    except LedgerError as error:
        report.problems.append(str(error))
    return report


def _check_bundle(
    bundle: zipfile.ZipFile,
    log_keys: Sequence[VerifierKey],
    witnesses: Sequence[VerifierKey],
    report: BundleReport,
) -> None:
    manifest = json.loads(bundle.read("manifest.json"))
    if manifest.get("format") != BUNDLE_FORMAT:
        raise LedgerError(f"manifest format is not {BUNDLE_FORMAT}")
    note = bundle.read("checkpoint").decode("utf-8")
    checkpoint, _, verified = open_checkpoint(note, log_keys, witnesses)
    report.lines.append(
        f"checkpoint {checkpoint.origin} size {checkpoint.size}: signed by "
        + ", ".join(sorted(verified))
    )
    versions: dict[str, list[int]] = {}
    for entry in manifest["events"]:
        problem = _check_event(bundle, entry, note, checkpoint)
        position = entry.get("position")
        if problem:
            report.problems.append(f"position {position}: {problem}")
        else:
            report.checked += 1
            versions.setdefault(str(entry["aggregate_id"]), []).append(int(entry["version"]))
            report.lines.append(
                f"position {position}: {entry.get('type', entry['topic'])} "
                f"v{entry['version']} included at index {entry['index']}"
            )
    for aggregate, found in versions.items():
        if sorted(found) != list(range(1, len(found) + 1)):
            report.problems.append(
                f"aggregate {aggregate}: versions {sorted(found)} are not 1..{len(found)}"
                " (an event of its history is missing from the bundle)"
            )
    for position in manifest.get("pending", []):
        report.lines.append(f"position {position}: recorded after the checkpoint (not checked)")


def _check_event(
    bundle: zipfile.ZipFile, entry: dict[str, Any], note: str, checkpoint: Checkpoint
) -> str | None:
    """The problem with one event of the bundle, or None when it verifies."""
    stored = bundle.read(entry["stored"])
    leaf = leaf_bytes(
        int(entry["position"]), str(entry["aggregate_id"]), int(entry["version"]),
        str(entry["topic"]), stored,
    )  # fmt: skip
    proof = TlogProof.parse(bundle.read(entry["proof"]))
    if proof.checkpoint != note:
        return "its proof is against another checkpoint than the bundle's"
    if proof.extra is not None and proof.extra != leaf:
        return "its stored bytes or metadata differ from the leaf the log recorded"
    if proof.index != int(entry["index"]):
        return f"its proof is for index {proof.index}, the manifest says {entry['index']}"
    try:
        verify_inclusion(proof.index, checkpoint.size, leaf_hash(leaf), proof.hashes,
                         checkpoint.root)  # fmt: skip
    except LedgerError as error:
        return f"not included in the checkpoint ({error})"
    return _check_decoded(json.loads(bundle.read(entry["decoded"])), entry, stored)


def _check_decoded(decoded: dict[str, Any], entry: dict[str, Any], stored: bytes) -> str | None:
    """The decoded view must say what the stored bytes say (less the withheld fields)."""
    for name in ("position", "aggregate_id", "version", "topic"):
        if decoded.get(name) != entry[name]:
            return f"the decoded event's {name} differs from the manifest"
    try:
        state = json.loads(stored)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None  # compressed or encrypted at rest: the decoded view cannot be compared
    for name in decoded.get("withheld", []):
        if name in state:
            state[name] = "[withheld]"
    if decoded.get("state") != state:
        return "the decoded event's data differs from its stored bytes"
    return None


def _key(text: str) -> VerifierKey:
    try:
        return VerifierKey.parse(text)
    except LedgerError:
        path = Path(text)
        if path.is_file():
            return VerifierKey.parse(path.read_text(encoding="utf-8"))
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Check a bundle; print what was checked; 0 verified, 1 not, 2 usage error."""
    parser = argparse.ArgumentParser(description="Check a Jiandu audit ledger bundle offline.")
    parser.add_argument("bundle", help="the .zip exported by GET /api/v1/audit/export")
    parser.add_argument("--key", action="append", required=True,
                        help="the log's verifier key (or a file holding it); repeat after a "
                        "key rotation")  # fmt: skip
    parser.add_argument("--witness", action="append", default=[],
                        help="a witness's verifier key that must have cosigned")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        keys = [_key(k) for k in args.key]
        witnesses = [_key(w) for w in args.witness]
    except LedgerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    report = check_bundle(args.bundle, keys, witnesses)
    for line in report.lines:
        print(line)
    for problem in report.problems:
        print(f"FAILED {problem}")
    if report.ok:
        print(f"ok: {report.checked} events verified")
        return 0
    if not report.problems:
        print("FAILED the bundle holds no event inside the checkpoint")
    return 1


if __name__ == "__main__":
    sys.exit(main())
