"""Hostile and malformed input: each gets a 4xx problem response, and nothing is written.

"Nothing is written" is the store's position (`GET /api/v1/status`), the same before and after.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.http import bearer, position, serve

TODAY = date(2026, 11, 26)
CLERK = bearer("clerk", "王科员")
APPROVAL = {"level": "county", "authority": "县委组织部", "document_no": "青组函〔2022〕7号"}
SQL = "'; DROP TABLE stored_events; --"
QUERY = "a1?role=admin&min_position=0#x"
MIB = 1024 * 1024

# Each target: a write endpoint and a body it accepts (test_the_valid_bodies_are_accepted).
TARGETS: dict[str, tuple[str, dict[str, Any]]] = {
    "unit": (
        "/api/v1/units",
        {"code": "N1", "name": "新单位", "level": "county", "kind": "department", "parent": "C1"},
    ),
    "post": (
        "/api/v1/units/T1/posts",
        {"code": "P9", "title": "副镇长", "category": "leadership", "team_member": True},
    ),
    "cadre": (
        "/api/v1/cadres",
        {"code": "N2", "name": "新人", "gender": "female", "birth_date": "1990-01-01"},
    ),
    "recruitment": (
        "/api/v1/cadres/B1/recruitment",
        {"effective_date": "2016-01-01", "unit": "T1", "channel": "exam"},
    ),
    "review": (
        "/api/v1/cadres/A1/reviews",
        {"year": 2024, "rating": "competent", "expected_version": 2},
    ),
    "secondment": (
        "/api/v1/cadres/A1/secondments",
        {"host_unit": "C1", "start_date": "2022-01-01", "purpose": "巡察", "approval": APPROVAL},
    ),
    "retraction": ("/api/v1/cadres/A1/retractions", {"position": 6, "reason": "录入错误"}),
}


def _seed(client: TestClient) -> None:
    """Units C1 > T1 with post P1; cadre A1 recruited at position 6, cadre B1 registered."""
    bodies = [
        (
            "/api/v1/units",
            {"code": "C1", "name": "县委组织部", "level": "county", "kind": "department"},
        ),
        (
            "/api/v1/units",
            {
                "code": "T1",
                "name": "青石镇",
                "level": "township",
                "kind": "government",
                "parent": "C1",
            },
        ),
        ("/api/v1/units/T1/posts", {"code": "P1", "title": "镇长", "category": "leadership"}),
        (
            "/api/v1/cadres",
            {"code": "A1", "name": "张伟", "gender": "male", "birth_date": "1988-03-02"},
        ),
        (
            "/api/v1/cadres",
            {"code": "B1", "name": "李娜", "gender": "female", "birth_date": "1991-05-06"},
        ),
        (
            "/api/v1/cadres/A1/recruitment",
            {"effective_date": "2015-07-01", "unit": "T1", "channel": "exam"},
        ),
    ]
    for path, body in bodies:
        assert client.post(path, json=body, headers=CLERK).status_code == 201


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One seeded app for the whole module: no request here may change it."""
    with serve(tmp_path_factory.mktemp("hostile"), today=TODAY) as client:
        _seed(client)
        assert position(client) == 6
        yield client


def assert_refused(client: TestClient, send: Callable[[], Any], status: int | None = None) -> None:
    """``send()`` answers a 4xx problem (``status`` when given) and the store stays put."""
    before = position(client)
    response = send()
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if status is not None:
        assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem), problem
    assert problem["status"] == response.status_code
    assert isinstance(problem["title"], str) and isinstance(problem["detail"], str)
    assert position(client) == before, "a refused request wrote an event"


def post_raw(client: TestClient, target: str, content: Any, content_type: str | None) -> Any:
    headers = dict(CLERK)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post(TARGETS[target][0], content=content, headers=headers)


def post_json(client: TestClient, target: str, body: Any, path: str | None = None) -> Any:
    return client.post(path or TARGETS[target][0], json=body, headers=CLERK)


def test_the_valid_bodies_are_accepted(tmp_data_dir: Path) -> None:
    """The bodies below are mutated into hostile ones; unmutated, each one is written."""
    with serve(tmp_data_dir, today=TODAY) as client:
        _seed(client)
        for target, (path, body) in TARGETS.items():
            response = client.post(path, json=body, headers=CLERK)
            assert response.status_code == 201, (target, response.text)


# -- the body as a whole ---------------------------------------------------------------------

