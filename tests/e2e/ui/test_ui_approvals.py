"""Two-person work on the pages: unsealing a named reporter (an inspector asks with a reason, a
lead who is not the asker approves, the asker reads once with a purpose), a clerk's request to
retract another role's entry approved by a lead, and the access log auditors read."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.pages import csrf_of, sign_in, token

ASKER, LEAD = "纪委-李干事", "纪委书记"


def _api(client: TestClient, method: str, path: str, role: str, subject: str | None = None,
         **kw: Any) -> Any:  # fmt: skip
    headers = {"Authorization": f"Bearer {token(role, subject)}"}
    answer = client.request(method, path, headers=headers, **kw)
    assert answer.status_code in (200, 201), answer.text
    if method == "POST":  # the pages read the read models: wait until they show the write
        fresh = {"min_position": answer.json()["position"]}
        shown = client.get("/api/v1/findings", params=fresh, headers=_bearer("auditor"))
        assert shown.status_code == 200, shown.text
    return answer.json()


def _bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role)}"}


def _settled(client: TestClient) -> dict[str, int]:
    return {"min_position": _api(client, "GET", "/api/v1/status", "auditor")["position"]}


def _named_complaint(client: TestClient) -> str:
    body = {
        "category": "作风", "title": "反映干部作风问题", "body": "情况如下。", "named": True,
        "reporter": {"name": "王小明", "phone": "13800000000"}, "channel": "letter",
        "received_at": "2026-05-08T10:00:00+08:00",
    }  # fmt: skip
    return str(_api(client, "POST", "/api/v1/complaints", "intake", json=body)["complaint_id"])


def _post(client: TestClient, path: str, page: str, **data: str) -> Any:
    return client.post(path, data={"csrf": csrf_of(client.get(page).text), **data},
                       follow_redirects=False)  # fmt: skip


def test_unsealing_a_reporter_takes_two_people_and_is_logged(fresh_pages: TestClient) -> None:
    client = fresh_pages
    cid = _named_complaint(client)
    page = f"/ui/complaints/{cid}"
    sign_in(client, "inspector", ASKER)
    shown = client.get(page).text
    assert "举报人身份（加密封存）" in shown and "尚无启封申请" in shown
    refused = _post(client, f"{page}/reporter", page, purpose="约谈")
    assert refused.status_code == 404 and "王小明" not in refused.text
    asked = _post(client, f"{page}/unseal-requests", page, reason="需核实举报人身份以便约谈")
    assert asked.status_code == 303, asked.text
    shown = client.get(page).text
    assert "需核实举报人身份以便约谈" in shown and "待负责人批准" in shown
    assert "查阅举报人身份" not in shown  # nothing approved: no reading form
    assert client.get("/ui/approvals").status_code == 403  # an inspector approves nothing

    # The asker, signed in as a lead, cannot approve their own request.
    sign_in(client, "lead", ASKER)
    mine = client.get("/ui/approvals").text
    assert "本人提出" in mine and "/unseal-requests/" not in mine
    rid = _api(client, "GET", "/api/v1/unseal-requests", "lead")["requests"][0]["request_id"]
    approve = f"{page}/unseal-requests/{rid}/approve"
    own = _post(client, approve, "/ui/approvals")
    assert own.status_code == 409 and "approve their own" in own.text
    sign_in(client, "admin")  # nor an admin: a second person's approval is a lead's
    assert _post(client, approve, "/ui/").status_code == 403

    sign_in(client, "lead", LEAD)
    listed = client.get("/ui/approvals").text
    assert "需核实举报人身份以便约谈" in listed and f'action="{approve}"' in listed
    done = _post(client, approve, "/ui/approvals")
    assert done.status_code == 303 and done.headers["location"] == "/ui/approvals?done=unseal"
    after = client.get("/ui/approvals?done=unseal").text
    assert "没有待批准的申请" in after and LEAD in after

    # Another inspector may not read; the asker reads once, with a purpose.
    sign_in(client, "inspector", "纪委-别人")
    assert "查阅举报人身份" not in client.get(page).text
    other = _post(client, f"{page}/reporter", page, purpose="好奇")
    assert other.status_code == 404 and "王小明" not in other.text
    sign_in(client, "inspector", ASKER)
    assert "查阅举报人身份" in client.get(page).text
    bad = _post(client, f"{page}/reporter", page, purpose="约谈\u202e")
    assert bad.status_code == 422 and "王小明" not in bad.text
    read = _post(client, f"{page}/reporter", page, purpose="约谈")
    assert read.status_code == 200 and "王小明" in read.text and "13800000000" in read.text
    assert "王小明" not in client.get(page).text  # shown in that answer only

    log = _api(client, "GET", "/api/v1/audit/access", "auditor",
               params={"resource": f"reporter:{cid}"})["entries"]  # fmt: skip
    assert [(e["subject"], e["purpose"]) for e in log] == [(ASKER, "约谈")]
    requests = _api(client, "GET", f"/api/v1/complaints/{cid}/unseal-requests", "auditor")
    assert [len(r["readings"]) for r in requests["requests"]] == [1]


def test_a_clerks_request_to_retract_the_commissions_entry_is_approved_by_a_lead(
    fresh_pages: TestClient,
) -> None:
    client = fresh_pages
    _api(
        client,
        "POST",
        "/api/v1/units",
        "clerk",
        json={"code": "T1", "name": "青石镇", "level": "township", "kind": "government"},
    )
    _api(
        client,
        "POST",
        "/api/v1/cadres",
        "clerk",
        json={"code": "A1", "name": "张伟", "gender": "male", "birth_date": "1988-03-02"},
    )
    _api(
        client,
        "POST",
        "/api/v1/cadres/A1/recruitment",
        "clerk",
        json={"effective_date": "2015-07-01", "unit": "T1", "channel": "exam"},
    )
    entry = _api(
        client,
        "POST",
        "/api/v1/cadres/A1/admonishments",
        "inspector",
        "纪委-李",
        json={"date": "2024-03-01", "authority": "县纪委", "reason": "违反工作纪律"},
    )["position"]
    sign_in(client, "clerk", "组织部-王")
    forms = "/ui/cadres/A1/record"
    direct = _post(client, "/ui/cadres/A1/retractions", forms, position=str(entry),
                   reason="诫勉决定已撤销")  # fmt: skip
    assert direct.status_code == 409 and "retraction-requests" in direct.text
    asked = _post(client, "/ui/cadres/A1/retraction-requests", forms, position=str(entry),
                  reason="诫勉决定已撤销")  # fmt: skip
    assert asked.status_code == 303, asked.text
    assert "待负责人批准" in client.get(asked.headers["location"]).text
    blank = _post(client, "/ui/cadres/A1/retraction-requests", forms, position=str(entry),
                  reason="")  # fmt: skip
    assert blank.status_code == 422

    sign_in(client, "lead", LEAD)
    listed = client.get("/ui/approvals", params=_settled(client)).text
    assert "张伟" in listed and "诫勉" in listed and "诫勉决定已撤销" in listed
    rid = _api(client, "GET", "/api/v1/retraction-requests", "lead")["requests"][0]["request_id"]
    done = _post(client, f"/ui/cadres/A1/retraction-requests/{rid}/approve", "/ui/approvals")
    assert done.status_code == 303
    timeline = _api(client, "GET", "/api/v1/cadres/A1/timeline", "auditor",
                    params={"include_retracted": "true", **_settled(client)})  # fmt: skip
    retracted = {e["position"]: e["retracted"] for e in timeline["events"]}
    assert retracted[entry] is True
    again = _post(client, f"/ui/cadres/A1/retraction-requests/{rid}/approve", "/ui/approvals")
    assert again.status_code == 409  # approved already: nothing written twice


def test_auditors_read_the_access_log(fresh_pages: TestClient) -> None:
    client = fresh_pages
    cid = _named_complaint(client)
    sign_in(client, "inspector", ASKER)
    assert client.get(f"/ui/complaints/{cid}", params={"purpose": "核查进度"}).status_code == 200
    sign_in(client, "auditor", "审计-钱")
    page = client.get("/ui/access")
    assert page.status_code == 200
    assert ASKER in page.text and "核查进度" in page.text and f"/ui/complaints/{cid}" in page.text
    narrowed = client.get("/ui/access", params={"subject": "nobody"})
    assert "没有符合条件的记录" in narrowed.text
    assert client.get("/ui/access", params={"from": "明天"}).status_code == 422
    assert client.get("/ui/access", params={"cursor": "c1.forged.x"}).status_code == 422
    checked = client.post("/ui/access/verify", data={"csrf": csrf_of(page.text)})
    assert checked.status_code == 200 and "核验通过" in checked.text
    assert client.post("/ui/access/verify", data={"csrf": "x"}).status_code == 403
    sign_in(client, "auditor", "审计-限", unit="T1")
    assert client.get("/ui/access").status_code == 403
    sign_in(client, "inspector")
    assert client.get("/ui/access").status_code == 403
