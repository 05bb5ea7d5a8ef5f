"""Public intake over HTTP: no token, receipts, rate limits, and the reporter's identity sealed."""

from __future__ import annotations

import json
import logging
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.settings import Settings
from tests.support.http import assert_problem, bearer, position, serve

PUBLIC = "/api/v1/public/complaints"
COMPLAINTS = "/api/v1/complaints"
REPORTER = {"name": "孙八九", "phone": "13787654321"}


def report(**overrides: Any) -> dict[str, Any]:
    """The body of a complaint a citizen reports on the web."""
    body: dict[str, Any] = {
        "category": "作风",
        "title": "村干部优亲厚友",
        "body": "某村低保评定中,村干部将其亲属列入名单。",
        "named": False,
    }
    return body | overrides


def receipt_of(client: TestClient, **overrides: Any) -> str:
    response = client.post(PUBLIC, json=report(**overrides))
    assert response.status_code == 201, response.text
    receipt: str = response.json()["receipt"]
    return receipt


def complaint_id_of(client: TestClient, receipt: str) -> str:
    """The id inspectors see for the complaint a receipt follows (found through the queue)."""
    queue = client.get(
        COMPLAINTS, params={"min_position": position(client)}, headers=bearer("inspector")
    ).json()["complaints"]
    received = client.get(f"{PUBLIC}/{receipt}").json()["received_at"]
    [match] = [c for c in queue if _instant(c["received_at"]) == _instant(received)]
    complaint_id: str = match["complaint_id"]
    return complaint_id


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- reporting --------------------------------------------------------------------------------


def test_a_report_answers_only_a_receipt_and_when_it_was_received(client: TestClient) -> None:
    before = position(client)
    response = client.post(PUBLIC, json=report())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"receipt", "received_at"}
    assert len(body["receipt"]) == 16 and body["receipt"].isdigit()
    assert _instant(body["received_at"]).tzinfo is not None
    assert _instant(body["received_at"]).date().isoformat() == "2024-05-10"
    assert position(client) == before + 1


def test_receipts_are_16_digits_and_all_differ(client: TestClient) -> None:
    receipts = [receipt_of(client) for _ in range(20)]
    assert all(len(r) == 16 and r.isdigit() for r in receipts)
    assert len(set(receipts)) == len(receipts)


def test_a_named_report_needs_the_reporter_and_an_anonymous_one_refuses_it(
    client: TestClient,
) -> None:
    before = position(client)
    assert_problem(client.post(PUBLIC, json=report(named=True)), 422)
    assert_problem(client.post(PUBLIC, json=report(named=False, reporter=REPORTER)), 422)
    assert_problem(client.post(PUBLIC, json=report(named=True, reporter={"name": "张"})), 422)
    assert position(client) == before
    assert client.post(PUBLIC, json=report(named=True, reporter=REPORTER)).status_code == 201


def test_the_body_may_hold_20000_characters_and_no_more(client: TestClient) -> None:
    assert client.post(PUBLIC, json=report(body="字" * 20_000)).status_code == 201
    before = position(client)
    assert_problem(client.post(PUBLIC, json=report(body="字" * 20_001)), 422)
    assert position(client) == before


def test_a_report_names_existing_subjects(client: TestClient) -> None:
    clerk = bearer("clerk")
    unit = {"code": "V1", "name": "柳树村", "level": "village", "kind": "village_committee"}
    assert client.post("/api/v1/units", json=unit, headers=clerk).status_code == 201
    receipt = receipt_of(client, subject_units=["V1"])
    complaint_id = complaint_id_of(client, receipt)
    doc = client.get(f"{COMPLAINTS}/{complaint_id}", headers=bearer("inspector")).json()
    assert (doc["subject_units"], doc["channel"], doc["reporter"]) == (["V1"], "web", None)
    before = position(client)
    assert_problem(client.post(PUBLIC, json=report(subject_units=["NOPE"])), 422)
    assert position(client) == before


# -- following a complaint with its receipt ---------------------------------------------------


