"""Internal complaints over HTTP: intake files, inspectors and auditors read, inspectors work."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.http import Headers, assert_problem, bearer, position, serve

COMPLAINTS = "/api/v1/complaints"
REPORTER = {"name": "赵六一", "phone": "13912345678"}


def letter(**overrides: Any) -> dict[str, Any]:
    """The body of a complaint received by letter."""
    body: dict[str, Any] = {
        "category": "借调",
        "title": "某镇干部长期借调县直部门",
        "body": "某镇干部甲自2021年起借调县委组织部,至今未归。\n请核查。",
        "named": False,
        "channel": "letter",
        "received_at": "2024-05-01T09:00:00+08:00",
    }
    return body | overrides


def register_subjects(client: TestClient) -> None:
    """A county department, a township and one cadre the complaints can name."""
    clerk = bearer("clerk")
    for unit in (
        {"code": "C1", "name": "县委组织部", "level": "county", "kind": "department"},
        {"code": "T1", "name": "青山镇", "level": "township", "kind": "government"},
    ):
        assert client.post("/api/v1/units", json=unit, headers=clerk).status_code == 201
    cadre = {"code": "A1", "name": "钱七", "gender": "male", "birth_date": "1988-03-04"}
    assert client.post("/api/v1/cadres", json=cadre, headers=clerk).status_code == 201


def file(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post(COMPLAINTS, json=letter(**overrides), headers=bearer("intake"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def read(client: TestClient, complaint_id: str, role: str = "inspector") -> dict[str, Any]:
    response = client.get(
        f"{COMPLAINTS}/{complaint_id}",
        params={"min_position": position(client)},
        headers=bearer(role),
    )
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def work(client: TestClient, complaint_id: str, action: str, body: dict[str, Any]) -> Any:
    return client.post(
        f"{COMPLAINTS}/{complaint_id}/{action}", json=body, headers=bearer("inspector")
    )


def queue(client: TestClient, role: str = "inspector", **params: Any) -> dict[str, Any]:
    params = {"min_position": position(client), **params}
    response = client.get(COMPLAINTS, params=params, headers=bearer(role))
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def ids(page: dict[str, Any]) -> list[str]:
    return [c["complaint_id"] for c in page["complaints"]]


ACTIONS: dict[str, dict[str, Any]] = {
    "accept": {"date": "2024-05-02", "handler_unit": "县纪委"},
    "decline": {"date": "2024-05-02", "reason": "不属受理范围"},
    "forward": {"date": "2024-05-02", "to_authority": "市纪委"},
    "extend": {"days": 10, "reason": "案情复杂"},
    "notes": {"text": "已调取借调审批材料"},
    "messages": {"text": "您的举报已收到"},
    "conclude": {"date": "2024-05-03", "finding": "substantiated", "summary": "属实"},
    "notify-reporter": {"date": "2024-05-04", "method": "电话"},
}

# -- filing and reading -----------------------------------------------------------------------


def test_intake_files_a_named_complaint_and_an_inspector_reads_it_sealed(
    client: TestClient,
) -> None:
    register_subjects(client)
    created = file(
        client, named=True, reporter=REPORTER, subject_cadres=["A1"], subject_units=["T1"]
    )
    assert set(created) == {"complaint_id", "receipt", "position", "version"}
    assert created["version"] == 1
    assert len(created["receipt"]) == 16 and created["receipt"].isdigit()
    uuid.UUID(created["complaint_id"])

    doc = read(client, created["complaint_id"])
    assert doc["complaint_id"] == created["complaint_id"]
    assert doc["status"] == "filed"
    assert doc["reporter"] == "sealed"
    assert doc["channel"] == "letter"
    assert (doc["subject_cadres"], doc["subject_units"]) == (["A1"], ["T1"])
    assert doc["deadlines"] == {"decide_by": "2024-05-16", "conclude_by": None}
    assert (doc["messages"], doc["notes"], doc["version"]) == ([], [], 1)
    text = json.dumps(doc, ensure_ascii=False)
    for secret in (REPORTER["name"], REPORTER["phone"], created["receipt"]):
        assert secret not in text
    assert not {"receipt", "receipt_fingerprint", "reporter_sealed"} & set(doc)


def test_an_anonymous_complaint_has_no_reporter_and_receipts_differ(client: TestClient) -> None:
    first, second = file(client), file(client)
    assert read(client, first["complaint_id"], role="auditor")["reporter"] is None
    assert first["receipt"] != second["receipt"]
    assert first["complaint_id"] != second["complaint_id"]


def test_admin_files_reads_and_works(client: TestClient) -> None:
    admin = bearer("admin")
    created = client.post(COMPLAINTS, json=letter(), headers=admin).json()
    accepted = client.post(
        f"{COMPLAINTS}/{created['complaint_id']}/accept",
        json={"date": "2024-05-02", "handler_unit": "县纪委"},
        headers=admin,
    )
    assert accepted.status_code == 201
    doc = client.get(
        f"{COMPLAINTS}/{created['complaint_id']}",
        params={"min_position": accepted.json()["position"]},
        headers=admin,
    ).json()
    assert doc["status"] == "accepted"


def test_subjects_must_exist(client: TestClient) -> None:
    before = position(client)
    assert_problem(
        client.post(COMPLAINTS, json=letter(subject_cadres=["NOPE"]), headers=bearer("intake")),
        422,
    )
    assert position(client) == before


@pytest.mark.parametrize(
    "received_at",
    [
        "2024-05-01T09:00:00",
        "2024-02-30T09:00:00+08:00",
        "yesterday",
        3.5,
        "0001-01-01T00:00:00+01:00",  # would not fit in UTC
        "1899-12-31T23:59:59+08:00",
    ],
)
def test_received_at_must_be_a_real_instant_with_a_zone(
    client: TestClient, received_at: Any
) -> None:
    before = position(client)
    response = client.post(
        COMPLAINTS, json=letter(received_at=received_at), headers=bearer("intake")
    )
    problem = assert_problem(response, 422)
    if "errors" in problem:  # a schema error names the field; a domain refusal says why
        assert ["body", "received_at"] in [e["loc"][:2] for e in problem["errors"]]
    else:
        assert "received_at" in problem["detail"]
    assert position(client) == before


def test_a_complaint_received_in_the_future_is_a_conflict(client: TestClient) -> None:
    before = position(client)
    future = letter(received_at="2024-06-01T09:00:00+08:00")
    assert_problem(client.post(COMPLAINTS, json=future, headers=bearer("intake")), 409)
    assert position(client) == before


def test_named_needs_a_reporter_and_anonymous_has_none(client: TestClient) -> None:
    before = position(client)
    intake = bearer("intake")
    assert_problem(client.post(COMPLAINTS, json=letter(named=True), headers=intake), 422)
    anonymous_with_reporter = letter(named=False, reporter=REPORTER)
    assert_problem(client.post(COMPLAINTS, json=anonymous_with_reporter, headers=intake), 422)
    assert position(client) == before


@pytest.mark.parametrize("complaint_id", [str(uuid.uuid4()), "not-a-uuid", "1 OR 1=1", "x" * 300])
def test_unknown_and_malformed_complaint_ids_are_404(client: TestClient, complaint_id: str) -> None:
    before = position(client)
    assert_problem(client.get(f"{COMPLAINTS}/{complaint_id}", headers=bearer("auditor")), 404)
    for action, body in ACTIONS.items():
        assert_problem(work(client, complaint_id, action, body), 404)
    assert position(client) == before


# -- role boundaries --------------------------------------------------------------------------

ROLES = ("clerk", "intake", "inspector", "auditor", "admin")


def endpoints(complaint_id: str) -> list[tuple[str, str, dict[str, Any] | None, set[str]]]:
    """(method, path, body, roles allowed) of every internal complaint endpoint."""
    workers = {"inspector", "admin"}
    return [
        ("POST", COMPLAINTS, letter(), {"intake", "admin"}),
        ("GET", COMPLAINTS, None, {"inspector", "auditor", "admin"}),
        ("GET", f"{COMPLAINTS}/{complaint_id}", None, {"inspector", "auditor", "admin"}),
    ] + [
        ("POST", f"{COMPLAINTS}/{complaint_id}/{action}", body, workers)
        for action, body in ACTIONS.items()
    ]


def call(client: TestClient, method: str, path: str, body: Any, headers: Headers) -> Any:
    return client.request(method, path, json=body, headers=headers)


def test_every_endpoint_needs_a_valid_token(client: TestClient) -> None:
    complaint_id = file(client)["complaint_id"]
    before = position(client)
    forged = {"Authorization": bearer("admin")["Authorization"][:-4] + "AAAA"}
    for method, path, body, _ in endpoints(complaint_id):
        for headers in ({}, forged, {"Authorization": "Bearer nonsense"}):
            response = call(client, method, path, body, headers)
            assert_problem(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"
    assert position(client) == before


def test_every_endpoint_refuses_the_roles_that_may_not_use_it(client: TestClient) -> None:
    complaint_id = file(client)["complaint_id"]
    before = position(client)
    for method, path, body, allowed in endpoints(complaint_id):
        for role in set(ROLES) - allowed:
            response = call(client, method, path, body, bearer(role))
            assert_problem(response, 403)
    assert position(client) == before


def test_clerk_files_nothing_and_intake_works_nothing(client: TestClient) -> None:
    complaint_id = file(client)["complaint_id"]
    before = position(client)
    assert_problem(client.post(COMPLAINTS, json=letter(), headers=bearer("clerk")), 403)
    accept = ACTIONS["accept"]
    path = f"{COMPLAINTS}/{complaint_id}/accept"
    assert_problem(client.post(path, json=accept, headers=bearer("intake")), 403)
    assert_problem(client.get(f"{COMPLAINTS}/{complaint_id}", headers=bearer("intake")), 403)
    assert position(client) == before


# -- the lifecycle, deadlines and the overdue filter across days ------------------------------


def test_the_lifecycle_with_deadlines_and_overdue_as_the_days_pass(tmp_data_dir: Path) -> None:
    with serve(tmp_data_dir) as client:  # 2024-05-10
        register_subjects(client)
        x = file(client, named=True, reporter=REPORTER, subject_cadres=["A1"])["complaint_id"]
        y = file(client, received_at="2024-05-02T10:00:00+08:00")["complaint_id"]
        z = file(client, received_at="2024-05-03T10:00:00+08:00")["complaint_id"]
        accepted = work(client, x, "accept", {"date": "2024-05-05", "handler_unit": "县纪委"})
        assert accepted.status_code == 201
        assert accepted.json()["version"] == 2
        assert work(client, x, "notes", {"text": "调取审批材料"}).status_code == 201
        assert work(client, x, "messages", {"text": "已受理,请耐心等待"}).status_code == 201
        assert (
            work(client, z, "decline", {"date": "2024-05-06", "reason": "重复举报"}).json()[
                "version"
            ]
            == 2
        )

        doc = read(client, x)
        assert doc["status"] == "accepted"
        assert doc["handler_unit"] == "县纪委"
        assert doc["deadlines"] == {"decide_by": "2024-05-16", "conclude_by": "2024-07-04"}
        assert [(m["from"], m["text"]) for m in doc["messages"]] == [
            ("officer", "已受理,请耐心等待")
        ]
        assert [(n["by"], n["text"]) for n in doc["notes"]] == [("inspector-1", "调取审批材料")]
        assert doc["version"] == 4
        assert read(client, z)["status"] == "declined"
        assert ids(queue(client, overdue="true")) == []
        assert ids(queue(client, overdue="false")) == [x, y, z]

    with serve(tmp_data_dir, today="2024-06-01") as client:
        late = queue(client, overdue="true")
        assert ids(late) == [y]  # decide_by 2024-05-17 has passed; x is due 2024-07-04
        assert late["complaints"][0]["deadlines"] == {
            "decide_by": "2024-05-17",
            "conclude_by": None,
        }
        assert read(client, y)["overdue"] is True
        extended = work(
            client, x, "extend", {"days": 30, "reason": "案情复杂", "expected_version": 4}
        )
        assert extended.status_code == 201
        assert read(client, x)["deadlines"]["conclude_by"] == "2024-08-03"
        assert_problem(work(client, x, "extend", {"days": 5, "reason": "再延"}), 409)

    with serve(tmp_data_dir, today="2024-08-05") as client:
        assert ids(queue(client, overdue="true")) == [x, y]
        assert ids(queue(client, overdue="false")) == [z]
        assert ids(queue(client, overdue="true", status="accepted")) == [x]
        concluded = work(
            client, x, "conclude",
            {"date": "2024-08-05", "finding": "partly_substantiated", "summary": "部分属实"},
        )  # fmt: skip
        assert concluded.status_code == 201
        assert (
            work(client, x, "notify-reporter", {"date": "2024-08-05", "method": "书面"}).status_code
            == 201
        )
        assert (
            work(client, y, "forward", {"date": "2024-08-05", "to_authority": "市纪委"}).status_code
            == 201
        )
        assert ids(queue(client, overdue="true")) == []
        doc = read(client, x)
        assert (doc["status"], doc["finding"], doc["notified_on"]) == (
            "notified", "partly_substantiated", "2024-08-05",
        )  # fmt: skip
        assert doc["reporter"] == "sealed"
        assert read(client, y)["status"] == "forwarded"
        assert ids(queue(client, status="notified")) == [x]
        assert ids(queue(client, status="forwarded")) == [y]
        assert ids(queue(client, cadre="A1")) == [x]


def test_illegal_steps_are_conflicts_and_write_nothing(client: TestClient) -> None:
    complaint_id = file(client)["complaint_id"]
    before = position(client)
    conflicts: list[tuple[str, dict[str, Any]]] = [
        ("conclude", ACTIONS["conclude"]),  # not accepted yet
        ("notify-reporter", ACTIONS["notify-reporter"]),
        ("extend", ACTIONS["extend"]),  # only accepted complaints are extended
        ("accept", {"date": "2024-04-30", "handler_unit": "县纪委"}),  # before receipt
        ("accept", {"date": "2024-05-11", "handler_unit": "县纪委"}),  # tomorrow
        ("accept", {**ACTIONS["accept"], "expected_version": 7}),
    ]
    for action, body in conflicts:
        assert_problem(work(client, complaint_id, action, body), 409)
    assert position(client) == before
    assert (
        work(
            client, complaint_id, "accept", {**ACTIONS["accept"], "expected_version": 1}
        ).status_code
        == 201
    )
    assert_problem(work(client, complaint_id, "accept", ACTIONS["accept"]), 409)
    assert_problem(work(client, complaint_id, "extend", {"days": 31, "reason": "太长"}), 409)


# -- the queue: filters and pagination --------------------------------------------------------


def test_the_queue_pages_oldest_first_with_an_opaque_cursor(client: TestClient) -> None:
    # The same morning in several zones: the order is the instants', not the texts'.
    instants = [
        "2024-05-01T08:00:00+08:00",  # 00:00 UTC
        "2024-05-01T01:00:00+00:00",
        "2024-05-01T10:00:00+08:00",  # 02:00 UTC
        "2024-04-30T23:00:00-05:00",  # 04:00 UTC
        "2024-05-01T05:00:00Z",
    ]
    filed = [
        file(client, received_at=at, title=f"第{n}件")["complaint_id"]
        for n, at in enumerate(instants)
    ]
    pages, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = queue(client, **params)
        pages.append(ids(page))
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor.startswith("c1.")  # opaque and signed
    assert pages == [filed[0:2], filed[2:4], filed[4:5]]
    entry = queue(client, limit=1)["complaints"][0]
    assert set(entry) == {"complaint_id", "status", "category", "title", "received_at", "deadlines"}
    assert entry["title"] == "第0件"
    assert ids(queue(client, limit=200)) == filed


def test_the_queue_filters_by_status_category_cadre_and_unit(client: TestClient) -> None:
    register_subjects(client)
    a, b, c = (
        file(client, received_at=f"2024-05-0{day}T09:00:00+08:00", **fields)["complaint_id"]
        for day, fields in (
            (1, {"category": "借调", "subject_cadres": ["A1"]}),
            (2, {"category": "选人用人", "subject_units": ["T1"]}),
            (3, {"category": "借调", "subject_units": ["C1", "T1"]}),
        )
    )
    assert work(client, b, "accept", ACTIONS["accept"]).status_code == 201
    assert ids(queue(client, category="借调")) == [a, c]
    assert ids(queue(client, status="accepted")) == [b]
    assert ids(queue(client, status="filed", category="借调")) == [a, c]
    assert ids(queue(client, cadre="A1")) == [a]
    assert ids(queue(client, unit="T1")) == [b, c]
    assert ids(queue(client, unit="C1", role="auditor")) == [c]
    assert ids(queue(client, category="' OR '1'='1")) == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"status": "closed"},
        {"overdue": "perhaps"},
        {"cadre": "A1' OR 1=1 --"},
        {"unit": "x" * 10_000},
        {"min_position": -1},
    ],
)
def test_bad_queue_parameters_are_422(client: TestClient, params: dict[str, Any]) -> None:
    assert_problem(client.get(COMPLAINTS, params=params, headers=bearer("inspector")), 422)


@pytest.mark.parametrize(
    "cursor",
    ["not base64!", base64.urlsafe_b64encode(b"[1, 2]").decode(), "e30", "c1.W10.AAAA"],
)
def test_a_cursor_this_server_did_not_give_out_is_400(client: TestClient, cursor: str) -> None:
    params = {"cursor": cursor}
    assert_problem(client.get(COMPLAINTS, params=params, headers=bearer("inspector")), 400)


# -- conventions: idempotency and hostile input -----------------------------------------------


def test_a_retried_intake_post_with_the_same_key_writes_once(client: TestClient) -> None:
    headers = bearer("intake") | {"Idempotency-Key": "letter-2024-0501-001"}
    first = client.post(COMPLAINTS, json=letter(), headers=headers)
    assert first.status_code == 201
    after_first = position(client)
    again = client.post(COMPLAINTS, json=letter(), headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert position(client) == after_first
    other = client.post(COMPLAINTS, json=letter(title="另一件"), headers=headers)
    assert_problem(other, 422)
    assert position(client) == after_first


HOSTILE: list[tuple[str, Any, int]] = [
    ("broken JSON", b'{"category": "x", "title": ', 400),
    ("not JSON at all", b"category=x&title=y", 400),
    ("a JSON list", [letter()], 422),
    ("named as text", letter(named="maybe"), 422),
    ("title as a number", letter(title=123), 422),
    ("subjects as a string", letter(subject_cadres="A1"), 422),
    ("an unknown channel", letter(channel="email"), 422),
    ("an unknown field", letter(priority="urgent"), 422),
    ("an unknown reporter field", letter(named=True, reporter=REPORTER | {"id_card": "1"}), 422),
    ("a NUL in the title", letter(title="违规\x00借调"), 422),
    ("an escape sequence in the category", letter(category="\x1b[2J借调"), 422),
    (
        "a bell in the reporter's name",
        letter(named=True, reporter={"name": "张\x07", "phone": "1"}),
        422,
    ),
    ("a newline in the title", letter(title="第一行\n第二行"), 422),
    ("a 10,000-character title", letter(title="借" * 10_000), 422),
    ("a 10,000-character category", letter(category="x" * 10_000), 422),
    ("a 10,000-character subject code", letter(subject_cadres=["A" * 10_000]), 422),
    (
        "a 10,000-character phone",
        letter(named=True, reporter={"name": "张", "phone": "1" * 10_000}),
        422,
    ),
    ("a body over 20,000 characters", letter(body="字" * 20_001), 422),
    ("a blank title", letter(title="   "), 422),
    ("SQL as a subject code", letter(subject_units=["T1'; DROP TABLE complaints; --"]), 422),
    ("a 2 MiB body", b"[" + b"1," * (1024 * 1024) + b"1]", 413),
]


@pytest.mark.parametrize(("what", "payload", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_intake_input_is_refused_and_writes_nothing(
    client: TestClient, what: str, payload: Any, status: int
) -> None:
    before = position(client)
    headers = bearer("intake") | {"Content-Type": "application/json"}
    content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    assert_problem(client.post(COMPLAINTS, content=content, headers=headers), status)
    assert position(client) == before


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("accept", {"date": "2024-02-30", "handler_unit": "县纪委"}),
        ("accept", {"date": "2024-05-02", "handler_unit": "x" * 10_000}),
        ("accept", {"date": "2024-05-02", "handler_unit": "县纪委", "expected_version": "one"}),
        ("decline", {"date": "2024-05-02"}),
        ("forward", {"date": "2024-05-02", "to_authority": "市纪委\x00"}),
        ("extend", {"days": 0, "reason": "x"}),
        ("extend", {"days": "30", "reason": "x", "extra": 1}),
        ("notes", {"text": ""}),
        ("notes", {"text": "x" * 20_001}),
        ("messages", {"text": "\x1b]0;pwned\x07"}),
        ("conclude", {"date": "2024-05-03", "finding": "maybe", "summary": "x"}),
        ("notify-reporter", {"date": "tomorrow", "method": "电话"}),
    ],
)
def test_hostile_work_input_is_refused_and_writes_nothing(
    client: TestClient, action: str, body: dict[str, Any]
) -> None:
    complaint_id = file(client)["complaint_id"]
    before = position(client)
    assert_problem(work(client, complaint_id, action, body), 422)
    assert position(client) == before


def test_an_oversized_work_body_is_413(client: TestClient) -> None:
    complaint_id = file(client)["complaint_id"]
    before = position(client)
    huge = json.dumps({"text": "x" * (2 * 1024 * 1024)})
    response = client.post(
        f"{COMPLAINTS}/{complaint_id}/notes",
        content=huge,
        headers=bearer("inspector") | {"Content-Type": "application/json"},
    )
    assert_problem(response, 413)
    assert position(client) == before


def test_the_openapi_document_describes_the_complaint_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json", headers=bearer("auditor")).json()["paths"]
    assert {"post", "get"} <= set(paths[COMPLAINTS])
    assert "get" in paths[f"{COMPLAINTS}/{{complaint_id}}"]
    for action in ACTIONS:
        assert "post" in paths[f"{COMPLAINTS}/{{complaint_id}}/{action}"]
