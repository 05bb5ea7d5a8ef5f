"""An inspector reading a complaint sees every handling step and what it said."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.support.http import Headers

FILED = {
    "category": "违规提拔",
    "title": "反映某镇干部受诫勉后不久即被提拔",
    "body": "该干部今年一月受诫勉，四月即被提拔。",
    "named": False,
    "channel": "letter",
    "received_at": "2024-05-01T09:00:00+08:00",
}


def test_the_handling_steps_carry_what_each_said(
    client: TestClient, auth: Callable[..., Headers]
) -> None:
    filed = client.post("/api/v1/complaints", json=FILED, headers=auth("intake"))
    cid = filed.json()["complaint_id"]
    work = auth("inspector", "纪委-赵")
    steps = [
        ("accept", {"date": "2024-05-03", "handler_unit": "县纪委第二监督检查室"}),
        ("extend", {"days": 20, "reason": "需调取组织部档案"}),
        (
            "conclude",
            {"date": "2024-05-09", "finding": "partly_substantiated", "summary": "部分属实"},
        ),
        ("notify-reporter", {"date": "2024-05-10", "method": "receipt"}),
    ]
    for action, body in steps:
        answer = client.post(f"/api/v1/complaints/{cid}/{action}", json=body, headers=work)
        assert answer.status_code == 201, answer.text
    last = answer.json()["position"]

    shown = client.get(
        f"/api/v1/complaints/{cid}", params={"min_position": last}, headers=auth("auditor")
    ).json()

    handling = shown["handling"]
    assert [s["step"] for s in handling] == ["accepted", "extended", "concluded", "notified"]
    assert handling[0]["handler_unit"] == "县纪委第二监督检查室"
    assert handling[0]["date"] == "2024-05-03"
    assert (handling[1]["days"], handling[1]["reason"]) == (20, "需调取组织部档案")
    assert (handling[2]["finding"], handling[2]["summary"]) == ("partly_substantiated", "部分属实")
    assert handling[3]["method"] == "receipt"
    assert {s["by"] for s in handling} == {"纪委-赵"}


def test_a_declined_complaint_shows_its_reason(
    client: TestClient, auth: Callable[..., Headers]
) -> None:
    cid = client.post("/api/v1/complaints", json=FILED, headers=auth("intake")).json()[
        "complaint_id"
    ]
    reason = "不属于本机关受理范围，已告知向有权机关提出"
    declined = client.post(
        f"/api/v1/complaints/{cid}/decline",
        json={"date": "2024-05-02", "reason": reason},
        headers=auth("inspector"),
    )
    assert declined.status_code == 201

    shown = client.get(
        f"/api/v1/complaints/{cid}",
        params={"min_position": declined.json()["position"]},
        headers=auth("inspector"),
    ).json()

    assert shown["status"] == "declined"
    assert [(s["step"], s["reason"]) for s in shown["handling"]] == [("declined", reason)]