def test_the_reporter_follows_the_status_and_the_messages_both_ways(client: TestClient) -> None:
    receipt = receipt_of(client, named=True, reporter=REPORTER)
    progress = client.get(f"{PUBLIC}/{receipt}")
    assert progress.status_code == 200
    assert set(progress.json()) == {"status", "received_at", "messages"}
    assert (progress.json()["status"], progress.json()["messages"]) == ("filed", [])

    complaint_id = complaint_id_of(client, receipt)
    inspector = bearer("inspector")
    base = f"{COMPLAINTS}/{complaint_id}"
    accept = {"date": "2024-05-10", "handler_unit": "镇纪委"}
    assert client.post(f"{base}/accept", json=accept, headers=inspector).status_code == 201
    note = client.post(f"{base}/notes", json={"text": "内部:先核实名单"}, headers=inspector)
    assert note.status_code == 201
    asked = client.post(f"{base}/messages", json={"text": "请补充低保名单"}, headers=inspector)
    assert asked.status_code == 201

    before = position(client)
    answered = client.post(f"{PUBLIC}/{receipt}/messages", json={"text": "名单见附件说明"})
    assert answered.status_code == 201
    assert position(client) == before + 1
    thread = answered.json()
    assert thread["status"] == "accepted"
    assert [(m["from"], m["text"]) for m in thread["messages"]] == [
        ("officer", "请补充低保名单"),
        ("reporter", "名单见附件说明"),
    ]
    assert client.get(f"{PUBLIC}/{receipt}").json() == thread
    assert "内部" not in json.dumps(thread, ensure_ascii=False)  # case notes stay inside

    doc = client.get(base, params={"min_position": position(client)}, headers=inspector).json()
    assert [m["from"] for m in doc["messages"]] == ["officer", "reporter"]

    platform = client.app.state.platform  # type: ignore[attr-defined]
    store = platform.store
    recorded = [
        (type(store.decode(n)).__name__, store.decode(n).recorded_by)
        for n in store.recorder.select_notifications(start=1, limit=100)
    ]
    assert ("ComplaintFiled", "public") in recorded
    assert ("MessageFromReporter", "public") in recorded
    assert ("ComplaintAccepted", "inspector-1") in recorded


def test_a_closed_case_takes_no_more_messages(client: TestClient) -> None:
    receipt = receipt_of(client)
    base = f"{COMPLAINTS}/{complaint_id_of(client, receipt)}"
    inspector = bearer("inspector")
    for action, body in (
        ("decline", {"date": "2024-05-10", "reason": "不属本机关受理范围"}),
        ("notify-reporter", {"date": "2024-05-10", "method": "网上答复"}),
    ):
        assert client.post(f"{base}/{action}", json=body, headers=inspector).status_code == 201
    assert client.get(f"{PUBLIC}/{receipt}").json()["status"] == "notified"
    before = position(client)
    assert_problem(client.post(f"{PUBLIC}/{receipt}/messages", json={"text": "还有补充"}), 409)
    assert position(client) == before


UNKNOWN = [
    "0000000000000000",
    "1234567890123456",
    "12345",
    "12345678901234567",
    "abcdefghijklmnop",
    "1' OR '1'='1",
    "%00",
    "?q=*",
    "9" * 10_000,
]


@pytest.mark.parametrize("receipt", UNKNOWN)
def test_unknown_and_malformed_receipts_are_the_same_404(client: TestClient, receipt: str) -> None:
    receipt_of(client)
    receipt = quote(receipt, safe="")  # one path segment, whatever it holds
    before = position(client)
    known_unknown = client.get(f"{PUBLIC}/0000000000000001")
    response = client.get(f"{PUBLIC}/{receipt}")
    assert_problem(response, 404)
    assert response.json() == known_unknown.json()
    message = client.post(f"{PUBLIC}/{receipt}/messages", json={"text": "在吗"})
    assert_problem(message, 404)
    assert message.json() == known_unknown.json()
    assert position(client) == before


def test_unknown_receipts_take_about_as_long_as_known_ones(client: TestClient) -> None:
    receipt = receipt_of(client)
    for _ in range(3):
        client.post(f"{PUBLIC}/{receipt}/messages", json={"text": "补充"})

    def seconds(path: str) -> float:
        start = time.perf_counter()
        client.get(path)
        return time.perf_counter() - start

    known: list[float] = []
    unknown: list[float] = []
    malformed: list[float] = []
    for _ in range(40):  # interleaved, so drift affects all three alike
        known.append(seconds(f"{PUBLIC}/{receipt}"))
        unknown.append(seconds(f"{PUBLIC}/8765432187654321"))
        malformed.append(seconds(f"{PUBLIC}/not-a-receipt"))
    reference = statistics.median(known)
    for other in (unknown, malformed):
        assert 0.5 * reference <= statistics.median(other) <= 2 * reference


