"""The transparency-dev/merkle test vectors and the C2SP signed-note example, through the
product's verifier (the offline checker): it accepts exactly the cases a correct verifier must."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from projections.ledger.offline import (
    LedgerError,
    VerifierKey,
    open_note,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[2] / "testdata" / "merkle"
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))

EXAMPLE_KEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
EXAMPLE_NOTE = (
    "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6T"
    "fXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def _case(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def test_all_vectors_are_present() -> None:
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98


@pytest.mark.parametrize("path", INCLUSION, ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vector(path: Path) -> None:
    case = _case(path)
    proof = [_b64(h) for h in case["proof"] or []]

    def verify() -> None:
        verify_inclusion(
            case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"])
        )

    if case["wantErr"]:
        with pytest.raises(LedgerError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("path", CONSISTENCY, ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vector(path: Path) -> None:
    case = _case(path)
    proof = [_b64(h) for h in case["proof"] or []]

    def verify() -> None:
        verify_consistency(
            case["size1"], case["size2"], proof, _b64(case["root1"]), _b64(case["root2"])
        )

    if case["wantErr"]:
        with pytest.raises(LedgerError):
            verify()
    else:
        verify()


def test_the_signed_note_example_verifies() -> None:
    key = VerifierKey.parse(EXAMPLE_KEY)
    assert (key.name, f"{key.id:08x}") == ("example.com/foo", "530d903a")
    note, verified = open_note(EXAMPLE_NOTE, [key])
    assert note.text == "This is an example message.\n"
    assert verified == {"example.com/foo"}
    assert str(note) == EXAMPLE_NOTE
    assert str(key) == EXAMPLE_KEY


@pytest.mark.parametrize("at", range(len("This is an example message.\n")))
def test_changing_any_byte_of_the_example_text_fails(at: int) -> None:
    key = VerifierKey.parse(EXAMPLE_KEY)
    raw = bytearray(EXAMPLE_NOTE.encode())
    raw[at] ^= 0x01
    with pytest.raises(LedgerError):
        open_note(bytes(raw), [key])
