"""The C2SP formats: signed notes (and what their parser rejects), verifier and private keys,
checkpoints, cosignatures, tlog-proofs, tile paths; and Jiandu's leaf."""

from __future__ import annotations

import base64
import stat
import uuid
from pathlib import Path

import pytest
from eventsourcing.persistence import Notification
from hypothesis import given
from hypothesis import strategies as st

from projections.ledger.events import leaf_of
from projections.ledger.keys import NoteSigner, read_key, write_key
from projections.ledger.offline import (
    COSIGNATURE_V1,
    Checkpoint,
    LedgerError,
    TlogProof,
    VerifierKey,
    leaf_bytes,
    open_checkpoint,
    open_note,
    parse_note,
)
from projections.ledger.tiles import parse_index_path, tile_path
from projections.ledger.tree import edge_widths

ROOT = base64.b64encode(bytes(range(32))).decode()


def signed(text: str, *signers: NoteSigner) -> str:
    return text + "\n" + "".join(s.sign(text.encode()).line() for s in signers)


@pytest.fixture
def log_key() -> NoteSigner:
    return NoteSigner.generate("qinghe.example/jiandu")


@pytest.mark.parametrize(
    "note",
    [
        "text\n",  # no blank line, no signatures
        "text\n\n",  # no signature lines
        "text\n\n\u2014 example.com/foo AAAAAAA=",  # no final newline
        "text\n\n- example.com/foo Uw2QOkn8=\n",  # hyphen, not em dash
        "text\n\n\u2014 example.com/foo\n",  # no signature
        "text\n\n\u2014  Uw2QOkn8srV1\n",  # empty name
        "text\n\n\u2014 exa+mple Uw2QOkn8srV1\n",  # '+' in the name
        "text\n\n\u2014 example.com/foo not*base64\n",  # not base64
        "text\n\n\u2014 example.com/foo AAAA\n",  # shorter than a key ID and one byte
        "te\x01xt\n\n\u2014 example.com/foo Uw2QOkn8srV1\n",  # a control character
        "text\r\n\n\u2014 example.com/foo Uw2QOkn8srV1\n",  # a carriage return
    ],
)
def test_malformed_notes_are_rejected(note: str) -> None:
    with pytest.raises(LedgerError):
        parse_note(note)


def test_notes_must_be_utf8() -> None:
    with pytest.raises(LedgerError):
        parse_note(b"caf\xe9\n\n\xe2\x80\x94 example.com/foo Uw2QOkn8srV1\n")


def test_at_most_a_hundred_signatures(log_key: NoteSigner) -> None:
    line = log_key.sign(b"text\n").line()
    parse_note("text\n\n" + line * 100)
    with pytest.raises(LedgerError):
        parse_note("text\n\n" + line * 101)


def test_unknown_signatures_are_ignored_but_a_known_bad_one_rejects(log_key: NoteSigner) -> None:
    other = NoteSigner.generate("someone.example/else")
    note = signed("hello\n", other, log_key)
    _, verified = open_note(note, [log_key.verifier])
    assert verified == {log_key.name}
    with pytest.raises(LedgerError, match="no signature of a known key"):
        open_note(signed("hello\n", other), [log_key.verifier])
    forged = note.replace(log_key.sign(b"hello\n").line(), log_key.sign(b"bye\n").line())
    with pytest.raises(LedgerError, match="does not verify"):
        open_note(forged, [log_key.verifier])


def test_a_key_with_the_same_name_and_another_id_is_not_the_log() -> None:
    real = NoteSigner.generate("log.example/a")
    impostor = NoteSigner.generate("log.example/a")
    with pytest.raises(LedgerError):
        open_note(signed("x\n", impostor), [real.verifier])