# -- rate limits ------------------------------------------------------------------------------


def test_past_the_limit_an_address_gets_429_with_retry_after(tmp_data_dir: Path) -> None:
    with serve(tmp_data_dir, public_rate_limit=3, public_rate_window=60) as client:
        receipt = receipt_of(client)
        assert client.get(f"{PUBLIC}/{receipt}").status_code == 200
        assert client.get(f"{PUBLIC}/0000000000000000").status_code == 404
        before = position(client)
        for attempt in (
            lambda: client.post(PUBLIC, json=report()),
            lambda: client.get(f"{PUBLIC}/{receipt}"),
            lambda: client.post(f"{PUBLIC}/{receipt}/messages", json={"text": "x"}),
        ):
            limited = attempt()
            assert_problem(limited, 429)
            assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert position(client) == before
        # Another address has its own allowance; the internal API is not limited.
        elsewhere = TestClient(client.app, client=("203.0.113.7", 40000))
        assert elsewhere.get(f"{PUBLIC}/{receipt}").status_code == 200
        assert client.get("/api/v1/status", headers=bearer("auditor")).status_code == 200


def test_the_allowance_comes_back_when_the_window_has_passed(tmp_data_dir: Path) -> None:
    with serve(tmp_data_dir, public_rate_limit=1, public_rate_window=0.3) as client:
        assert client.get(f"{PUBLIC}/0000000000000000").status_code == 404
        assert client.get(f"{PUBLIC}/0000000000000000").status_code == 429
        time.sleep(0.4)
        assert client.get(f"{PUBLIC}/0000000000000000").status_code == 404


