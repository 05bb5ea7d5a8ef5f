"""The audit ledger over HTTP on the demo county: keys, checkpoints, tiles, proofs that verify
with the offline checker, consistency, witnesses' cosignatures, verification, export bundles,
and the roles that may use them."""

from __future__ import annotations

import base64
import io
import itertools
import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.ledger.keys import NoteSigner
from projections.ledger.offline import (
    COSIGNATURE_V1,
    TlogProof,
    VerifierKey,
    check_bundle,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from projections.ledger.storage import decode_entries
from tests.support.http import assert_problem, bearer, serve

TODAY = date(2026, 6, 15)
AUDITOR = bearer("auditor")
WITNESS = NoteSigner("witness.example/discipline-commission", COSIGNATURE_V1, bytes(range(32)))


@pytest.fixture
def client(county: Path) -> Iterator[TestClient]:
    with serve(county, today=TODAY, ledger_witness_keys=str(WITNESS.verifier)) as test_client:
        yield test_client


def get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(f"/api/v1/audit/{path}", params=params, headers=AUDITOR)
    assert response.status_code == 200, response.text
    return response


def log_key(client: TestClient) -> VerifierKey:
    return VerifierKey.parse(get(client, "key").json()["log_key"])


def timeline_event(client: TestClient, kind: str) -> dict[str, Any]:
    """The first event of that type, as the timeline of its cadre shows it."""
    views = client.app.state.platform.views  # type: ignore[attr-defined]
    (row,) = views.query(
        "SELECT c.code FROM timeline t JOIN cadres c ON c.cadre_id = t.cadre_id "
        "WHERE t.type = ? ORDER BY t.position LIMIT 1",
        [kind],
    )
    response = client.get(f"/api/v1/cadres/{row['code']}/timeline", headers=AUDITOR)
    event = next(e for e in response.json()["events"] if e["type"] == kind)
    return {**event, "code": row["code"]}


@pytest.mark.parametrize("role", ["clerk", "intake", "inspector"])
def test_only_auditors_and_admins_use_the_ledger(client: TestClient, role: str) -> None:
    assert_problem(client.get("/api/v1/audit/key"), 401)
    assert_problem(client.get("/api/v1/audit/key", headers=bearer(role)), 403)
    assert_problem(client.post("/api/v1/audit/verify", headers=bearer(role)), 403)
    for allowed in ("auditor", "admin"):
        assert client.get("/api/v1/audit/key", headers=bearer(allowed)).status_code == 200


def test_the_key_and_the_latest_checkpoint(client: TestClient) -> None:
    doc = get(client, "key").json()
    key = VerifierKey.parse(doc["log_key"])
    assert doc["origin"] == key.name
    assert doc["witness_keys"] == [str(WITNESS.verifier)]
    response = get(client, "checkpoint")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint, _, _ = open_checkpoint(response.text, [key])
    assert checkpoint.origin == key.name
    status = client.get("/api/v1/status", headers=AUDITOR).json()
    assert checkpoint.size == status["position"]
    assert status["ledger"]["size"] == status["position"] and status["ledger"]["lag"] == 0
    assert status["ledger"]["checkpoint"]["size"] == checkpoint.size
    assert status["projections"]["ledger"] == {"position": status["position"], "lag": 0}
    metrics = client.get("/metrics", headers=AUDITOR).text
    assert f"jiandu_ledger_checkpoint_size {checkpoint.size}" in metrics
    signed = datetime.fromisoformat(status["ledger"]["checkpoint"]["signed_at"])
    assert f"jiandu_ledger_checkpoint_signed_timestamp_seconds {int(signed.timestamp())}" in metrics


def test_every_kept_checkpoint_is_signed_and_extends_the_one_before(client: TestClient) -> None:
    key = log_key(client)
    kept = get(client, "checkpoints").json()["checkpoints"]
    sizes = [c["size"] for c in kept]
    assert sizes == sorted(sizes) and len(sizes) >= 2
    checkpoints = [open_checkpoint(c["note"], [key])[0] for c in kept]
    for a, b in itertools.pairwise(checkpoints):
        proof = get(client, "consistency", first=a.size, second=b.size).json()["proof"]
        verify_consistency(a.size, b.size, [base64.b64decode(h) for h in proof], a.root, b.root)
    later = get(client, "checkpoints", since_size=sizes[-1]).json()["checkpoints"]
    assert [c["size"] for c in later] == [sizes[-1]]


def test_an_admonishment_is_proven_included_by_a_tlog_proof(client: TestClient) -> None:
    event = timeline_event(client, "Admonished")
    proof = TlogProof.parse(get(client, "proof", position=event["position"]).text)
    checkpoint, _, _ = open_checkpoint(proof.checkpoint, [log_key(client)])
    assert proof.extra is not None
    assert b'"position":%d,' % event["position"] in proof.extra
    assert b'Admonished"' in proof.extra
    verify_inclusion(proof.index, checkpoint.size, leaf_hash(proof.extra), proof.hashes,
                     checkpoint.root)  # fmt: skip
    first = get(client, "checkpoints").json()["checkpoints"][0]["size"]
    if proof.index < first:  # against an older checkpoint as well
        older = TlogProof.parse(get(client, "proof", position=event["position"], size=first).text)
        assert open_checkpoint(older.checkpoint, [log_key(client)])[0].size == first


def test_proofs_of_what_is_not_in_the_ledger(client: TestClient) -> None:
    head = client.get("/api/v1/status", headers=AUDITOR).json()["position"]
    assert_problem(client.get("/api/v1/audit/proof", params={"position": head + 5},
                              headers=AUDITOR), 404)  # fmt: skip
    assert_problem(client.get("/api/v1/audit/proof", params={"position": 0}, headers=AUDITOR), 422)
    assert_problem(client.get("/api/v1/audit/proof", params={"position": 1, "size": 999_999},
                              headers=AUDITOR), 404)  # fmt: skip
    bad = [{"first": 5, "second": 3}, {"first": 1, "second": head + 1}, {"first": 0, "second": 2}]
    statuses = [client.get("/api/v1/audit/consistency", params=p, headers=AUDITOR).status_code
                for p in bad]  # fmt: skip
    assert statuses == [422, 404, 422]


def test_tiles_and_entry_bundles_as_tlog_tiles(client: TestClient) -> None:
    level0 = get(client, "tile/0/000").content
    assert len(level0) == 8192
    entries = decode_entries(get(client, "tile/entries/000").content)
    assert b"".join(leaf_hash(e) for e in entries) == level0
    head = client.get("/api/v1/status", headers=AUDITOR).json()["position"]
    partial = head % 256
    tile = get(client, f"tile/0/{head // 256:03d}.p/{partial}").content
    assert len(tile) == 32 * partial
    assert get(client, "tile/0/000.p/5").content == level0[: 5 * 32]
    for path, status in (("tile/0/abc", 422), ("tile/64/000", 422), ("tile/0/0", 422),
                         ("tile/0/x999/999", 404), ("tile/entries/001.p/0", 422)):  # fmt: skip
        assert_problem(client.get(f"/api/v1/audit/{path}", headers=AUDITOR), status)


def test_verify_over_http(client: TestClient) -> None:
    response = client.post("/api/v1/audit/verify", headers=AUDITOR)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["first_bad_position"] is None and body["problem"] is None
    assert body["checked"] == client.get("/api/v1/status", headers=AUDITOR).json()["position"]
    assert body["read_models"]["ok"] is True and body["read_models"]["compared"] > 1000


def test_verify_over_http_names_a_state_rewritten_as_text(county: Path) -> None:
    from tests.support.ledger import sql

    (row,) = sql(county / "events.sqlite3", "SELECT MIN(rowid) FROM stored_events "
                 "WHERE topic LIKE '%:Admonished'")  # fmt: skip
    at = int(str(row[0]))
    sql(county / "events.sqlite3",
        "UPDATE stored_events SET state = CAST(state AS TEXT) WHERE rowid = ?", at)  # fmt: skip
    with serve(county, today=TODAY) as client:
        response = client.post("/api/v1/audit/verify", headers=AUDITOR)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is False and body["first_bad_position"] == at
    assert f"position {at}" in body["problem"]


def test_a_cadres_bundle_checks_offline_and_an_altered_one_does_not(
    client: TestClient, tmp_path: Path
) -> None:
    event = timeline_event(client, "Admonished")
    response = get(client, "export", cadre=event["code"])
    assert response.headers["content-type"] == "application/zip"
    key = log_key(client)
    good = _bundle(response.content, tmp_path)
    report = check_bundle(good, [key])
    assert report.ok, report.problems
    assert report.checked == len(
        client.get(f"/api/v1/cadres/{event['code']}/timeline?include_retracted=true",
                   headers=AUDITOR).json()["events"]
    )  # fmt: skip
    other = NoteSigner.generate(key.name)
    assert not check_bundle(good, [other.verifier]).ok
    assert not check_bundle(good, [key], [WITNESS.verifier]).ok  # not cosigned yet
    stored = f"events/{event['position']:012d}.stored"
    altered = _rewrite(response.content, stored, lambda b: b.replace(b"20", b"21", 1), tmp_path)
    report = check_bundle(altered, [key])
    assert not report.ok
    assert any(f"position {event['position']}" in p for p in report.problems)
    extended = _rewrite(
        response.content,
        "manifest.json",
        lambda b: b.replace(b'"version": 2,', b'"version": 2, "x": 0,'),
        tmp_path,
    )
    assert check_bundle(extended, [key]).ok  # extra manifest fields change nothing


def test_a_complaints_bundle_withholds_the_reporter(client: TestClient, tmp_path: Path) -> None:
    rows = client.get("/api/v1/complaints", headers=bearer("inspector")).json()["complaints"]
    named = next(r for r in rows if r.get("complaint_id"))
    response = get(client, "export", complaint=named["complaint_id"])
    report = check_bundle(_bundle(response.content, tmp_path), [log_key(client)])
    assert report.ok, report.problems
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        decoded = [bundle.read(n) for n in bundle.namelist() if n.endswith(".json")
                   and n.startswith("events/")]  # fmt: skip
        stored = [bundle.read(n) for n in bundle.namelist() if n.endswith(".stored")]
    filing = next(d for d in decoded if b"ComplaintFiled" in d)
    assert b'"receipt_fingerprint":"[withheld]"' in filing
    assert b'"reporter_sealed":"[withheld]"' in filing
    fingerprint = json.loads(next(s for s in stored if b"receipt_fingerprint" in s))
    assert fingerprint["receipt_fingerprint"].encode() not in filing


def test_export_asks_for_exactly_one_subject(client: TestClient) -> None:
    for params in ({}, {"cadre": "QH00001", "complaint": "8f0c2a52-55c4-4a50-9c27-7b8a0c5d2e11"}):
        assert_problem(client.get("/api/v1/audit/export", params=params, headers=AUDITOR), 422)
    assert_problem(client.get("/api/v1/audit/export", params={"cadre": "NOBODY"},
                              headers=AUDITOR), 404)  # fmt: skip
    assert_problem(client.get("/api/v1/audit/export", params={"complaint": "not-a-uuid"},
                              headers=AUDITOR), 422)  # fmt: skip


def test_a_witness_cosigns_and_the_checkpoint_carries_it(client: TestClient) -> None:
    note = get(client, "checkpoint").text
    checkpoint, parsed, _ = open_checkpoint(note, [log_key(client)])
    line = WITNESS.sign(parsed.text.encode()).line()
    response = client.post("/api/v1/audit/checkpoint/cosignatures", headers=AUDITOR,
                           json={"size": checkpoint.size, "cosignatures": [line]})  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json() == {"size": checkpoint.size, "accepted": [WITNESS.name]}
    cosigned = get(client, "checkpoint").text
    open_checkpoint(cosigned, [log_key(client)], [WITNESS.verifier])
    assert cosigned.endswith(line)


def test_cosignatures_that_are_refused(client: TestClient) -> None:
    note = get(client, "checkpoint").text
    checkpoint, parsed, _ = open_checkpoint(note, [log_key(client)])
    stranger = NoteSigner("someone.example/w", COSIGNATURE_V1, bytes(32))
    wrong_text = WITNESS.sign(b"another\ntext\n").line()
    cases = {
        stranger.sign(parsed.text.encode()).line(): 422,  # not a configured witness
        wrong_text: 422,  # a signature over something else
        "\u2014 witness.example/discipline-commission !!!": 422,
        "not a signature line": 422,
    }
    for line, status in cases.items():
        response = client.post("/api/v1/audit/checkpoint/cosignatures", headers=AUDITOR,
                               json={"size": checkpoint.size, "cosignatures": [line]})  # fmt: skip
        assert_problem(response, status)
    missing = client.post("/api/v1/audit/checkpoint/cosignatures", headers=AUDITOR,
                          json={"size": 999_999, "cosignatures": ["x"]})  # fmt: skip
    assert_problem(missing, 404)
    assert get(client, "checkpoint").text == note  # nothing was attached


def _bundle(content: bytes, folder: Path, name: str = "bundle.zip") -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def _rewrite(content: bytes, name: str, change: Any, folder: Path) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            target.writestr(item, change(data) if item == name else data)
    return _bundle(out.getvalue(), folder, f"{len(list(folder.iterdir()))}.zip")


def test_timelines_and_complaints_say_what_the_latest_checkpoint_covers(county: Path) -> None:
    with serve(county, today=TODAY, ledger_checkpoint_seconds=86_400.0) as client:
        event = timeline_event(client, "Admonished")
        code = event["code"]
        written = client.post(
            f"/api/v1/cadres/{code}/admonishments", headers=bearer("clerk"),
            json={"date": "2026-06-10", "authority": "县纪委", "reason": "工作作风问题"},
        )  # fmt: skip
        assert written.status_code == 201, written.text
        new = written.json()["position"]
        timeline = client.get(f"/api/v1/cadres/{code}/timeline", headers=AUDITOR,
                              params={"min_position": new}).json()  # fmt: skip
        reach = timeline["checkpoint"]
        assert reach is not None and reach["position"] < new
        marks = {e["position"]: e["included_in_checkpoint"] for e in timeline["events"]}
        assert marks.pop(new) is False
        assert marks and all(marks.values())
        rows = client.get("/api/v1/complaints", headers=bearer("inspector")).json()["complaints"]
        detail = client.get(f"/api/v1/complaints/{rows[0]['complaint_id']}",
                            headers=AUDITOR).json()  # fmt: skip
        ledger = detail["ledger"]
        assert [e["version"] for e in ledger["events"]] == list(range(1, detail["version"] + 1))
        assert ledger["events"][0]["type"] == "ComplaintFiled"
        assert all(e["included_in_checkpoint"] for e in ledger["events"])
        assert ledger["checkpoint"] == reach