@pytest.mark.parametrize(
    "vkey",
    [
        "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # wrong ID
        "example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # short ID
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U",  # short key
        "example.com/foo+530d903a",
        "+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    ],
)
def test_malformed_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(LedgerError):
        VerifierKey.parse(vkey)


def test_private_keys_round_trip_and_are_written_for_the_owner_only(tmp_path: Path) -> None:
    signer = NoteSigner.generate("qinghe.example/jiandu")
    path = tmp_path / "keys" / "log.key"
    write_key(path, signer)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = read_key(path)
    assert again.verifier == signer.verifier
    assert (tmp_path / "keys" / "log.key.pub").read_text().strip() == str(signer.verifier)
    assert VerifierKey.parse(str(signer.verifier)) == signer.verifier
    with pytest.raises(FileExistsError):
        write_key(path, NoteSigner.generate("other.example/x"))
    assert read_key(path).verifier == signer.verifier


@pytest.mark.parametrize(
    "skey",
    [
        "PRIVATE+KEY+name+00000000+AQ==",
        "PRIVAT+KEY+name+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(),
        "PRIVATE+KEY+name+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(),  # bad ID
        "PRIVATE+KEY+na me+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(),
    ],
)
def test_malformed_private_keys_are_rejected(skey: str) -> None:
    with pytest.raises(LedgerError):
        NoteSigner.parse(skey)


def test_checkpoints_sign_and_parse(log_key: NoteSigner) -> None:
    text = f"qinghe.example/jiandu\n42\n{ROOT}\n"
    checkpoint, _, verified = open_checkpoint(signed(text, log_key), [log_key.verifier])
    assert checkpoint == Checkpoint("qinghe.example/jiandu", 42, bytes(range(32)))
    assert checkpoint.text() == text
    assert verified == {log_key.name}


@pytest.mark.parametrize(
    "text",
    [
        f"origin\n042\n{ROOT}\n",  # leading zero
        f"origin\n-1\n{ROOT}\n",
        f"origin\n4 2\n{ROOT}\n",
        f"origin\n{1 << 64}\n{ROOT}\n",
        "origin\n42\nAAAA\n",  # not 32 bytes
        f"\n42\n{ROOT}\n",  # empty origin
        f"origin\n42\n{ROOT}\n\n",  # empty extension line
        "origin\n42\n",
        f"origin\n42\n{ROOT}",  # no final newline
    ],
)
def test_malformed_checkpoints_are_rejected(text: str) -> None:
    with pytest.raises(LedgerError):
        Checkpoint.parse(text)


def test_a_checkpoint_of_another_origin_is_refused(log_key: NoteSigner) -> None:
    with pytest.raises(LedgerError, match="not signed by the log"):
        open_checkpoint(signed(f"elsewhere.example\n1\n{ROOT}\n", log_key), [log_key.verifier])


def test_witness_cosignatures(log_key: NoteSigner) -> None:
    clock = iter([1_700_000_000]).__next__
    witness = NoteSigner("witness.example/w1", COSIGNATURE_V1, bytes(range(32)), now=clock)
    text = f"qinghe.example/jiandu\n42\n{ROOT}\n"
    note = signed(text, log_key, witness)
    line = note.splitlines()[-1]
    raw = base64.b64decode(line.split(" ")[-1])
    assert int.from_bytes(raw[4:12], "big") == 1_700_000_000
    assert len(raw) == 4 + 8 + 64
    open_checkpoint(note, [log_key.verifier], [witness.verifier])
    with pytest.raises(LedgerError, match="lacks the cosignature"):
        open_checkpoint(signed(text, log_key), [log_key.verifier], [witness.verifier])
    # The cosignature commits to its time: changing the timestamp breaks it.
    bumped = raw[:4] + (1_700_000_001).to_bytes(8, "big") + raw[12:]
    forged = note.replace(line.split(" ")[-1], base64.b64encode(bumped).decode())
    with pytest.raises(LedgerError):
        open_checkpoint(forged, [log_key.verifier], [witness.verifier])


def test_a_witness_key_read_as_a_cosigner_has_the_cosignature_key_id() -> None:
    plain = NoteSigner.generate("witness.example/w2")
    cosigner = NoteSigner.parse(plain.private(), cosign=True)
    assert cosigner.verifier.type == COSIGNATURE_V1
    assert cosigner.verifier.id != plain.verifier.id
    assert cosigner.verifier.public_key == plain.verifier.public_key


def test_tlog_proofs_round_trip() -> None:
    proof = TlogProof(
        7, (bytes(32), bytes(range(32))), f"o\n8\n{ROOT}\n\n\u2014 o AAAAAAA=\n", b"{}"
    )
    text = str(proof)
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra e30=\nindex 7\n")
    assert TlogProof.parse(text) == proof
    assert TlogProof.parse(str(TlogProof(0, (), "cp\n"))) == TlogProof(0, (), "cp\n")


@pytest.mark.parametrize(
    "text",
    [
        "c2sp.org/tlog-proof@v2\nindex 1\n\ncp\n",
        "c2sp.org/tlog-proof@v1\n\ncp\n",  # no index
        "c2sp.org/tlog-proof@v1\nindex 01\n\ncp\n",
        "c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\ncp\n",  # a short hash
        "c2sp.org/tlog-proof@v1\nextra %%%\nindex 1\n\ncp\n",
        "c2sp.org/tlog-proof@v1\nindex 1\n",  # no blank line, no checkpoint
    ],
)
def test_malformed_tlog_proofs_are_rejected(text: str) -> None:
    with pytest.raises(LedgerError):
        TlogProof.parse(text)


def test_tile_paths_as_the_specification_writes_them() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(2, 0, 1) == "tile/2/000.p/1"
    assert tile_path("entries", 1000) == "tile/entries/x001/000"
    assert parse_index_path("x001/x234/067.p/5") == (1234067, 5)
    for bad in ("1234067", "x1/234", "001/234", "x000/001", "067.p/0", "067.p/256", "067.p/05"):
        with pytest.raises(ValueError):
            parse_index_path(bad)


def test_tiles_of_a_tree_of_70000_as_the_specification_counts_them() -> None:
    # 273 full level-0 tiles and one of width 112, one full level-1 tile and one of width 17,
    # one level-2 tile of width 1.
    assert 70_000 // 256 == 273
    assert edge_widths(70_000) == [112, 17, 1]
    assert edge_widths(256) == [0, 1]


@given(
    position=st.integers(min_value=1, max_value=2**62),
    version=st.integers(min_value=1, max_value=2**31),
    topic=st.text(min_size=1, max_size=40),
    state=st.binary(max_size=200),
)
def test_the_fast_leaf_is_the_canonical_leaf(
    position: int, version: int, topic: str, state: bytes
) -> None:
    originator = uuid.uuid4()
    event = Notification(
        id=position, originator_id=originator, originator_version=version, topic=topic,
        state=state,
    )  # fmt: skip
    assert leaf_of(event) == leaf_bytes(position, str(originator), version, topic, state)
