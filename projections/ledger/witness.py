"""A witness: another party that cosigns the log's checkpoints only while they extend the one
it cosigned last (C2SP tlog-cosignature/v1). Its memory is one small state file."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from projections.ledger.keys import NoteSigner
from projections.ledger.offline import (
    Checkpoint,
    LedgerError,
    VerifierKey,
    open_checkpoint,
    verify_consistency,
)


class Refused(LedgerError):
    """The witness will not cosign: a fork, a rollback, or a checkpoint of another log."""


@dataclass(frozen=True)
class Witnessed:
    """The last checkpoint the witness cosigned."""

    origin: str
    size: int
    root: bytes

    @classmethod
    def load(cls, path: Path) -> Witnessed | None:
        """The state file's checkpoint (None when the witness has cosigned nothing yet)."""
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(data["origin"]), int(data["size"]), base64.b64decode(data["root"]))
        except (ValueError, KeyError, TypeError) as error:
            raise LedgerError(f"the witness state file {path} is damaged: {error}") from error

    def save(self, path: Path) -> None:
        """Replace the state file atomically."""
        body = {"origin": self.origin, "size": self.size,
                "root": base64.b64encode(self.root).decode()}  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".new")
        temporary.write_text(json.dumps(body) + "\n", encoding="utf-8")
        os.replace(temporary, path)


ConsistencyFetch = Callable[[int, int], Sequence[bytes]]


def cosign(
    note: str,
    log_key: VerifierKey,
    signer: NoteSigner,
    last: Witnessed | None,
    consistency: ConsistencyFetch,
) -> tuple[Checkpoint, str]:
    """Check a checkpoint note against the log's key and the last cosigned checkpoint, and
    return it with the cosignature line; Refused on a fork, a rollback or another log."""
    try:
        checkpoint, parsed, _ = open_checkpoint(note, [log_key])
    except LedgerError as error:
        raise Refused(f"the checkpoint does not verify with the log's key: {error}") from error
    if last is not None:
        if checkpoint.origin != last.origin:
            raise Refused(f"the checkpoint is of {checkpoint.origin}, not of {last.origin}")
        if checkpoint.size < last.size:
            raise Refused(
                f"the log went back from size {last.size} to {checkpoint.size} (rollback)"
            )
        if checkpoint.size == last.size and checkpoint.root != last.root:
            raise Refused(f"two different trees of size {last.size}: the log forked")
        if checkpoint.size > last.size and last.size > 0:
            proof = list(consistency(last.size, checkpoint.size))
            try:
                verify_consistency(last.size, checkpoint.size, proof, last.root, checkpoint.root)
            except LedgerError as error:
                raise Refused(
                    f"the tree of size {checkpoint.size} does not extend the one of size "
                    f"{last.size} this witness cosigned: the log forked ({error})"
                ) from error
    line = signer.sign(parsed.text.encode()).line()
    return checkpoint, line
