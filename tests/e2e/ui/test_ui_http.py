"""The web pages over HTTP (no browser): sessions, CSRF, headers, roles, and each page's task
done with JavaScript off (plain forms and redirects)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings
from api.ui.guard import CSP
from api.ui.links import make_code
from tests.support.http import TEST_SECRET
from tests.support.pages import TODAY, county_settings, csrf_of, sign_in, token

PAGES = (
    "/ui/",
    "/ui/search?q=借调",
    "/ui/secondments",
    "/ui/findings",
    "/ui/complaints",
    "/ui/cadres",
)
THIRD_PARTY = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def position(client: TestClient) -> int:
    auditor = {"Authorization": f"Bearer {token('auditor')}"}
    value: int = client.get("/api/v1/status", headers=auditor).json()["position"]
    return value


@pytest.mark.parametrize("path", PAGES)
def test_a_staff_page_without_a_session_sends_to_sign_in(pages: TestClient, path: str) -> None:
    pages.cookies.clear()
    answer = pages.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/ui/login?next=/ui")


def test_signing_in_sets_a_strict_httponly_secure_session(pages: TestClient) -> None:
    pages.cookies.clear()
    form = pages.get("/ui/login")
    answer = pages.post(
        "/ui/login",
        data={"csrf": csrf_of(form.text), "token": token("inspector"), "next": "/ui/findings"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/findings"
    cookie = answer.headers["set-cookie"].lower()
    assert "jiandu_session=" in cookie
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert pages.get("/ui/findings").status_code == 200


def test_outside_dev_only_the_cookie_is_secure_and_in_dev_it_works_over_http(
    tmp_data_dir: object,
) -> None:
    app = create_app(
        Settings(env="dev", data_dir=tmp_data_dir, today=TODAY, secret=SecretStr(TEST_SECRET))
    )  # type: ignore[arg-type]
    with TestClient(app) as client:  # plain http, as on a developer's machine
        form = client.get("/ui/login")
        answer = client.post(
            "/ui/login",
            data={"csrf": csrf_of(form.text), "token": token("auditor")},
            follow_redirects=False,
        )
        assert "secure" not in answer.headers["set-cookie"].lower()
        assert client.get("/ui/").status_code == 200


def test_a_bad_token_opens_no_session(pages: TestClient) -> None:
    pages.cookies.clear()
    form = pages.get("/ui/login")
    forged = token("admin")[:-3] + "AAA"
    answer = pages.post("/ui/login", data={"csrf": csrf_of(form.text), "token": forged})
    assert answer.status_code == 401
    assert "令牌无效" in answer.text
    assert "jiandu_session" not in answer.headers.get("set-cookie", "")


def test_signing_in_without_the_form_token_is_refused(pages: TestClient) -> None:
    pages.cookies.clear()
    answer = pages.post("/ui/login", data={"token": token("admin")}, follow_redirects=False)
    assert answer.status_code == 403
    assert "jiandu_session" not in answer.headers.get("set-cookie", "")


def test_a_next_page_on_another_site_is_not_followed(pages: TestClient) -> None:
    pages.cookies.clear()
    form = pages.get("/ui/login?next=//evil.example/x")
    assert "evil.example" not in form.text
    answer = pages.post(
        "/ui/login",
        data={"csrf": csrf_of(form.text), "token": token("admin"), "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/ui/"


@pytest.mark.parametrize("path", [*PAGES, "/report", "/report/status", "/ui/login"])
def test_every_page_has_a_strict_policy_and_loads_nothing_from_elsewhere(
    pages: TestClient, path: str
) -> None:
    sign_in(pages, "admin")
    answer = pages.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "default-src 'self'" in CSP
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    html = answer.text
    assert not THIRD_PARTY.search(html), THIRD_PARTY.search(html)
    assert "<style" not in html and " style=" not in html
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))  # no inline script
    for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S):
        assert 'name="csrf"' in form


def test_the_api_keeps_answering_problems_not_pages(pages: TestClient) -> None:
    answer = pages.get("/api/v1/findings")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "content-security-policy" not in answer.headers


# -- roles: the API's checks ----------------------------------------------------------------


def test_an_inspector_cannot_reach_the_intake_clerks_form(pages: TestClient) -> None:
    sign_in(pages, "inspector")
    answer = pages.get("/ui/complaints/new")
    assert answer.status_code == 403
    assert (
        "无权访问" in answer.text
        and '<form method="post" action="/ui/complaints/new"' not in answer.text
    )
    assert 'href="/ui/complaints/new"' not in pages.get("/ui/").text  # nor is it offered


def test_a_clerk_reads_cadre_files_but_not_the_findings_register(
    pages: TestClient, example_cadre: str
) -> None:
    sign_in(pages, "clerk")
    assert pages.get("/ui/findings").status_code == 403
    assert pages.get("/ui/search?q=借调").status_code == 403
    page = pages.get(f"/ui/cadres/{example_cadre}")
    assert page.status_code == 200
    assert "问题线索" not in page.text.split("<main", 1)[1]  # findings are for overseers


def test_an_auditor_reads_findings_but_may_not_work_them(
    pages: TestClient, example_cadre: str
) -> None:
    sign_in(pages, "auditor")
    register = pages.get(f"/ui/findings?cadre={example_cadre}")
    finding = re.search(r'href="/ui/findings/([0-9a-f-]{36})"', register.text)
    assert finding
    page = pages.get(f"/ui/findings/{finding.group(1)}")
    # No form to work it (the finding may show 已认领 if another test acknowledged it).
    assert page.status_code == 200 and "/acknowledge" not in page.text
    before = position(pages)
    answer = pages.post(
        f"/ui/findings/{finding.group(1)}/acknowledge",
        data={"csrf": csrf_of(page.text), "note": "x"},
    )
    assert answer.status_code == 403
    assert position(pages) == before


# -- tasks with JavaScript off ----------------------------------------------------------------


def test_search_marks_the_words_found_and_htmx_gets_only_the_results(pages: TestClient) -> None:
    sign_in(pages, "inspector")
    page = pages.get("/ui/search", params={"q": "借调"})
    assert "<mark>借调</mark>" in page.text
    assert "<html" in page.text
    part = pages.get("/ui/search", params={"q": "借调"}, headers={"HX-Request": "true"})
    assert part.text.lstrip().startswith('<div id="results">') and "<html" not in part.text


def test_the_cadre_file_travels_in_time(pages: TestClient, example_cadre: str) -> None:
    sign_in(pages, "auditor")
    now = pages.get(f"/ui/cadres/{example_cadre}")
    assert "借调在" in _secondment(now.text)
    before = pages.get(f"/ui/cadres/{example_cadre}", params={"as_of": "2020-01-01"})
    assert "无借调" in _secondment(before.text)
    unknown = pages.get(f"/ui/cadres/{example_cadre}", params={"known_at": "2015-01-01T00:00"})
    assert "无借调" in _secondment(unknown.text) and "以前录入的记录" in unknown.text


def _secondment(html: str) -> str:
    found = re.search(r'<dd id="secondment">(.*?)</dd>', html, re.S)
    assert found, "the file shows no secondment line"
    return found.group(1)


def test_the_headline_query_exports_a_spreadsheet(pages: TestClient) -> None:
    sign_in(pages, "inspector")
    page = pages.get("/ui/secondments")
    shown = re.findall(r'<span class="muted small">(QH\d+)</span>', page.text)
    assert shown, "the planted unapproved secondment is in the headline query"
    export = pages.get("/ui/secondments.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    text = export.content.decode("utf-8")
    assert text.startswith("\ufeff干部编码,姓名,原单位")
    rows = text.strip().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == shown
    everything = pages.get("/ui/secondments.csv?active=any")
    assert len(everything.content.decode("utf-8").strip().splitlines()) > len(rows) + 1


def test_acknowledging_a_finding_with_a_plain_form(pages: TestClient, example_cadre: str) -> None:
    sign_in(pages, "inspector", "李检查")
    register = pages.get(f"/ui/findings?cadre={example_cadre}&status=open&rule=R-SEC-05")
    fid = re.search(r'href="/ui/findings/([0-9a-f-]{36})"', register.text)
    assert fid
    page = pages.get(f"/ui/findings/{fid.group(1)}")
    answer = pages.post(
        f"/ui/findings/{fid.group(1)}/acknowledge",
        follow_redirects=False,
        data={"csrf": csrf_of(page.text), "note": "已约谈", "expected_version": "1"},
    )
    assert answer.status_code == 303
    after = pages.get(answer.headers["location"])
    assert '<dd id="finding-status">已认领' in after.text
    assert "李检查" in after.text and "已约谈" in after.text


def test_a_form_without_its_token_writes_nothing(pages: TestClient, example_cadre: str) -> None:
    sign_in(pages, "inspector")
    register = pages.get(f"/ui/findings?cadre={example_cadre}")
    fid = re.search(r'href="/ui/findings/([0-9a-f-]{36})"', register.text)
    assert fid
    before = position(pages)
    answer = pages.post(f"/ui/findings/{fid.group(1)}/acknowledge", data={"note": "x"})
    assert answer.status_code == 403
    forged = pages.post(
        f"/ui/findings/{fid.group(1)}/acknowledge",
        data={"note": "x", "csrf": csrf_of(pages.get("/ui/login").text)},
    )
    assert forged.status_code == 403
    assert position(pages) == before


def test_a_waiver_without_an_approval_says_so_and_writes_nothing(
    pages: TestClient, example_cadre: str
) -> None:
    sign_in(pages, "inspector")
    register = pages.get(f"/ui/findings?cadre={example_cadre}&rule=R-SEC-07")
    fid = re.search(r'href="/ui/findings/([0-9a-f-]{36})"', register.text)
    assert fid
    page = pages.get(f"/ui/findings/{fid.group(1)}")
    before = position(pages)
    answer = pages.post(
        f"/ui/findings/{fid.group(1)}/resolve",
        data={"csrf": csrf_of(page.text), "resolution": "waived", "note": "x"},
    )
    assert answer.status_code == 422
    assert "须填写审批层级" in answer.text
    assert position(pages) == before


def test_intake_files_a_visit_and_hands_over_the_receipt_once(fresh_pages: TestClient) -> None:
    sign_in(fresh_pages, "intake", "信访室-张")
    form = fresh_pages.get("/ui/complaints/new")
    assert form.status_code == 200
    filed = fresh_pages.post(
        "/ui/complaints/new",
        data={
            "csrf": csrf_of(form.text),
            "channel": "visit",
            "received_at": "2026-06-14T09:30",
            "category": "工作作风",
            "title": "反映某站所推诿",
            "body": "办事多次被推诿。",
            "named": "true",
            "reporter.name": "王五",
            "reporter.phone": "13800000000",
        },
    )
    assert filed.status_code == 201, filed.text
    receipt = re.search(r'id="receipt">([\d ]{19})<', filed.text)
    assert receipt
    sign_in(fresh_pages, "inspector")
    queue = fresh_pages.get("/ui/complaints")
    assert "反映某站所推诿" in queue.text
    cid = re.search(r'href="/ui/complaints/([0-9a-f-]{36})"', queue.text)
    assert cid
    page = fresh_pages.get(f"/ui/complaints/{cid.group(1)}")
    assert "王五" not in page.text and "13800000000" not in page.text
    assert "实名（身份已加密封存）" in page.text
    assert receipt.group(1).replace(" ", "") not in page.text


def test_an_officer_accepts_and_answers_and_the_reporter_reads_it(fresh_pages: TestClient) -> None:
    public = fresh_pages.get("/report")
    filed = fresh_pages.post(
        "/report",
        data={
            "csrf": csrf_of(public.text),
            "category": "借调借用",
            "title": "反映借调",
            "body": "借调两年。",
            "named": "false",
            "reporter.name": "不该保存",
        },
    )
    assert filed.status_code == 201, filed.text
    receipt = re.search(r'id="receipt"[^>]*>([\d ]{19})<', filed.text)
    assert receipt
    sign_in(fresh_pages, "inspector")
    cid = re.search(
        r'href="/ui/complaints/([0-9a-f-]{36})"', fresh_pages.get("/ui/complaints").text
    )
    assert cid
    page = fresh_pages.get(f"/ui/complaints/{cid.group(1)}")
    assert "匿名" in page.text and "不该保存" not in page.text
    accepted = fresh_pages.post(
        f"/ui/complaints/{cid.group(1)}/accept",
        data={
            "csrf": csrf_of(page.text),
            "date": TODAY.isoformat(),
            "handler_unit": "县委组织部",
            "expected_version": "1",
        },
    )
    assert accepted.status_code == 200 and '<dd id="complaint-status">已受理' in accepted.text
    answered = fresh_pages.post(
        f"/ui/complaints/{cid.group(1)}/messages",
        data={
            "csrf": csrf_of(page.text),
            "text": "已受理，正在核实。",
        },
    )
    assert "已受理，正在核实。" in answered.text
    fresh_pages.cookies.clear()
    status_form = fresh_pages.get("/report/status")
    status = fresh_pages.post(
        "/report/status", data={"csrf": csrf_of(status_form.text), "receipt": receipt.group(1)}
    )
    assert "已受理，正在办理" in status.text and "已受理，正在核实。" in status.text


def test_a_named_report_without_a_name_says_what_is_missing(fresh_pages: TestClient) -> None:
    before = position(fresh_pages)
    public = fresh_pages.get("/report")
    answer = fresh_pages.post(
        "/report",
        data={
            "csrf": csrf_of(public.text),
            "category": "其他",
            "title": "t",
            "body": "b",
            "named": "true",
        },
    )
    assert answer.status_code == 422
    assert (
        "实名举报请填写姓名和电话。" in answer.text and 'value="t"' in answer.text
    )  # what was typed is kept
    assert position(fresh_pages) == before


def test_an_unknown_receipt_is_not_found(fresh_pages: TestClient) -> None:
    form = fresh_pages.get("/report/status")
    answer = fresh_pages.post(
        "/report/status", data={"csrf": csrf_of(form.text), "receipt": "1234567812345678"}
    )
    assert answer.status_code == 404 and "没有找到" in answer.text


# -- one-time sign-in links -------------------------------------------------------------------


def test_a_sign_in_link_works_once(fresh_pages: TestClient) -> None:
    code = make_code(TEST_SECRET, subject="demo-inspector", role="inspector", session_seconds=3600)
    shown = fresh_pages.get("/ui/link", params={"code": code})
    assert shown.status_code == 200 and "demo-inspector" in shown.text
    assert "jiandu_session" not in shown.headers.get("set-cookie", "")  # a GET signs nobody in
    used = fresh_pages.post(
        "/ui/link", data={"csrf": csrf_of(shown.text), "code": code}, follow_redirects=False
    )
    assert used.status_code == 303 and "jiandu_session=" in used.headers["set-cookie"]
    assert fresh_pages.get("/ui/").status_code == 200
    fresh_pages.cookies.clear()
    again = fresh_pages.get("/ui/link", params={"code": code})
    reused = fresh_pages.post(
        "/ui/link", data={"csrf": csrf_of(again.text), "code": code}, follow_redirects=False
    )
    assert reused.status_code == 400 and "已经用过" in reused.text


def test_an_altered_or_expired_link_signs_nobody_in(fresh_pages: TestClient) -> None:
    code = make_code(TEST_SECRET, subject="x", role="admin", session_seconds=3600)
    altered = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    assert "改动" in fresh_pages.get("/ui/link", params={"code": altered}).text
    old = make_code(TEST_SECRET, subject="x", role="admin", session_seconds=3600, now=0)
    page = fresh_pages.get("/ui/link", params={"code": old})
    assert page.status_code == 400 and "过期" in page.text


def test_dates_show_in_beijing_time(pages: TestClient) -> None:
    from api.ui.templating import instant

    assert instant("2026-06-14T16:30:00+00:00") == "2026-06-15 00:30"
    assert date.fromisoformat(instant("2026-06-14T15:59:00Z")[:10]) == date(2026, 6, 14)


def test_the_command_line_prints_a_link_that_signs_in_once(
    fresh_pages: TestClient, tmp_data_dir: Path
) -> None:
    from typer.testing import CliRunner

    from api.cli import app as cli

    printed = CliRunner().invoke(
        cli, ["ui", "link", "--role", "auditor", "--subject", "审计-钱", "--base-url",
              "https://jiandu.example"],
        env={"JIANDU_ENV": "test", "JIANDU_SECRET": TEST_SECRET,
             "JIANDU_DATA_DIR": str(tmp_data_dir)},
    )  # fmt: skip
    assert printed.exit_code == 0, printed.output
    url = printed.stdout.strip().splitlines()[0]
    assert url.startswith("https://jiandu.example/ui/link?code=")
    path = url.removeprefix("https://jiandu.example")
    page = fresh_pages.get(path)
    assert "审计-钱" in page.text
    fresh_pages.post("/ui/link", data={"csrf": csrf_of(page.text),
                                       "code": path.split("code=")[1]})  # fmt: skip
    assert "审计-钱（审计巡视人员）" in fresh_pages.get("/ui/").text


@pytest.mark.parametrize(
    ("path", "region"),
    [("/ui/search?q=借调", "results"), ("/ui/secondments", "results"),
     ("/ui/cadres/{cadre}?as_of=2020-01-01", "file"), ("/ui/findings?rule=R-SEC-*", "register"),
     ("/ui/findings/{finding}", "finding"), ("/ui/complaints", "queue"),
     ("/ui/complaints/{complaint}", "complaint")],
)  # fmt: skip
def test_htmx_gets_each_region_alone(
    pages: TestClient, example_cadre: str, path: str, region: str
) -> None:
    sign_in(pages, "admin")
    finding = re.search(r"/ui/findings/([0-9a-f-]{36})", pages.get("/ui/findings").text)
    complaint = re.search(r"/ui/complaints/([0-9a-f-]{36})", pages.get("/ui/complaints").text)
    assert finding and complaint
    url = path.format(cadre=example_cadre, finding=finding.group(1), complaint=complaint.group(1))
    part = pages.get(url, headers={"HX-Request": "true"})
    assert part.status_code == 200, part.text
    assert part.text.lstrip().startswith(f'<div id="{region}">') and "<html" not in part.text
    assert part.headers["vary"].startswith("HX-Request")


def _seed(client: TestClient) -> None:
    """A county organisation department C1, a township T1, and cadre A1 recruited there; returns
    once the read models show them (the API's read-your-writes)."""
    clerk = {"Authorization": f"Bearer {token('clerk', '组织部-王')}"}
    for path, body in (
        ("/api/v1/units", {"code": "C1", "name": "县委组织部", "level": "county",
                           "kind": "department"}),
        ("/api/v1/units", {"code": "T1", "name": "青石镇", "level": "township",
                           "kind": "government", "parent": "C1"}),
        ("/api/v1/cadres", {"code": "A1", "name": "张伟", "gender": "male",
                            "birth_date": "1990-03-02"}),
        ("/api/v1/cadres/A1/recruitment", {"effective_date": "2015-07-01", "unit": "T1",
                                           "channel": "exam"}),
    ):  # fmt: skip
        answer = client.post(path, json=body, headers=clerk)
        assert answer.status_code == 201, answer.text
    shown = client.get("/api/v1/cadres/A1", params={"min_position": answer.json()["position"]},
                       headers=clerk)  # fmt: skip
    assert shown.status_code == 200, shown.text


def test_a_clerk_records_a_secondment_ends_it_and_retracts_the_end(
    fresh_pages: TestClient,
) -> None:
    _seed(fresh_pages)
    sign_in(fresh_pages, "clerk", "组织部-王")
    forms = fresh_pages.get("/ui/cadres/A1/record")
    assert forms.status_code == 200 and "登记借调" in forms.text
    before = position(fresh_pages)
    bad = fresh_pages.post("/ui/cadres/A1/secondments", data={
        "csrf": csrf_of(forms.text), "host_unit": "县委 组织部", "start_date": "2026-01-05",
    })  # fmt: skip
    assert bad.status_code == 422 and "借调单位" in bad.text and position(fresh_pages) == before
    started = fresh_pages.post("/ui/cadres/A1/secondments", data={
        "csrf": csrf_of(forms.text), "host_unit": "C1", "start_date": "2026-01-05",
        "planned_end_date": "2026-07-04", "purpose": "专项工作", "approval.level": "county",
        "approval.authority": "县委组织部", "approval.document_no": "青组函〔2026〕1号",
    })  # fmt: skip
    assert started.status_code == 200, started.text  # the file, after the redirect
    assert "已登记" in started.text and "借调在县委组织部" in started.text
    assert "组织部-王 录入于" in started.text
    ended = fresh_pages.post("/ui/cadres/A1/secondment-end", data={
        "csrf": csrf_of(forms.text), "end_date": "2026-03-01", "reason": "recalled",
    })  # fmt: skip
    assert "无借调" in ended.text
    end_position = re.findall(r'id="e(\d+)"', ended.text)[-1]
    retracted = fresh_pages.post("/ui/cadres/A1/retractions", data={
        "csrf": csrf_of(forms.text), "position": end_position, "reason": "结束日期录错",
    })  # fmt: skip
    assert "借调在县委组织部" in retracted.text
    assert re.search(rf'id="e{end_position}" class="retracted', retracted.text)


def test_an_inspector_cannot_reach_the_clerks_personnel_forms(fresh_pages: TestClient) -> None:
    _seed(fresh_pages)
    sign_in(fresh_pages, "inspector")
    assert fresh_pages.get("/ui/cadres/A1/record").status_code == 403
    file = fresh_pages.get("/ui/cadres/A1")
    assert file.status_code == 200 and "登记人事变动" not in file.text
    before = position(fresh_pages)
    page = fresh_pages.get("/ui/cadres/A1")
    answer = fresh_pages.post("/ui/cadres/A1/secondments", data={
        "csrf": csrf_of(page.text), "host_unit": "C1", "start_date": "2026-01-05",
    })  # fmt: skip
    assert answer.status_code == 403 and position(fresh_pages) == before


def test_the_public_pages_are_rate_limited_like_the_public_api(tmp_data_dir: Path) -> None:
    app = create_app(county_settings(tmp_data_dir, public_rate_limit=3))
    with TestClient(app, base_url="https://testserver") as client:
        form = client.get("/report/status")
        answers = [
            client.post("/report/status", data={"csrf": csrf_of(form.text),
                                                "receipt": "1234567812345678"})
            for _ in range(4)
        ]  # fmt: skip
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert "请求过于频繁" in answers[-1].text and answers[-1].headers["retry-after"]


def test_the_make_run_link_signs_in_while_the_server_is_still_catching_up(
    tmp_data_dir: Path,
) -> None:
    """`make run` prints the link before `serve` starts; the first minutes of `serve` write the
    views (search index, findings): redeeming the link then must wait its turn, not fail."""
    from typer.testing import CliRunner

    from api.commands import demo

    env = {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_TODAY": TODAY.isoformat(),
           "JIANDU_ENV": "test"}  # fmt: skip
    assert CliRunner().invoke(demo.app, ["load"], env=env).exit_code == 0
    code = make_code(TEST_SECRET, subject="demo-inspector", role="inspector", session_seconds=600)
    app = create_app(county_settings(tmp_data_dir, supervise=True))
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/ui/link", params={"code": code})
        used = client.post("/ui/link", data={"csrf": csrf_of(page.text), "code": code},
                           follow_redirects=False)  # fmt: skip
        assert used.status_code == 303, used.text
        assert client.get("/ui/").status_code == 200


def test_the_ledger_page_shows_the_checkpoint_and_verifies_for_auditors(
    pages: TestClient, example_cadre: str
) -> None:
    sign_in(pages, "inspector")
    assert pages.get("/ui/ledger").status_code == 403
    sign_in(pages, "auditor")
    page = pages.get("/ui/ledger")
    assert page.status_code == 200
    size = re.search(r"最新检查点</dt><dd>覆盖前 (\d+) 条", page.text)
    assert size and int(size.group(1)) > 8000
    assert "— " in page.text  # the signed note's signature line
    verified = pages.post("/ui/ledger/verify", data={"csrf": csrf_of(page.text)})
    assert verified.status_code == 200 and "核验通过" in verified.text
    file = pages.get(f"/ui/cadres/{example_cadre}")
    assert "已签入第" in file.text


@pytest.mark.parametrize(
    ("altered", "said"),
    [("CAST(replace(CAST(state AS TEXT), '借调', '调研') AS BLOB)", "核验发现问题：第"),
     ("replace(CAST(state AS TEXT), '借调', '调研')", "核验发现问题：第")],  # a blob turned text
)  # fmt: skip
def test_verifying_the_ledger_names_an_altered_event(
    tmp_data_dir: Path, altered: str, said: str
) -> None:
    import sqlite3

    from typer.testing import CliRunner

    from api.bootstrap import build
    from api.commands import demo

    env = {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_TODAY": TODAY.isoformat(),
           "JIANDU_ENV": "test"}  # fmt: skip
    assert CliRunner().invoke(demo.app, ["load"], env=env).exit_code == 0
    platform = build(county_settings(tmp_data_dir))
    try:
        assert platform.ledger is not None
        platform.ledger.integrator.catch_up()
        platform.ledger.sign_now()
    finally:
        platform.close()
    with sqlite3.connect(tmp_data_dir / "events.sqlite3") as db:  # someone rewrites history
        table = next(r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
                     if "stored_events" in r[0])  # fmt: skip
        db.execute(f"UPDATE {table} SET state = {altered} "
                   "WHERE rowid = (SELECT MIN(rowid) FROM {t} WHERE instr(state, '借调'))"
                   .replace("{t}", table))  # fmt: skip
    with TestClient(create_app(county_settings(tmp_data_dir)), base_url="https://testserver") as c:
        sign_in(c, "auditor")
        page = c.get("/ui/ledger")
        report = c.post("/ui/ledger/verify", data={"csrf": csrf_of(page.text)})
    assert report.status_code == 200
    assert report.status_code == 200 and said in report.text
