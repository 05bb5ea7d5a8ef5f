"""The pure parts of the web pages: escaping of highlights, links, forms, CSV cells, wording."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from api.schemas import ComplaintReport
from api.ui import HTMX, STATIC
from api.ui.describe import describe, facts
from api.ui.forms import beijing_instant, check
from api.ui.links import SIGN_INS, LinkError, make_code, read_code, redeem
from api.ui.pages.search import _cell
from api.ui.pages.signin import safe_next
from api.ui.templating import days_left, env, marked
from projections.sql import SqliteViews

SECRET = "a-secret-of-sixteen-or-more"


def test_the_vendored_htmx_is_the_pinned_file() -> None:
    name, digest = HTMX
    assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest
    base = (STATIC.parent / "templates" / "base.html").read_text()
    assert f'src="/ui/static/{name}"' in base


def test_highlights_keep_only_their_marks() -> None:
    assert marked("龙泉镇<em>借调</em>") == "龙泉镇<mark>借调</mark>"
    hostile = marked("<script>alert(1)</script><em>x</em><img src=x onerror=alert(1)>")
    assert "<script" not in hostile and "<img" not in hostile
    assert "&lt;script&gt;" in hostile and "<mark>x</mark>" in hostile
    assert marked("a &amp; b &lt;em&gt;") == "a &amp; b &lt;em&gt;"  # the engine's escapes, once


def test_templates_escape_what_they_show() -> None:
    page = env.from_string("<p>{{ v }}</p>").render(v="<b onclick=x>")
    assert page == "<p>&lt;b onclick=x&gt;</p>"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/ui/findings?rule=R-SEC-*", "/ui/findings?rule=R-SEC-*"),
        ("//evil.example", "/ui/"),
        ("https://evil.example/ui", "/ui/"),
        ("/report", "/ui/"),
        ("/ui\\\\evil", "/ui/"),
        (None, "/ui/"),
        ("/ui/" + "x" * 3000, "/ui/"),
    ],
)
def test_only_local_pages_are_returned_to_after_signing_in(given: str | None, kept: str) -> None:
    assert safe_next(given) == kept


def test_invisible_format_controls_are_written_out_on_every_page() -> None:
    shown = env.from_string("{{ text }}|{{ mark }}|{{ n }}").render(
        text="张伟\u202e<b>\u200b", mark=marked("借调<em>\u202e</em>"), n=3
    )
    assert shown == "张伟[U+202E]&lt;b&gt;[U+200B]|借调<mark>[U+202E]</mark>|3"
    assert "\u202e" not in shown and "\u200b" not in shown


def test_a_link_code_is_signed_timed_and_used_once(tmp_path: Path) -> None:
    views = SqliteViews(str(tmp_path / "views.sqlite3"))
    views.ensure([SIGN_INS])  # as the platform does when it is built
    code = make_code(SECRET, subject="王科长", role="clerk", session_seconds=600)
    claims = read_code(SECRET, code)
    assert (claims.subject, claims.role, claims.session_seconds) == ("王科长", "clerk", 600)
    with pytest.raises(LinkError):
        read_code("another-secret-of-16+", code)
    with pytest.raises(LinkError):
        read_code(SECRET, code, now=claims.expires + 1)
    _, session = redeem(views, SECRET, code)
    assert session.count(".") == 1
    with pytest.raises(LinkError, match="用过"):
        redeem(views, SECRET, code)
    with pytest.raises(ValueError):
        make_code(SECRET, subject="x", role="emperor", session_seconds=60)


def test_a_link_code_is_no_token() -> None:
    from api.auth import TokenError, verify_token

    with pytest.raises(TokenError):
        verify_token(SECRET, make_code(SECRET, subject="x", role="admin", session_seconds=60))


def test_form_fields_are_checked_by_the_apis_model_and_said_in_chinese() -> None:
    model, errors = check(
        ComplaintReport, {"category": "其他", "title": "", "body": "b", "named": True}
    )
    assert model is None
    assert errors == {"title": "不能为空。"}
    _, errors = check(
        ComplaintReport, {"category": "其他", "title": "t", "body": "b", "named": True}
    )
    assert errors == {"form": "实名举报请填写姓名和电话。"}
    model, errors = check(
        ComplaintReport, {"category": "其他", "title": "t", "body": "b", "named": False}
    )
    assert model is not None and not errors


def test_a_local_time_is_read_as_beijing_time() -> None:
    assert beijing_instant("2026-06-15T08:30") == "2026-06-15T08:30:00+08:00"
    assert beijing_instant("2026-06-15T08:30:00+00:00") == "2026-06-15T08:30:00+00:00"
    assert beijing_instant("not a time") == "not a time"  # the model says what is wrong
    assert beijing_instant("") is None


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=x"])
def test_csv_cells_never_start_a_formula(value: str) -> None:
    assert _cell(value).startswith("'")
    assert _cell("县委组织部") == "县委组织部" and _cell(None) == "" and _cell(180) == "180"


def test_deadlines_count_down_and_past_ones_are_negative() -> None:
    from datetime import date

    today = date(2026, 6, 15)
    assert days_left("2026-06-20", today) == 5
    assert days_left(date(2026, 6, 10), today) == -5
    assert days_left(None, today) is None


def test_events_read_as_a_register_line() -> None:
    units = {"T1": "青石镇人民政府", "C1": "县委组织部"}
    seconded = {
        "type": "Seconded",
        "data": {
            "host_unit": "C1",
            "start_date": "2024-01-02",
            "planned_end_date": None,
            "approval": None,
        },
    }
    line = describe(seconded, units)
    assert line == "借调到县委组织部，2024-01-02 起，未定结束日期，无审批"
    appointed = {"type": "Appointed", "data": {"unit": "T1", "post": "zz-01", "kind": "promotion",
                                               "document_no": "青组〔2024〕3号"}}  # fmt: skip
    assert describe(appointed, units, {("T1", "zz-01"): "副镇长"}) == (
        "任青石镇人民政府副镇长（提拔，青组〔2024〕3号）"
    )
    assert describe(appointed, units).startswith("任青石镇人民政府zz-01")
    odd = {"type": "Seconded", "data": {"host_unit": ["not", "a", "code"]}}
    assert describe(odd, units)  # an unexpected shape still says something
    assert describe({"type": "SomethingNew", "data": {}}, units) == "SomethingNew"
    shown = facts({"host_unit": "C1", "units": ["T1"], "procedure": {"a": None}, "days": 3}, units)
    assert shown == [("天数", "3"), ("借调单位", "县委组织部")]


def test_no_template_uses_inline_script_or_style() -> None:
    for template in (STATIC.parent / "templates").glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert "<style" not in text and " style=" not in text, template.name
        assert not re.search(r"\bon[a-z]+=", text), template.name  # no event handler attributes
        assert "hx-on" not in text and "|safe" not in text, template.name
