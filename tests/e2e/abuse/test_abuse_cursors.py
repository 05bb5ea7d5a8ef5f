"""Hole 4: crafted cursors gave 500s; now only cursors this server gave for this list pass."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.http import assert_problem, bearer, position, serve

LISTS = ["/api/v1/complaints", "/api/v1/findings", "/api/v1/search", "/api/v1/search/secondments"]
INSPECTOR = bearer("inspector")


def old_style(doc: object) -> str:
    """A cursor as the first wave spelled them (unsigned base64 JSON), with hostile content."""
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")


CRAFTED = [
    base64.urlsafe_b64encode(b"[" * 50_000 + b"]" * 50_000).decode()[:900],  # RecursionError
    old_style({"a": [1e308 * 10, "x"], "q": "fingerprint"}).replace("Infinity", "1e999"),
    base64.urlsafe_b64encode(b'{"a":[1e999,"x"],"q":"f"}').decode(),  # OverflowError
    old_style(["2024-01-01", ["not", "a", "string"]]),  # TypeError
    base64.urlsafe_b64encode(b'["\\ud800", "\\udfff"]').decode(),  # UnicodeEncodeError
    old_style([10**30, "x"]),
    "c1." + "A" * 2000 + ".AAAA",  # too long
    "c1..",
    "c1.W10.AAAAAAAAAAAAAAAAAAAAAA",
    "%00",
    "",
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with serve(tmp_path_factory.mktemp("cursors")) as test_client:
        for n in range(5):
            body = {
                "category": "借调", "title": f"第{n}件", "body": "情况", "named": False,
                "channel": "letter", "received_at": f"2024-05-0{n + 1}T09:00:00+08:00",
            }  # fmt: skip
            filed = test_client.post("/api/v1/complaints", json=body, headers=bearer("intake"))
            assert filed.status_code == 201
        caught_up = {"min_position": position(test_client)}
        assert test_client.get(LISTS[0], params=caught_up, headers=INSPECTOR).status_code == 200
        yield test_client


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("cursor", CRAFTED)
def test_crafted_cursors_are_400_on_every_list(client: TestClient, path: str, cursor: str) -> None:
    assert_problem(client.get(path, params={"cursor": cursor}, headers=INSPECTOR), 400)


def test_a_cursor_is_bound_to_its_list_and_its_filters(client: TestClient) -> None:
    first = client.get("/api/v1/complaints", params={"limit": 2}, headers=INSPECTOR).json()
    cursor = first["next_cursor"]
    assert cursor and cursor.startswith("c1.")
    ok = client.get("/api/v1/complaints", params={"limit": 3, "cursor": cursor}, headers=INSPECTOR)
    assert ok.status_code == 200  # the page size may change between pages
    for path, params in (
        ("/api/v1/complaints", {"category": "借调"}),  # other filters
        ("/api/v1/findings", {}),  # another list
        ("/api/v1/search", {"q": "借调"}),
    ):
        assert_problem(
            client.get(path, params={**params, "cursor": cursor}, headers=INSPECTOR), 400
        )
    prefix, body, tag = cursor.split(".")
    inner = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    forged = base64.urlsafe_b64encode(inner.replace(b"2024", b"2023")).decode().rstrip("=")
    response = client.get("/api/v1/complaints", params={"cursor": f"{prefix}.{forged}.{tag}"},
                          headers=INSPECTOR)  # fmt: skip
    assert_problem(response, 400)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(LISTS), cursor=st.text(max_size=1200))
def test_any_cursor_text_is_a_page_or_400_never_a_5xx(
    client: TestClient, path: str, cursor: str
) -> None:
    response = client.get(path, params={"cursor": cursor}, headers=INSPECTOR)
    assert response.status_code in (200, 400), response.text


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(offset=st.integers(min_value=0), char=st.characters(codec="ascii"))
def test_any_one_character_change_to_a_good_cursor_is_400(
    client: TestClient, offset: int, char: str
) -> None:
    cursor = client.get("/api/v1/complaints", params={"limit": 2}, headers=INSPECTOR).json()[
        "next_cursor"
    ]
    i = offset % len(cursor)
    mutated = cursor[:i] + char + cursor[i + 1 :]
    response = client.get("/api/v1/complaints", params={"limit": 2, "cursor": mutated},
                          headers=INSPECTOR)  # fmt: skip
    assert response.status_code == (200 if mutated == cursor else 400), (mutated, response.text)