def test_public_reports_are_never_replayed_by_idempotency_key(client: TestClient) -> None:
    # Anonymous callers share no replay scope: a replay would hand one reporter's receipt on.
    headers = {"Idempotency-Key": "same-key"}
    first = client.post(PUBLIC, json=report(), headers=headers)
    second = client.post(PUBLIC, json=report(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["receipt"] != second.json()["receipt"]
    assert "idempotent-replayed" not in second.headers


# -- hostile input ----------------------------------------------------------------------------

HOSTILE: list[tuple[str, Any, int]] = [
    ("broken JSON", b'{"category": "x", "title"', 400),
    ("an empty body", b"", 422),
    ("a JSON string", "complaint", 422),
    ("named as text", report(named="maybe"), 422),
    ("named missing", {k: v for k, v in report().items() if k != "named"}, 422),
    ("title as a list", report(title=["a"]), 422),
    ("subjects as an object", report(subject_cadres={"A1": 1}), 422),
    ("an unknown field", report(channel="letter"), 422),
    ("a received_at from the public", report(received_at="2020-01-01T00:00:00+08:00"), 422),
    ("an unknown reporter field", report(named=True, reporter=REPORTER | {"address": "x"}), 422),
    ("a NUL in the title", report(title="优亲\x00厚友"), 422),
    ("an escape sequence in the body", report(body="正文\x1b[31m红字"), 422),
    (
        "a control character in the name",
        report(named=True, reporter={"name": "\x08", "phone": "1"}),
        422,
    ),
    ("a 10,000-character title", report(title="优" * 10_000), 422),
    ("a 10,000-character category", report(category="c" * 10_000), 422),
    (
        "a 10,000-character name",
        report(named=True, reporter={"name": "n" * 10_000, "phone": "1"}),
        422,
    ),
    ("a 10,000-character subject code", report(subject_units=["U" * 10_000]), 422),
    ("SQL as a subject code", report(subject_cadres=["A1' OR 1=1 --"]), 422),
    ("a 2 MiB body", b'{"body": "' + b"x" * (2 * 1024 * 1024) + b'"}', 413),
]


@pytest.mark.parametrize(("what", "payload", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_reports_are_refused_and_write_nothing(
    client: TestClient, what: str, payload: Any, status: int
) -> None:
    before = position(client)
    content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response = client.post(PUBLIC, content=content, headers={"Content-Type": "application/json"})
    assert_problem(response, status)
    assert position(client) == before


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "\x00"},
        {"text": "x" * 20_001},
        {"text": 5},
        {"text": "a", "from": "officer"},
    ],
)
def test_hostile_reporter_messages_are_refused_and_write_nothing(
    client: TestClient, body: dict[str, Any]
) -> None:
    receipt = receipt_of(client)
    before = position(client)
    assert_problem(client.post(f"{PUBLIC}/{receipt}/messages", json=body), 422)
    assert position(client) == before


# -- the reporter's identity is sealed everywhere ---------------------------------------------


def _secrets_in(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


def test_the_reporter_identity_appears_in_no_answer_view_or_log(
    tmp_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers: list[str] = []

    def keep(response: Any) -> Any:
        answers.append(response.text)
        answers.append(json.dumps(dict(response.headers), ensure_ascii=False))
        return response

    receipts: list[str] = []
    with serve(tmp_data_dir) as client:
        inspector, auditor = bearer("inspector"), bearer("auditor")
        web = keep(client.post(PUBLIC, json=report(named=True, reporter=REPORTER)))
        receipts.append(web.json()["receipt"])
        letter = report(named=True, reporter=REPORTER, channel="letter")
        letter["received_at"] = "2024-05-09T15:30:00+08:00"
        filed = keep(client.post(COMPLAINTS, json=letter, headers=bearer("intake")))
        receipts.append(filed.json()["receipt"])
        # Refused reports that carry the identity are echoed nowhere either.
        keep(client.post(PUBLIC, json=report(named=False, reporter=REPORTER)))
        keep(client.post(PUBLIC, json=report(named=True, reporter=REPORTER, title="\x00")))
        keep(client.post(PUBLIC, json=report(named=True, reporter=REPORTER, extra=1)))

        for receipt in receipts:
            complaint_id = complaint_id_of(client, receipt)
            base = f"{COMPLAINTS}/{complaint_id}"
            for action, body in (
                ("accept", {"date": "2024-05-10", "handler_unit": "县纪委"}),
                ("notes", {"text": "已约谈举报人"}),
                ("messages", {"text": "已受理"}),
                ("extend", {"days": 10, "reason": "需调查"}),
                (
                    "conclude",
                    {"date": "2024-05-10", "finding": "unsubstantiated", "summary": "不属实"},
                ),
            ):
                keep(client.post(f"{base}/{action}", json=body, headers=inspector))
            keep(client.post(f"{PUBLIC}/{receipt}/messages", json={"text": "谢谢"}))
            keep(client.get(f"{PUBLIC}/{receipt}"))
            keep(
                client.post(
                    f"{base}/notify-reporter",
                    json={"date": "2024-05-10", "method": "电话"},
                    headers=inspector,
                )
            )
            fresh = {"min_position": position(client)}
            keep(client.get(base, params=fresh, headers=inspector))
            keep(client.get(base, params=fresh, headers=auditor))
            keep(client.get(f"{PUBLIC}/{receipt}"))
        keep(client.get(COMPLAINTS, params={"min_position": position(client)}, headers=auditor))
        keep(client.get("/api/v1/status", headers=bearer("auditor")))
        keep(client.get("/openapi.json", headers=bearer("auditor")))

    identity = [REPORTER["name"], REPORTER["phone"]]
    escaped = [json.dumps(REPORTER["name"])[1:-1]]  # as JSON with ensure_ascii would store it
    assert len(answers) > 40
    for answer in answers:
        assert not _secrets_in(answer, identity + escaped)
    for index, answer in enumerate(answers):
        if index not in (0, 2):  # only the two filing answers show their receipt, once
            assert not _secrets_in(answer, receipts)

    # Every file of the data folder (event store, views, their WAL files): sealed, hashed.
    files = [path for path in tmp_data_dir.rglob("*") if path.is_file()]
    assert any(path.name.startswith("views") for path in files)
    for path in files:
        content = path.read_bytes()
        for secret in [*identity, *escaped, *receipts]:
            assert secret.encode() not in content, f"{secret!r} found in {path.name}"

    server_records = [r for r in caplog.records if not r.name.startswith("httpx")]  # the client's
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in server_records)
    assert not _secrets_in(logged, identity + escaped + receipts)


def test_the_limit_and_window_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIANDU_PUBLIC_RATE_LIMIT", "5")
    monkeypatch.setenv("JIANDU_PUBLIC_RATE_WINDOW", "2.5")
    settings = Settings()
    assert (settings.public_rate_limit, settings.public_rate_window) == (5, 2.5)
    monkeypatch.setenv("JIANDU_PUBLIC_RATE_LIMIT", "0")
    with pytest.raises(ValidationError):
        Settings()
