"""Two-person unsealing of a named reporter over HTTP: every step an event, every reading
logged, the identity given only to the asker, only after a different lead approved, only for
a day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.clock import FixedClock
from tests.support.http import assert_problem, bearer, position, serve

NAMED = {
    "category": "作风", "title": "反映问题", "body": "情况如下。", "named": True,
    "reporter": {"name": "王小明", "phone": "13800000000"}, "channel": "letter",
    "received_at": "2024-05-08T10:00:00+08:00",
}  # fmt: skip
ASKER = bearer("inspector", "纪委-李干事")
LEAD = bearer("lead", "纪委书记")


@pytest.fixture
def client(tmp_data_dir: Path) -> Iterator[TestClient]:
    with serve(tmp_data_dir) as test_client:
        yield test_client


def filed(client: TestClient, **changes: object) -> str:
    answer = client.post("/api/v1/complaints", json={**NAMED, **changes}, headers=bearer("intake"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["complaint_id"])


def test_the_asker_reads_the_reporter_after_a_leads_approval(client: TestClient) -> None:
    cid = filed(client)
    base = f"/api/v1/complaints/{cid}"
    assert_problem(client.get(f"{base}/reporter", headers=ASKER), 404)  # nothing approved
    why = {"reason": "需核实举报人身份以便约谈"}
    asked = client.post(f"{base}/unseal-requests", json=why, headers=ASKER)
    assert asked.status_code == 201, asked.text
    rid = asked.json()["request_id"]
    assert_problem(client.get(f"{base}/reporter", headers=ASKER), 404)  # asked, not approved
    approve = f"{base}/unseal-requests/{rid}/approve"
    for headers, status in ((ASKER, 403), (bearer("admin"), 403), (bearer("auditor"), 403)):
        assert_problem(client.post(approve, headers=headers), status)
    assert_problem(client.post(approve, headers=bearer("lead", "纪委-李干事")), 409)  # the asker
    assert client.post(approve, headers=LEAD).status_code == 201
    shown = client.get(f"{base}/reporter", headers={**ASKER, "X-Purpose": "%E7%BA%A6%E8%B0%88"})
    assert shown.status_code == 200, shown.text
    assert (shown.json()["name"], shown.json()["phone"]) == ("王小明", "13800000000")
    # Another inspector, and the lead who approved, read nothing.
    assert_problem(client.get(f"{base}/reporter", headers=bearer("inspector", "别人")), 404)
    assert_problem(client.get(f"{base}/reporter", headers=LEAD), 403)

    listed = client.get(f"{base}/unseal-requests", headers=bearer("auditor")).json()["requests"]
    assert [(r["requested_by"], r["approved_by"], len(r["readings"])) for r in listed] == [
        ("纪委-李干事", "纪委书记", 1)
    ]
    wanted = {"resource": f"reporter:{cid}"}
    log = client.get("/api/v1/audit/access", params=wanted, headers=bearer("auditor"))
    readers = [(e["subject"], e["role"], e["purpose"]) for e in log.json()["entries"]]
    assert readers == [("纪委-李干事", "inspector", "约谈")]


def test_every_step_is_an_event_and_none_holds_the_identity(
    client: TestClient, tmp_data_dir: Path
) -> None:
    cid = filed(client)
    base = f"/api/v1/complaints/{cid}"
    rid = client.post(f"{base}/unseal-requests", json={"reason": "约谈"}, headers=ASKER).json()[
        "request_id"
    ]
    client.post(f"{base}/unseal-requests/{rid}/approve", headers=LEAD)
    client.get(f"{base}/reporter", headers=ASKER)
    wanted = {"kind": "events", "min_position": position(client), "size": 100}
    events = client.get("/api/v1/search", params=wanted, headers=bearer("auditor")).json()["hits"]
    types = [h["source"]["type"] for h in events]
    for step in ("ReporterUnsealRequested", "ReporterUnsealApproved", "ReporterUnsealed"):
        assert step in types
    raw = b"".join(p.read_bytes() for p in tmp_data_dir.iterdir() if p.is_file())
    assert "王小明".encode() not in raw and b"13800000000" not in raw


def test_an_anonymous_complaint_has_nobody_to_unseal(client: TestClient) -> None:
    cid = filed(client, named=False, reporter=None)
    before = position(client)
    answer = client.post(f"/api/v1/complaints/{cid}/unseal-requests", json={"reason": "x"},
                         headers=ASKER)  # fmt: skip
    assert_problem(answer, 409)
    assert position(client) == before


def test_the_view_ends_after_a_day(client: TestClient) -> None:
    cid = filed(client)
    base = f"/api/v1/complaints/{cid}"
    asked = client.post(f"{base}/unseal-requests", json={"reason": "约谈"}, headers=ASKER)
    client.post(f"{base}/unseal-requests/{asked.json()['request_id']}/approve", headers=LEAD)
    assert client.get(f"{base}/reporter", headers=ASKER).status_code == 200
    complaints = client.app.state.platform.services.complaints  # type: ignore[attr-defined]
    complaints.clock = FixedClock(complaints.clock.now() + timedelta(hours=24, minutes=1))
    assert_problem(client.get(f"{base}/reporter", headers=ASKER), 404)
