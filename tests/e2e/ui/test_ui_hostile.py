"""Hostile query strings, paths and forms against every page: a clear 4xx or the page, never a
500, and whatever was sent comes back escaped."""

from __future__ import annotations

import itertools
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.support.pages import csrf_of, sign_in

SCRIPT = "<script>alert(1)</script>"
HOSTILE = (
    SCRIPT, "'; DROP TABLE stored_events; --", "\x00", "%00", "\u202e\u0000x", "../../etc/passwd",
    "9" * 40, "-1", "0000-00-00", "9999-99-99", "0001-01-01", "9999-12-31", "2024-02-30",
    "0001-01-01T00:00", "9999-12-31T23:59", "2024-05-01T08:00+25:00", "true", "null", "[]",
    "{\"$ne\": 1}", "*", "R-SEC-*", "a" * 5000, "借调" * 600, " ", "\t\n",
    "eyJhIjpbMSwiYSJdLCJxIjoieCJ9", "=HYPERLINK(\"x\")",
)  # fmt: skip
PAGES = {
    "/ui/": ("x",),
    "/ui/search": ("q", "kind", "unit", "type", "rule", "from", "to", "cursor"),
    "/ui/secondments": ("home_level", "host_level", "active", "approved", "min_days", "as_of",
                        "unit", "cursor"),
    "/ui/secondments.csv": ("min_days", "as_of", "host_level", "cursor"),
    "/ui/findings": ("rule", "status", "severity", "cadre", "unit", "cursor"),
    "/ui/complaints": ("status", "category", "overdue", "after_at", "after_id"),
    "/ui/cadres": ("q",),
    "/ui/cadres/QH00402": ("as_of", "known_at"),
    "/ui/approvals": ("done",),
    "/ui/access": ("subject", "resource", "from", "to", "cursor"),
    "/ui/cadres/QH00402/record": ("x",),
    "/ui/teams": ("x",),
    "/ui/units/QHX/team": ("as_of",),
    "/ui/reports": ("name", "unit", "year", "as_of"),
    "/ui/reports/download": ("name", "unit", "year", "as_of", "format"),
    "/ui/campaigns": ("x",),
    "/ui/login": ("next",),
    "/ui/link": ("code",),
    "/report": ("x",),
    "/report/status": ("receipt",),
}  # fmt: skip


def _checked(answer: object, sent: str) -> None:
    status = answer.status_code  # type: ignore[attr-defined]
    assert status < 500, (status, sent[:60])
    if "text/html" in answer.headers.get("content-type", ""):  # type: ignore[attr-defined]
        assert SCRIPT not in answer.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", list(PAGES))
def test_no_query_string_breaks_a_page(pages: TestClient, path: str) -> None:
    sign_in(pages, "admin")
    for name, value in itertools.product(PAGES[path], HOSTILE):
        answer = pages.get(path, params={name: value})
        _checked(answer, f"{name}={value}")
    every = {name: SCRIPT for name in PAGES[path]}
    _checked(pages.get(path, params=every), "all")
    raw = pages.get(f"{path}?{PAGES[path][0]}=%ED%A0%80&{PAGES[path][0]}=%FF&%00=%00")
    _checked(raw, "undecodable")


@pytest.mark.parametrize(
    "base", ["/ui/cadres/", "/ui/findings/", "/ui/complaints/", "/ui/units/", "/ui/campaigns/"]
)
def test_no_path_breaks_a_page(pages: TestClient, base: str) -> None:
    sign_in(pages, "admin")
    for value in HOSTILE:
        if not value.strip() or value in ("../../etc/passwd",):
            continue
        answer = pages.get(base + quote(value, safe=""))
        _checked(answer, value)
        assert answer.status_code in (200, 404, 405, 422), (answer.status_code, value[:40])


def test_no_form_breaks_a_post(pages: TestClient) -> None:
    sign_in(pages, "admin")
    csrf = csrf_of(pages.get("/ui/").text)
    posts = ["/ui/findings/x/acknowledge", "/ui/findings/x/resolve", "/ui/complaints/x/accept",
             "/ui/complaints/x/nonsense", "/ui/complaints/new", "/ui/complaints/x/reporter",
             "/ui/complaints/x/unseal-requests", "/ui/cadres/QH00402/retraction-requests",
             "/ui/cadres/QH00402/retractions", "/ui/access/verify", "/ui/campaigns",
             "/ui/campaigns/x/close", "/ui/logout"]  # fmt: skip
    fields = ["note", "resolution", "date", "handler_unit", "text", "days", "expected_version",
              "approval.level", "title", "body", "named", "received_at", "channel", "position",
              "reason", "purpose", "code", "unit", "starts_on", "due_on", "summary"]  # fmt: skip
    for path, value in itertools.product(posts, HOSTILE[:12]):
        data = {"csrf": csrf, **{f: value for f in fields}}
        _checked(pages.post(path, data=data, follow_redirects=False), f"{path} {value[:20]}")
    sign_in(pages, "lead")  # approvals: hostile request ids and subjects
    csrf = csrf_of(pages.get("/ui/approvals").text)
    for value in HOSTILE[:12]:
        quoted = quote(value, safe="")
        for path in (f"/ui/complaints/{quoted}/unseal-requests/{quoted}/approve",
                     f"/ui/cadres/{quoted}/retraction-requests/{quoted}/approve",
                     f"/ui/cadres/QH00402/retraction-requests/{quoted}/approve"):  # fmt: skip
            answer = pages.post(path, data={"csrf": csrf}, follow_redirects=False)
            _checked(answer, f"{path[:40]} {value[:20]}")
            assert answer.status_code in (404, 405, 409, 422), (answer.status_code, path[:60])
    sign_in(pages, "admin")
    csrf = csrf_of(pages.get("/ui/").text)
    multipart = pages.post("/ui/complaints/new", files={"body": ("a.txt", b"x")},
                           data={"csrf": csrf})  # fmt: skip
    _checked(multipart, "a file")
    public = csrf_of(pages.get("/report").text)
    for path, value in itertools.product(["/report", "/report/status", "/report/status/reply"],
                                         HOSTILE):  # fmt: skip
        data = {"csrf": public, "receipt": value, "text": value, "title": value, "body": value,
                "category": value, "named": value, "reporter.name": value}  # fmt: skip
        _checked(pages.post(path, data=data), f"{path} {value[:20]}")
    garbage = pages.post("/report", content=b"\xff\xfe%%%", headers={"content-type":
                         "application/x-www-form-urlencoded"})  # fmt: skip
    _checked(garbage, "bytes")
