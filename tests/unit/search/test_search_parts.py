"""The engine-free parts of search: plain terms, cursors, LIKE escaping, highlights, the secondment
predicate, open findings, and documents that never carry a reporter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from domain import complaint as c
from domain.errors import InvalidValue
from projections.search.basic import highlight, like_pattern
from projections.search.documents import SearchDocuments
from projections.search.query import (
    Hit,
    SearchRequest,
    SecondmentQuery,
    decode_cursor,
    encode_cursor,
    terms_of,
)
from projections.search.service import attach_open_findings
from projections.sql import SqliteViews
from projections.view import Table


def test_terms_are_plain_words() -> None:
    assert terms_of('  "借调人员"  违规借调\x00Ｘ  ') == ["借调人员", "违规借调", "ｘ"]
    assert terms_of("借调 借调 T-01 (镇委〔2021〕1号)") == ["借调", "t-01", "镇委〔2021〕1号"]
    assert terms_of("*:* % _ {}") == []
    assert terms_of("\u202e借\u200b调\ud800") == ["借调"]


@pytest.mark.parametrize("q", ["借" * 257, " ".join(f"w{i}" for i in range(17))])
def test_too_much_text_is_refused(q: str) -> None:
    with pytest.raises(InvalidValue):
        terms_of(q)


def test_text_without_words_finds_nothing_while_no_text_finds_everything() -> None:
    assert SearchRequest(q="*:*").finds_nothing([])
    assert not SearchRequest(q=" \t").finds_nothing([])
    assert not SearchRequest(q="借调").finds_nothing(["借调"])


def test_a_cursor_round_trips_and_is_bound_to_its_query() -> None:
    request = SearchRequest(q="借调", unit="T1")
    cursor = encode_cursor([1.5, "events:3"], request.fingerprint())
    assert decode_cursor(cursor, request.fingerprint(), ((int, float), str)) == [1.5, "events:3"]
    assert SearchRequest(q=" 借调 ", unit="T1", size=5).fingerprint() == request.fingerprint()
    for fingerprint, shape in (
        (SearchRequest(q="借调").fingerprint(), ((int, float), str)),
        (request.fingerprint(), (str, str)),
    ):
        with pytest.raises(InvalidValue):
            decode_cursor(cursor, fingerprint, shape)
    for bad in ("", "!!!", "eyJhIjoxfQ", encode_cursor(["x"], request.fingerprint())):
        with pytest.raises(InvalidValue):
            decode_cursor(bad, request.fingerprint(), ((int, float), str))


def test_like_wildcards_are_literal() -> None:
    assert like_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"


def test_highlights_escape_the_text_and_mark_each_occurrence() -> None:
    texts = ["<b>违规借调</b>人员，再次借调", "无关", "TEXT 借调"]
    assert highlight(texts, ["借调"]) == [
        "&lt;b&gt;违规<em>借调</em>&lt;/b&gt;人员，再次<em>借调</em>",
        "TEXT <em>借调</em>",
    ]
    assert highlight(["Text"], ["text"]) == ["<em>Text</em>"]


def secondment(start: str, end: str | None, **fields: object) -> dict[str, object]:
    base = {
        "start_date": start, "end_date": end, "home_level": "township", "host_level": "county",
        "units": ["T1", "C1"], "cadre_code": "A", "approved": False, "retracted": False,
    }  # fmt: skip
    return base | fields


@pytest.mark.parametrize(
    ("doc", "matches", "state"),
    [
        (secondment("2026-05-30", None), False, (True, 180)),  # exactly 180 days: not more
        (secondment("2026-05-29", None), True, (True, 181)),
        (secondment("2025-01-01", "2026-11-26"), False, (False, 694)),  # ended that day
        (secondment("2025-01-01", "2026-11-27"), True, (True, 694)),  # ends the day after
        (secondment("2025-01-01", None, approved=True), False, (True, 694)),
        (secondment("2025-01-01", None, retracted=True), False, (True, 694)),
        (secondment("2026-12-01", None), False, (True, -5)),  # starts later
    ],
)
def test_the_secondment_predicate(
    doc: dict[str, object], matches: bool, state: tuple[bool, int]
) -> None:
    query = SecondmentQuery(
        as_of=date(2026, 11, 26), home_levels=("township",), host_levels=("county", "city"),
        active=True, approved=False, min_days=180,
    )  # fmt: skip
    assert query.matches(doc) is matches
    assert query.state_of(doc) == state


FINDINGS = Table(
    "findings",
    {
        "finding_id": "TEXT", "rule": "TEXT", "severity": "TEXT", "status": "TEXT",
        "subject_kind": "TEXT", "subject_code": "TEXT", "anchor": "TEXT", "raised_at": "TEXT",
    },
    key=("finding_id",),
)  # fmt: skip


def test_each_secondment_gets_the_open_findings_anchored_on_it(tmp_path: Path) -> None:
    views = SqliteViews(str(tmp_path / "views.sqlite3"))
    hits = [Hit("secondments", s, None, {"cadre_code": "A"}) for s in ("s1", "s2")]
    attach_open_findings(views, hits)  # no findings table yet
    assert [h.extra["open_findings"] for h in hits] == [[], []]
    views.ensure([FINDINGS])
    rows = [
        ("f1", "R-SEC-01", "open", "A", "s1"), ("f2", "R-SEC-04", "acknowledged", "A", "s1"),
        ("f3", "R-SEC-05", "remedied", "A", "s1"), ("f4", "R-SEC-01", "open", "B", "s1"),
        ("f5", "R-APPT-01", "open", "A", "appointment"),
    ]  # fmt: skip
    views.write(
        {
            FINDINGS: [
                {"finding_id": f, "rule": r, "severity": "violation", "status": s,
                 "subject_kind": "cadre", "subject_code": code, "anchor": anchor,
                 "raised_at": "2026-11-26T08:00:00+00:00"}
                for f, r, s, code, anchor in rows
            ]
        },
        {},
        {},
    )  # fmt: skip
    attach_open_findings(views, hits)
    assert [f["finding_id"] for f in hits[0].extra["open_findings"]] == ["f1", "f2"]
    assert hits[1].extra["open_findings"] == []


class NoHistory:
    def history(self, originator_id: object, upto_version: int) -> list[object]:
        raise AssertionError("the batch holds the whole history")


def test_complaint_documents_never_carry_the_reporter() -> None:
    cid, at = uuid4(), datetime(2026, 11, 1, 9, tzinfo=UTC)
    filed = c.ComplaintFiled(
        originator_id=cid, originator_version=1, timestamp=at, originator_topic="t",
        recorded_by="intake", receipt_fingerprint="FINGERPRINT", received_at=at,
        channel="letter", named=True, reporter_sealed="SEALED", subject_cadres=["A"],
        subject_units=["T1"], category="personnel", title="关于违规借调的举报", body="正文",
    )  # fmt: skip
    message = c.MessageFromReporter(
        originator_id=cid,
        originator_version=2,
        timestamp=at,
        recorded_by="public",
        text="我是钱多多，电话13900001111",
    )
    docs = SearchDocuments(NoHistory()).build([(1, filed), (2, message)])
    flat = repr([d.source for d in docs])
    for secret in ("FINGERPRINT", "SEALED", "钱多多", "13900001111", "reporter_sealed"):
        assert secret not in flat
    complaint = next(d for d in docs if d.kind == "complaints")
    assert (complaint.version, complaint.source["title"]) == (2, "关于违规借调的举报")
    assert [d.version for d in docs if d.kind == "events"] == [1, 2]
