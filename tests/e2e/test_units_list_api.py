"""`GET /units`: the units in code order, filtered by parent, level, kind and text, page by page."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi.testclient import TestClient

from tests.support.http import assert_problem, bearer, position, scoped

CLERK = bearer("clerk")


def units(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/units", params={"min_position": position(client), **params},
                          headers=bearer("intake"))  # fmt: skip
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(client: TestClient, **params: Any) -> list[str]:
    return [u["code"] for u in units(client, **params)["units"]]


def test_units_filter_and_page(client: TestClient) -> None:
    for code, name, level, kind, parent in (
        ("C", "清河县人民政府", "county", "government", None),
        ("C-CZJ", "清河县财政局", "county", "department", "C"),
        ("T1", "青石镇人民政府", "township", "government", "C"),
        ("T1-DW", "中共青石镇委员会", "township", "party_committee", None),
        ("T2", "白云镇人民政府", "township", "government", "C"),
        ("V1", "青石村村民委员会", "village", "village_committee", "T1"),
    ):
        body = {"code": code, "name": name, "level": level, "kind": kind, "parent": parent}
        if code == "T1-DW":
            body["joint_with"] = "T1"
        assert client.post("/api/v1/units", json=body, headers=CLERK).status_code == 201
    assert codes(client, parent="C") == ["C-CZJ", "T1", "T2"]
    assert codes(client, level="township") == ["T1", "T1-DW", "T2"]
    assert codes(client, kind="government", level="township") == ["T1", "T2"]
    assert codes(client, q="青石") == ["T1", "T1-DW", "V1"]
    assert codes(client, q="%") == [] and codes(client, q="_") == []
    dw = units(client, q="委员会", level="township")["units"][0]
    assert (dw["code"], dw["joint_with"]) == ("T1-DW", "T1")
    seen, cursor = [], None
    while True:
        page = units(client, limit=4, **({"cursor": cursor} if cursor else {}))
        seen += [u["code"] for u in page["units"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["C", "C-CZJ", "T1", "T1-DW", "T2", "V1"]
    for bad in ({"level": "planet"}, {"limit": 0}):
        assert_problem(client.get("/api/v1/units", params=bad, headers=CLERK), 422)
    assert_problem(client.get("/api/v1/units"), 401)
    # One cursor format across the API: signed, bound to the list and its filters.
    first = units(client, limit=2)["next_cursor"]
    assert first is not None and first.startswith("c1.")
    assert units(client, limit=2, cursor=first)["units"][0]["code"] == "T1"
    handmade = base64.urlsafe_b64encode(json.dumps(["unit", "T1"]).encode()).decode()
    for bad in ({"cursor": "not-a-cursor"}, {"cursor": handmade},
                {"cursor": first, "level": "township"}, {"cursor": first[:-2] + "AA"}):  # fmt: skip
        assert_problem(client.get("/api/v1/units", params=bad, headers=CLERK), 400)


def test_a_unit_scoped_token_lists_its_subtree_only(client: TestClient) -> None:
    for code, level, kind, parent in (
        ("SC", "county", "government", None),
        ("SC-T1", "township", "government", "SC"),
        ("SC-T1-V1", "village", "village_committee", "SC-T1"),
        ("SC-T1-V2", "village", "village_committee", "SC-T1"),
        ("SC-T2", "township", "government", "SC"),
        ("SC-T2-V1", "village", "village_committee", "SC-T2"),
    ):
        body = {"code": code, "name": f"单位{code}", "level": level, "kind": kind,
                "parent": parent}  # fmt: skip
        assert client.post("/api/v1/units", json=body, headers=CLERK).status_code == 201
    t1 = scoped("intake", "SC-T1")
    seen, cursor = [], None
    while True:
        params = {"q": "SC", "limit": 1, "min_position": position(client),
                  **({"cursor": cursor} if cursor else {})}  # fmt: skip
        page = client.get("/api/v1/units", params=params, headers=t1)
        assert page.status_code == 200, page.text
        seen += [u["code"] for u in page.json()["units"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == ["SC-T1", "SC-T1-V1", "SC-T1-V2"]
    assert codes(client, q="SC") == ["SC", "SC-T1", "SC-T1-V1", "SC-T1-V2", "SC-T2", "SC-T2-V1"]
    outside = client.get("/api/v1/units", params={"parent": "SC-T2"}, headers=t1)
    assert outside.status_code == 200 and outside.json()["units"] == []