BROKEN_JSON = {
    "unclosed": b'{"code": "N1", "name": ',
    "open-brace": b"{",
    "single-quotes": b"{'code': 'N1'}",
    "trailing-garbage": b'{"code": "N1"} and more',
    "trailing-comma": b'{"code": "N1",}',
    "not-utf8": b"\xff\xfe\xfd\x00",
    "nesting-100000-deep": b"[" * 100_000 + b"]" * 100_000,
    "5000-digit-number": b'{"year": ' + b"9" * 5000 + b"}",
    "white-space": b"   ",
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("content", BROKEN_JSON.values(), ids=BROKEN_JSON)
def test_broken_json_is_400(world: TestClient, target: str, content: bytes) -> None:
    assert_refused(world, lambda: post_raw(world, target, content, "application/json"), 400)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("body", [[], None, "text", 42, True, [{"code": "N1"}]], ids=repr)
def test_a_body_that_is_not_an_object_is_422(world: TestClient, target: str, body: Any) -> None:
    assert_refused(world, lambda: post_json(world, target, body), 422)


@pytest.mark.parametrize("target", TARGETS)
def test_an_empty_body_is_refused(world: TestClient, target: str) -> None:
    assert_refused(world, lambda: post_raw(world, target, b"", "application/json"))


NOT_JSON = {
    "text/plain": "text/plain",
    "form": "application/x-www-form-urlencoded",
    "xml": "application/xml",
    "multipart": "multipart/form-data; boundary=x",
    "octet-stream": "application/octet-stream",
    "none": None,
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("content_type", NOT_JSON.values(), ids=NOT_JSON)
def test_a_valid_body_sent_as_another_content_type_is_refused(
    world: TestClient, target: str, content_type: str | None
) -> None:
    content = json.dumps(TARGETS[target][1]).encode()
    assert_refused(world, lambda: post_raw(world, target, content, content_type))


@pytest.mark.parametrize("target", TARGETS)
def test_a_2_mib_body_with_content_length_is_413(world: TestClient, target: str) -> None:
    content = b'{"code": "' + b"x" * (2 * MIB) + b'"}'
    assert_refused(world, lambda: post_raw(world, target, content, "application/json"), 413)


@pytest.mark.parametrize("target", TARGETS)
def test_a_2_mib_chunked_body_without_content_length_is_413(world: TestClient, target: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"code": "'
        for _ in range(32):
            yield b"x" * (64 * 1024)
        yield b'"}'

    def send() -> Any:
        headers = {**CLERK, "Content-Type": "application/json"}
        response = world.post(TARGETS[target][0], content=chunks(), headers=headers)
        assert "content-length" not in {k.lower() for k in response.request.headers}
        return response

    assert_refused(world, send, 413)


def test_a_body_just_over_1_mib_is_413_and_a_large_one_under_it_is_read(world: TestClient) -> None:
    over = b'{"code": "' + b"x" * MIB + b'"}'
    assert_refused(world, lambda: post_raw(world, "unit", over, "application/json"), 413)
    under = b'{"code": "N1", "name": "' + b"x" * (MIB // 2) + b'"}'
    # Read in full and refused for what it says (a 200-character name limit), not for its size.
    assert_refused(world, lambda: post_raw(world, "unit", under, "application/json"), 422)


# -- fields ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "extra",
    [
        {"unknown": 1},
        {"recorded_by": "someone-else"},
        {"recorded_at": "2020-01-01T00:00:00Z"},
        {"__proto__": {}},
        {"": ""},
    ],
    ids=["unknown", "recorded_by", "recorded_at", "proto", "empty-name"],
)
def test_unknown_fields_are_422(world: TestClient, target: str, extra: dict[str, Any]) -> None:
    body = {**TARGETS[target][1], **extra}
    assert_refused(world, lambda: post_json(world, target, body), 422)


def test_an_unknown_field_inside_a_nested_object_is_422(world: TestClient) -> None:
    body = {**TARGETS["secondment"][1], "approval": {**APPROVAL, "signed_by": "me"}}
    assert_refused(world, lambda: post_json(world, "secondment", body), 422)


REQUIRED = {
    "unit": ["code", "name", "level", "kind"],
    "post": ["code", "title", "category"],
    "cadre": ["code", "name", "gender", "birth_date"],
    "recruitment": ["effective_date", "unit", "channel"],
    "secondment": ["host_unit", "start_date"],
    "review": ["year", "rating"],
    "retraction": ["position", "reason"],
}
MISSING = [(t, f) for t, fields in REQUIRED.items() for f in [*fields, "*"]]


@pytest.mark.parametrize(("target", "field"), MISSING, ids=[f"{t}-{f}" for t, f in MISSING])
def test_missing_fields_are_422(world: TestClient, target: str, field: str) -> None:
    body = {k: v for k, v in TARGETS[target][1].items() if field not in (k, "*")}
    response_errors: list[Any] = []

    def send() -> Any:
        response = post_json(world, target, body)
        response_errors.extend(response.json().get("errors", []))
        return response

    assert_refused(world, send, 422)
    if field != "*":
        assert ["body", field] in [e["loc"] for e in response_errors]


WRONG_TYPES = [
    ("unit", "code", 123),
    ("unit", "name", ["新单位"]),
    ("unit", "level", 5),
    ("unit", "parent", {"code": "C1"}),
    ("unit", "kind", None),
    ("post", "team_member", "yes"),
    ("post", "team_member", 1),
    ("post", "title", 3.5),
    ("cadre", "birth_date", 19900101),
    ("cadre", "birth_date", 0),
    ("cadre", "gender", True),
    ("recruitment", "probation_months", "12"),
    ("recruitment", "probation_months", 12.5),
    ("secondment", "approval", "yes"),
    ("secondment", "approval", ["county"]),
    ("review", "year", "2024"),
    ("review", "year", 2024.5),
    ("review", "year", True),
    ("review", "expected_version", "2"),
    ("review", "expected_version", 2.5),
    ("retraction", "position", "6"),
    ("retraction", "reason", {"text": "x"}),
]


@pytest.mark.parametrize(
    ("target", "field", "value"), WRONG_TYPES, ids=[f"{t}-{f}={v!r}" for t, f, v in WRONG_TYPES]
)
def test_wrong_types_are_422(world: TestClient, target: str, field: str, value: Any) -> None:
    body = {**TARGETS[target][1], field: value}
    assert_refused(world, lambda: post_json(world, target, body), 422)


CONTROL = ["\x00", "a\x07b", "two\nlines", "cr\rhere", "\x1b[31m红\x1b[0m", "del\x7f", "\x0b\x0c"]
TEXT_FIELDS = [
    ("unit", "name"),
    ("post", "title"),
    ("cadre", "name"),
    ("cadre", "gender"),
    ("secondment", "purpose"),
    ("retraction", "reason"),
]


@pytest.mark.parametrize(("target", "field"), TEXT_FIELDS, ids=[f"{t}-{f}" for t, f in TEXT_FIELDS])
@pytest.mark.parametrize("text", CONTROL, ids=repr)
def test_control_characters_in_names_and_texts_are_422(
    world: TestClient, target: str, field: str, text: str
) -> None:
    body = {**TARGETS[target][1], field: text}
    assert_refused(world, lambda: post_json(world, target, body), 422)


BAD_DATES = [
    "2024-02-30",
    "2024-13-01",
    "2023-02-29",
    "2024-00-10",
    "2024-1-1",
    "01/02/2024",
    "",
    "2024-01-01T00:00:00Z",
    "+002024-01-01",
    "二〇二四年一月一日",
    "2024-01-01'--",
]
DATE_FIELDS = [
    ("cadre", "birth_date"),
    ("recruitment", "effective_date"),
    ("secondment", "start_date"),
    ("secondment", "planned_end_date"),
]


@pytest.mark.parametrize(("target", "field"), DATE_FIELDS, ids=[f"{t}-{f}" for t, f in DATE_FIELDS])
@pytest.mark.parametrize("text", BAD_DATES)
def test_impossible_and_malformed_dates_are_422(
    world: TestClient, target: str, field: str, text: str
) -> None:
    body = {**TARGETS[target][1], field: text}
    assert_refused(world, lambda: post_json(world, target, body), 422)


HOSTILE_CODES = [
    SQL,
    QUERY,
    "../../etc/passwd",
    "A1%00",
    "A1 ",
    " A1",
    "A1\n",
    "",
    "x" * 65,
    "x" * 10_000,
    "张伟",
    "A1;B1",
    "<script>",
    "A1' OR '1'='1",
]
CODE_FIELDS = [
    ("unit", "code"),
    ("unit", "parent"),
    ("post", "code"),
    ("cadre", "code"),
    ("recruitment", "unit"),
    ("secondment", "host_unit"),
]


@pytest.mark.parametrize(("target", "field"), CODE_FIELDS, ids=[f"{t}-{f}" for t, f in CODE_FIELDS])
@pytest.mark.parametrize("code", HOSTILE_CODES, ids=lambda c: repr(c[:24]))
def test_sql_query_string_and_oversized_codes_in_bodies_are_422(
    world: TestClient, target: str, field: str, code: str
) -> None:
    body = {**TARGETS[target][1], field: code}
    assert_refused(world, lambda: post_json(world, target, body), 422)


PATH_CODES = [SQL, QUERY, "../../etc/passwd", "A1%00", "A1 ", " A1", "", "x" * 65, "x" * 10_000]


@pytest.mark.parametrize("code", PATH_CODES, ids=lambda c: repr(c[:24]))
@pytest.mark.parametrize("suffix", ["recruitment", "reviews"])
def test_hostile_codes_in_the_path_are_refused(world: TestClient, code: str, suffix: str) -> None:
    target = "recruitment" if suffix == "recruitment" else "review"
    path = f"/api/v1/cadres/{code}/{suffix}"
    assert_refused(world, lambda: post_json(world, target, TARGETS[target][1], path=path))


@pytest.mark.parametrize(
    ("target", "field"), [("unit", "name"), ("cadre", "name"), ("post", "title")]
)
def test_10000_character_names_are_422(world: TestClient, target: str, field: str) -> None:
    body = {**TARGETS[target][1], field: "名" * 10_000}
    assert_refused(world, lambda: post_json(world, target, body), 422)


@pytest.mark.parametrize(
    ("target", "field", "value"),
    [("retraction", "position", v) for v in (-1, 0, 2**62 + 1, 2**64, 10**30, -(2**63))]
    + [("review", "expected_version", v) for v in (-1, -(2**63), 2**63, 10**30)]
    + [("retraction", "expected_version", v) for v in (-1, 2**64)]
    + [("review", "year", v) for v in (-1, 0, 1948, 2**63)]
    + [("recruitment", "probation_months", v) for v in (-1, 25, 2**64)],
    ids=lambda v: str(v)[:24],
)
def test_negative_and_huge_positions_and_versions_are_422(
    world: TestClient, target: str, field: str, value: int
) -> None:
    body = {**TARGETS[target][1], field: value}
    assert_refused(world, lambda: post_json(world, target, body), 422)


def test_a_lone_surrogate_is_422(world: TestClient) -> None:
    content = b'{"code": "N1", "name": "\\ud800", "level": "county", "kind": "department"}'
    assert_refused(world, lambda: post_raw(world, "unit", content, "application/json"), 422)


def test_sql_and_query_string_fragments_in_names_are_kept_verbatim(tmp_data_dir: Path) -> None:
    """Names are free text: a fragment of SQL is stored and read back as written, harmlessly."""
    with serve(tmp_data_dir, today=TODAY) as client:
        _seed(client)
        for code, name in (("S1", SQL), ("S2", QUERY), ("S3", "Robert'); DROP TABLE units;--")):
            unit = {"code": code, "name": name, "level": "county", "kind": "department"}
            written = client.post("/api/v1/units", json=unit, headers=CLERK).json()
            read = client.get(
                f"/api/v1/units/{code}",
                headers=bearer("auditor"),
                params={"min_position": written["position"]},
            )
            assert read.json()["name"] == name
        assert (
            client.get("/api/v1/cadres/A1/timeline", headers=bearer("auditor")).status_code == 200
        )
        assert position(client) == 9


# -- query parameters of the reads -----------------------------------------------------------

READS = ["/api/v1/units/T1", "/api/v1/cadres/A1", "/api/v1/cadres/A1/timeline"]
BAD_QUERIES = [
    "as_of=2024-02-30",
    "as_of=2024-13-01",
    "as_of=garbage",
    "as_of=" + "9" * 10_000,
    f"as_of={SQL}",
    "as_of=0",
    "as_of=-1",
    "as_of=2024-01-01&as_of=garbage",
    "min_position=-1",
    "min_position=1e3",
    "min_position=" + "9" * 40,
    "min_position=%00",
    "known_at=garbage",
    "known_at=2024-01-01T00:00:00",
    "known_at=0",
    "known_at=9999-12-31T23:59:59-23:59",
    "known_at=2024-01-01T25:00:00Z",
    "include_retracted=maybe",
    f"include_retracted={QUERY}",
]


READ_QUERIES = [
    (path, query)
    for path in READS
    for query in BAD_QUERIES
    if path.endswith("timeline") or "include_retracted" not in query
]


@pytest.mark.parametrize(
    ("path", "query"),
    READ_QUERIES,
    ids=[f"{p.removeprefix('/api/v1/')}-{q[:40]}" for p, q in READ_QUERIES],
)
def test_malformed_query_parameters_are_4xx_never_5xx(
    world: TestClient, path: str, query: str
) -> None:
    assert_refused(world, lambda: world.get(f"{path}?{query}", headers=bearer("inspector")))


@pytest.mark.parametrize("code", [SQL, QUERY, "x" * 10_000, "%00", "张伟"], ids=lambda c: c[:16])
def test_hostile_codes_in_read_paths_are_4xx(world: TestClient, code: str) -> None:
    for path in (f"/api/v1/units/{code}", f"/api/v1/cadres/{code}"):
        assert_refused(world, lambda path=path: world.get(path, headers=bearer("auditor")))
