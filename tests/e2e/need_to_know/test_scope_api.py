"""Need to know: a token scoped to one township sees none of another's cadres, complaints,
findings or search hits; what lies outside answers 404, exactly as if it did not exist."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support.http import assert_problem, bearer, created, position, scoped, serve

CLERK = bearer("clerk")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """County C1 with townships T1 (village V1) and T2; cadres A1 (T1), A2 (V1), B1 (T2), each
    seconded to the county's finance bureau C2 without an approval; complaints about A1, about
    T2 and about nobody; the findings the rules raise."""
    with serve(tmp_path_factory.mktemp("scope"), supervise=True) as client:
        for unit in (
            {"code": "C1", "name": "县委", "level": "county", "kind": "party_committee"},
            {"code": "C2", "name": "县财政局", "level": "county", "kind": "department",
             "parent": "C1"},
            {"code": "T1", "name": "青石镇", "level": "township", "kind": "government",
             "parent": "C1"},
            {"code": "T2", "name": "石桥乡", "level": "township", "kind": "government",
             "parent": "C1"},
            {"code": "V1", "name": "柳村", "level": "village", "kind": "village_committee",
             "parent": "T1"},
        ):  # fmt: skip
            created(client.post("/api/v1/units", json=unit, headers=CLERK))
        for code, name, home in (("A1", "张伟", "T1"), ("A2", "李娜", "V1"), ("B1", "王强", "T2")):
            created(client.post("/api/v1/cadres", json={
                "code": code, "name": name, "gender": "male", "birth_date": "1990-01-01"},
                headers=CLERK))  # fmt: skip
            hired = {"effective_date": "2020-07-01", "unit": home, "channel": "exam"}
            created(client.post(f"/api/v1/cadres/{code}/recruitment", json=hired, headers=CLERK))
            created(client.post(f"/api/v1/cadres/{code}/secondments", json={
                "host_unit": "C2", "start_date": "2024-03-01", "planned_end_date": "2024-04-30",
                "purpose": f"借调{name}"}, headers=CLERK))  # fmt: skip
        ids = {}
        for key, subjects in (("a1", {"subject_cadres": ["A1"]}), ("t2", {"subject_units": ["T2"]}),
                              ("none", {})):  # fmt: skip
            letter = {
                "category": "借调", "title": f"反映借调问题{key}", "body": "借调未归",
                "named": False, "channel": "letter",
                "received_at": "2024-05-01T09:00:00+08:00", **subjects,
            }  # fmt: skip
            filed = client.post("/api/v1/complaints", headers=bearer("intake"), json=letter)
            ids[key] = created(filed)["complaint_id"]
        swept = client.post("/api/v1/rules/sweep", json={}, headers=bearer("inspector"))
        assert swept.status_code == 200, swept.text
        fresh = {"min_position": position(client)}
        assert client.get("/api/v1/findings", params=fresh, headers=CLERK).status_code in (200, 403)
        assert (
            client.get("/api/v1/search", params=fresh, headers=bearer("inspector")).status_code
            == 200
        )
        yield client, ids


def test_cadres_and_units_outside_the_subtree_are_not_there(
    county: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = county
    t1 = scoped("inspector", "T1")
    for path in ("/api/v1/cadres/A1", "/api/v1/cadres/A2", "/api/v1/cadres/A1/timeline",
                 "/api/v1/units/T1", "/api/v1/units/V1"):  # fmt: skip
        assert client.get(path, headers=t1).status_code == 200, path
    for path in ("/api/v1/cadres/B1", "/api/v1/cadres/B1/timeline", "/api/v1/units/T2",
                 "/api/v1/units/C1", "/api/v1/cadres/NOBODY"):  # fmt: skip
        body = assert_problem(client.get(path, headers=t1), 404)
        assert "not found" in body["detail"]
    # The same 404 as a code that does not exist: nothing tells one from the other.
    unknown = client.get("/api/v1/cadres/ZZ9", headers=t1).json()
    outside = client.get("/api/v1/cadres/B1", headers=t1).json()
    assert unknown["title"] == outside["title"] and unknown["status"] == outside["status"]
    # Writing to another township's cadre is refused the same way.
    clerk_t1 = scoped("clerk", "T1")
    before = position(client)
    assert_problem(client.post("/api/v1/cadres/B1/training", headers=clerk_t1, json={
        "start_date": "2024-01-01", "days": 1, "topic": "x"}), 404)  # fmt: skip
    assert_problem(client.post("/api/v1/units", headers=clerk_t1, json={
        "code": "X9", "name": "新村", "level": "village", "kind": "village_committee",
        "parent": "T2"}), 422)  # fmt: skip
    assert position(client) == before


def test_complaints_of_another_township_are_not_there(
    county: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = county
    t1, t2 = scoped("inspector", "T1"), scoped("inspector", "T2")
    listed = {c["complaint_id"] for c in client.get("/api/v1/complaints", headers=t1).json()[
        "complaints"]}  # fmt: skip
    assert listed == {ids["a1"]}
    listed_t2 = {c["complaint_id"] for c in client.get("/api/v1/complaints", headers=t2).json()[
        "complaints"]}  # fmt: skip
    assert listed_t2 == {ids["t2"]}
    everyone = {c["complaint_id"] for c in client.get(
        "/api/v1/complaints", headers=bearer("inspector")).json()["complaints"]}  # fmt: skip
    assert everyone == set(ids.values())
    assert client.get(f"/api/v1/complaints/{ids['a1']}", headers=t1).status_code == 200
    for cid in (ids["t2"], ids["none"]):
        assert_problem(client.get(f"/api/v1/complaints/{cid}", headers=t1), 404)
        assert_problem(client.post(f"/api/v1/complaints/{cid}/notes", json={"text": "x"},
                                   headers=t1), 404)  # fmt: skip


def test_findings_and_search_hits_of_another_township_are_not_there(
    county: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = county
    t1 = scoped("inspector", "T1")
    everyone = client.get("/api/v1/findings", headers=bearer("inspector")).json()["findings"]
    assert {f["subject"]["code"] for f in everyone if f["subject"]["kind"] == "cadre"} >= {
        "A1", "A2", "B1"}  # fmt: skip
    mine = client.get("/api/v1/findings", params={"limit": 1}, headers=t1)
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/findings", params=params, headers=t1).json()
        seen += page["findings"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert mine.status_code == 200 and seen
    assert {f["subject"]["code"] for f in seen} <= {"A1", "A2", "T1", "V1"}
    assert {f["subject"]["code"] for f in seen} >= {"A1", "A2"}
    outside = next(f for f in everyone if f["subject"]["code"] == "B1")
    assert_problem(client.get(f"/api/v1/findings/{outside['finding_id']}", headers=t1), 404)
    assert_problem(client.get("/api/v1/rules/evaluate", params={"cadre": "B1"}, headers=t1), 404)

    for params in ({"q": "借调"}, {"kind": "events", "size": 100}, {"q": "王强"}, {}):
        hits = client.get("/api/v1/search", params=params, headers=t1).json()["hits"]
        named = {c for h in hits for c in h["source"].get("cadres") or []}
        assert "B1" not in named, (params, named)
        assert not any("王强" in str(h) for h in hits), params
    found = client.get("/api/v1/search", params={"q": "借调", "size": 100}, headers=t1).json()
    assert {h["source"]["code"] for h in found["hits"] if h["kind"] == "cadres"} <= {"A1", "A2"}
    assert found["facets"] == {} and found["total"] == len(found["hits"])
    headline = client.get("/api/v1/search/secondments", headers=t1).json()["hits"]
    assert {h["source"]["cadre"] if "cadre" in h["source"] else h["source"]["cadres"][0]
            for h in headline} == {"A1", "A2"}  # fmt: skip


def test_a_county_token_sees_its_townships_and_a_bogus_unit_sees_nothing(
    county: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = county
    c1, bogus = scoped("inspector", "C1"), scoped("inspector", "NOWHERE")
    assert client.get("/api/v1/cadres/B1", headers=c1).status_code == 200
    assert len(client.get("/api/v1/complaints", headers=c1).json()["complaints"]) == 2
    assert client.get("/api/v1/complaints", headers=bogus).json()["complaints"] == []
    assert_problem(client.get("/api/v1/cadres/A1", headers=bogus), 404)
    assert_problem(client.get("/api/v1/audit/access", headers=scoped("auditor", "C1")), 403)


def test_the_web_pages_apply_a_unit_scope(
    county: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = county
    pages = TestClient(client.app, base_url="https://testserver")

    def sign_in(headers: dict[str, str]) -> int:
        pages.cookies.clear()
        form = pages.get("/ui/login")
        csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        token = headers["Authorization"].split(" ", 1)[1]
        answer = pages.post("/ui/login", data={"csrf": csrf, "token": token, "next": "/ui/"},
                            follow_redirects=False)  # fmt: skip
        return answer.status_code

    assert sign_in(bearer("inspector")) == 303
    assert pages.get("/ui/cadres/B1").status_code == 200
    assert pages.get(f"/ui/complaints/{ids['t2']}").status_code == 200
    assert sign_in(scoped("inspector", "T1")) == 303  # a scoped token signs in ...
    assert pages.get("/ui/cadres/A2").status_code == 200  # ... and sees its subtree only
    assert pages.get("/ui/cadres/B1").status_code == 404
    assert pages.get(f"/ui/complaints/{ids['t2']}").status_code == 404
    assert ids["t2"] not in pages.get("/ui/complaints").text
