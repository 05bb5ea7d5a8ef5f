"""A kept idempotent answer is sealed at rest: an intake answer's receipt never lies in clear."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

INTAKE = {
    "category": "借调",
    "title": "反映借调人员长期不回原单位",
    "body": "某镇干部借调县直部门两年未归。",
    "named": False,
    "channel": "letter",
    "received_at": "2024-05-08T10:00:00+08:00",
}


def test_a_replayed_intake_answer_is_the_first_and_its_receipt_is_not_stored_in_clear(
    client: TestClient, auth: object, tmp_data_dir: Path
) -> None:
    headers = {**auth("intake"), "Idempotency-Key": "letter-2024-0508-01"}  # type: ignore[operator]
    first = client.post("/api/v1/complaints", json=INTAKE, headers=headers)
    again = client.post("/api/v1/complaints", json=INTAKE, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    receipt = first.json()["receipt"].encode()
    stored = b"".join(p.read_bytes() for p in tmp_data_dir.iterdir() if p.is_file())
    assert INTAKE["title"].encode() in stored  # the files are readable here
    assert receipt not in stored
