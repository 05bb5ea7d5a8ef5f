"""Each page's main task in a real browser (Debian's Chromium), with axe-core on every page.

Every test's page records each request it makes and each console message: a request to any
host but the app's, or a Content-Security-Policy complaint, fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.browser import serious_violations
from tests.support.pages import token


class Watched:
    """A page and what it asked for and complained about."""

    def __init__(self, context: BrowserContext, base: str) -> None:
        self.context = context
        self.base = base
        self.page = context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))

    def _console(self, message: object) -> None:
        text = message.text  # type: ignore[attr-defined]
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(text)

    def _response(self, response: object) -> None:
        request = response.request  # type: ignore[attr-defined]
        if request.resource_type != "document" and response.status >= 400:  # type: ignore[attr-defined]
            self.problems.append(f"{response.status} for {request.url}")  # type: ignore[attr-defined]

    def go(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    def sign_in(self, role: str, subject: str | None = None, unit: str | None = None) -> Page:
        page = self.go("/ui/login")
        page.fill("#token", token(role, subject, unit))
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("概览")
        return page

    def check(self) -> None:
        foreign = [u for u in self.requests if not u.startswith(self.base)]
        assert not foreign, f"requests to other hosts: {foreign}"
        assert not self.problems, self.problems


@pytest.fixture
def watched(browser: Browser, live_server: str) -> Iterator[Watched]:
    """A desktop browser window (an office PC's screen), Chinese locale."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    w = Watched(context, live_server)
    yield w
    context.close()
    w.check()


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Watched]:
    """A 360×740 phone."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    w = Watched(context, live_server)
    yield w
    context.close()
    w.check()


def accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page."""
    found = serious_violations(page)
    assert not found, "\n".join(found)


def shoot(page: Page, shots: Path, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / f"{name}.png"))


def test_sign_in_with_a_token(watched: Watched, shots: Path) -> None:
    page = watched.go("/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login\?next=/ui/$"))
    accessible(page)
    shoot(page, shots, "login")
    page.fill("#token", token("inspector", "demo-inspector"))
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("概览")
    expect(page.locator(".who")).to_contain_text("demo-inspector")
    expect(page.locator("#h-overdue")).to_be_visible()
    accessible(page)
    shoot(page, shots, "overview")
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/ui/login$"))
    page.goto(watched.base + "/ui/findings")
    expect(page).to_have_url(re.compile(r"/ui/login\?next="))


def test_search_jiediao_and_open_a_hit(watched: Watched, shots: Path) -> None:
    page = watched.sign_in("inspector")
    page.click("nav >> text=检索")
    page.fill("#q", "借调")
    page.press("#q", "Enter")
    expect(page.locator("#results mark").first).to_have_text("借调")
    expect(page).to_have_url(re.compile(r"/ui/search\?q=%E5%80%9F%E8%B0%83"))
    accessible(page)
    shoot(page, shots, "search")
    page.locator(".facets").get_by_role("link", name="信访举报", exact=True).click()
    expect(page.locator(".hits .tag").first).to_have_text("信访举报")
    hit = page.locator(".hits li a").first
    title = hit.inner_text()
    hit.click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("main")).to_contain_text("借调")
    accessible(page)


def _past_secondment(page: Page) -> tuple[str, date, date]:
    """A cadre whose township secondment upward is over: code, start and end."""
    page.goto(page.url.split("/ui/")[0] + "/ui/secondments?home_level=township&active=false")
    row = page.locator("#results tbody tr").first
    code = row.locator(".muted.small").first.inner_text()
    cells = row.locator("td")
    start = date.fromisoformat(cells.nth(3).inner_text().strip())
    ended = re.search(r"已于 (\d{4}-\d{2}-\d{2}) 结束", cells.nth(4).inner_text())
    assert ended, "the first ended secondment shows its end"
    return code, start, date.fromisoformat(ended.group(1))


def _travel(page: Page, day: date) -> None:
    """Set the as-of date and wait until the file is redrawn for that day."""
    page.fill("#as_of", day.isoformat())
    page.get_by_role("button", name="查看当时情况").click()
    expect(page.locator("#file .notice")).to_contain_text(day.isoformat())
    expect(page).to_have_url(re.compile(rf"as_of={day.isoformat()}"))


def test_move_the_as_of_date_and_see_a_secondment_come_and_go(
    watched: Watched, shots: Path
) -> None:
    page = watched.sign_in("auditor")
    code, start, end = _past_secondment(page)
    page.goto(f"{watched.base}/ui/cadres/{code}")
    secondment = page.locator("#secondment")
    expect(secondment).to_have_text("无借调")
    during = start + (end - start) / 2
    _travel(page, during)
    expect(secondment).to_contain_text("借调在")
    expect(secondment).to_contain_text(start.isoformat())
    accessible(page)
    shoot(page, shots, "cadre-as-of")
    _travel(page, end + timedelta(days=1))
    expect(secondment).to_have_text("无借调")
    _travel(page, start - timedelta(days=1))
    expect(secondment).to_have_text("无借调")
    _travel(page, start)
    expect(secondment).to_contain_text("借调在")
    page.reload()  # the address holds the date: a reload shows the same day again
    expect(page.locator("#secondment")).to_contain_text("借调在")
    expect(page.locator("#as_of")).to_have_value(start.isoformat())


def test_a_retraction_is_struck_through_and_known_at_undoes_it(
    watched: Watched, example_cadre: str
) -> None:
    api = httpx.Client(base_url=watched.base, headers={"Authorization": f"Bearer {token('clerk')}"})
    events = api.get(f"/api/v1/cadres/{example_cadre}/timeline").json()["events"]
    training = next(e for e in events if e["type"] == "TrainingRecorded")
    retracted = api.post(
        f"/api/v1/cadres/{example_cadre}/retractions",
        json={"position": training["position"], "reason": "培训记录重复录入"},
    )
    assert retracted.status_code == 201, retracted.text
    timeline = api.get(
        f"/api/v1/cadres/{example_cadre}/timeline",
        params={"include_retracted": "true", "min_position": retracted.json()["position"]},
    )
    retraction = next(e for e in timeline.json()["events"] if e["type"] == "EntryRetracted")
    recorded = datetime.fromisoformat(retraction["recorded_at"])
    page = watched.sign_in("auditor")
    page.goto(f"{watched.base}/ui/cadres/{example_cadre}")
    struck = page.locator(f"#e{training['position']}")
    expect(struck).to_have_class(re.compile("retracted"))
    expect(struck.locator("del.what")).to_be_visible()
    expect(page.locator(".timeline li.retraction")).to_contain_text("培训记录重复录入")
    expect(page.locator(".timeline li.retraction .who")).to_contain_text("clerk-1 录入于")
    just_before = recorded - timedelta(minutes=1)  # the form takes minutes, in Beijing time
    known = just_before.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")
    page.fill("#known_at", known)
    page.get_by_role("button", name="查看当时情况").click()
    expect(struck).not_to_have_class(re.compile("retracted"))
    expect(page.locator(".timeline li.retraction")).to_have_count(0)
    accessible(page)


def test_an_auditor_verifies_the_ledger(watched: Watched, shots: Path, example_cadre: str) -> None:
    page = watched.sign_in("auditor")
    page.get_by_role("navigation").get_by_role("link", name="审计账本").click()
    expect(page.locator("#h-reach + dl")).to_contain_text("最新检查点")
    # The check reads the whole ledger (seconds on a busy machine): wait for its answer, then
    # for the page to show it.
    with page.expect_response(lambda r: r.url.endswith("/ui/ledger/verify")):
        page.get_by_role("button", name="开始核验").click()
    expect(page.locator("#ledger .flash")).to_contain_text("核验通过")
    accessible(page)
    shoot(page, shots, "ledger")
    page.goto(f"{watched.base}/ui/cadres/{example_cadre}")
    expect(page.locator(".timeline .sealed").first).to_contain_text("已签入")


def test_acknowledge_a_finding(watched: Watched, shots: Path) -> None:
    page = watched.sign_in("inspector", "纪委-赵检查")
    page.click("nav >> text=问题线索")
    page.select_option("#status", "open")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"status=open"))
    accessible(page)
    shoot(page, shots, "findings")
    page.locator("#register tbody a").first.click()
    expect(page.locator("#finding-status")).to_have_text("待处理")
    accessible(page)
    page.fill("#ack-note", "已转干部监督科核实")
    page.click("form[action$='/acknowledge'] button")
    expect(page.locator("#finding-status")).to_have_text("已认领")
    expect(page.locator("#h-history ~ ol")).to_contain_text("纪委-赵检查")
    expect(page.locator(".flash")).to_have_text("已认领。")
    shoot(page, shots, "finding")
    page.reload()  # the register says so too, not only the redrawn region
    expect(page.locator("#finding-status")).to_have_text("已认领")


def test_file_a_complaint_on_a_phone_keep_the_receipt_and_follow_it(
    phone: Watched, shots: Path, browser: Browser
) -> None:
    page = phone.go("/report")
    accessible(page)
    shoot(page, shots, "report")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows
    expect(page.locator(".notice")).to_contain_text("加密封存")
    page.select_option("#category", "借调借用")
    page.fill("#title", "反映某镇干部长期借调在县直单位")
    page.fill("#body", "某镇干部借调到县里已经一年多，一直没有回镇里上班。")
    page.check("input[name=named][value=false]")
    page.get_by_role("button", name="提交举报").click()
    receipt = page.locator("#receipt")
    expect(receipt).to_have_text(re.compile(r"^\d{4} \d{4} \d{4} \d{4}$"))  # in fours, to copy
    code = receipt.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.locator("#keep")).to_contain_text("只显示这一次")
    accessible(page)
    shoot(page, shots, "receipt")
    page.goto(phone.base + "/report/status")
    accessible(page)
    page.fill("#receipt", code)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#status")).to_contain_text("已收到")
    accessible(page)
    page.fill("#text", "补充：他的工资仍在镇里领取。")
    page.get_by_role("button", name="发送留言").click()
    expect(page.locator(".flash")).to_contain_text("留言已送达")
    expect(page.locator(".messages")).to_contain_text("工资仍在镇里领取")
    shoot(page, shots, "status")
    # The officer sees the reporter's message on the complaint's page.
    office = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    officer = Watched(office, phone.base)
    try:
        desk = officer.sign_in("inspector")
        desk.goto(phone.base + "/ui/complaints?status=filed")
        desk.click("text=反映某镇干部长期借调在县直单位")
        expect(desk.locator(".messages")).to_contain_text("工资仍在镇里领取")
        desk.locator("summary", has_text="受理").first.click()
        desk.fill("#acc-unit", "县委组织部干部监督科")
        desk.get_by_role("button", name="受理", exact=True).click()
        expect(desk.locator("#complaint-status")).to_have_text("已受理")
        expect(desk.locator(".flash")).to_have_text("已记录。")
        expect(desk.locator("main")).not_to_contain_text(code)
        expect(desk.locator("main")).not_to_contain_text(code.replace(" ", ""))
        accessible(desk)
        shoot(desk, shots, "complaint")
    finally:
        office.close()
    officer.check()
    page.goto(phone.base + "/report/status")  # the reporter looks again: the status moved on
    page.fill("#receipt", code)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#status")).to_contain_text("已受理")
    expect(page.locator(".messages li")).to_have_count(1)


def test_the_report_form_works_with_javascript_off(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(live_server + "/report")
        page.fill("#title", "无脚本提交")
        page.fill("#body", "不开脚本也能提交。")
        page.get_by_role("button", name="提交举报").click()
        expect(page.locator("#receipt")).to_have_text(re.compile(r"^[\d ]{19}$"))
    finally:
        context.close()


def test_an_inspector_cannot_reach_the_clerks_forms(watched: Watched, example_cadre: str) -> None:
    page = watched.sign_in("inspector")
    expect(page.locator("nav")).not_to_contain_text("登记来信来访")
    page.goto(f"{watched.base}/ui/cadres/{example_cadre}")
    expect(page.locator("main")).not_to_contain_text("登记人事变动")
    for form in (f"/ui/cadres/{example_cadre}/record", "/ui/complaints/new"):
        answer = page.goto(watched.base + form)
        assert answer is not None and answer.status == 403
        expect(page.locator("h1")).to_have_text("无权访问")
        expect(page.locator("main form")).to_have_count(0)
        accessible(page)
    clerk = watched.sign_in("clerk")
    clerk.goto(f"{watched.base}/ui/cadres/{example_cadre}")
    clerk.get_by_role("link", name="登记人事变动").click()
    expect(clerk.locator("h1")).to_contain_text("登记人事变动")
    accessible(clerk)


def _outside(base: str, example_cadre: str) -> tuple[str, str, str, str, str]:
    """The example cadre's home unit, and a cadre (code, name), a finding and a complaint that a
    token limited to that unit may not see (asked of the API)."""
    everyone = {"Authorization": f"Bearer {token('inspector')}"}
    with httpx.Client(base_url=base, headers=everyone) as api:
        unit = api.get(f"/api/v1/cadres/{example_cadre}").json()["home_unit"]
        scoped = {"Authorization": f"Bearer {token('inspector', 'scoped', unit)}"}
        findings = api.get("/api/v1/findings", params={"limit": 200}).json()["findings"]
        finding = next(
            f for f in findings if f["subject"]["kind"] == "cadre"
            and api.get(f"/api/v1/cadres/{f['subject']['code']}", headers=scoped).status_code
            == 404
        )  # fmt: skip
        cadre = finding["subject"]["code"]
        name = api.get(f"/api/v1/cadres/{cadre}").json()["name"]
        complaints = api.get("/api/v1/complaints", params={"limit": 200}).json()["complaints"]
        complaint = next(
            c["complaint_id"] for c in complaints
            if api.get(f"/api/v1/complaints/{c['complaint_id']}", headers=scoped).status_code
            == 404
        )  # fmt: skip
    return unit, cadre, name, finding["finding_id"], complaint


def test_a_page_of_another_units_scope_is_not_shown(
    watched: Watched, shots: Path, example_cadre: str
) -> None:
    unit, cadre, name, finding, complaint = _outside(watched.base, example_cadre)
    page = watched.sign_in("inspector", "township-inspector", unit)
    expect(page.locator(".who .scope")).to_contain_text(unit)
    accessible(page)
    page.goto(f"{watched.base}/ui/cadres/{example_cadre}")  # the unit's own cadre: shown
    expect(page.locator("h1")).to_contain_text(example_cadre)
    for path in (f"/ui/cadres/{cadre}", f"/ui/findings/{finding}", f"/ui/complaints/{complaint}"):
        answer = page.goto(watched.base + path)
        assert answer is not None and answer.status == 404, path
        expect(page.locator("h1")).to_have_text("未找到")
        expect(page.locator("main")).not_to_contain_text(name)
    accessible(page)
    page.goto(watched.base + "/ui/search")
    page.fill("#q", name)
    page.press("#q", "Enter")
    expect(page.locator("#results")).to_be_visible()
    expect(page.locator(f'#results a[href^="/ui/cadres/{cadre}"]')).to_have_count(0)
    page.fill("#q", "借调")
    page.press("#q", "Enter")
    expect(page.locator("#results mark").first).to_have_text("借调")  # its own, no others
    expect(page.locator(f'#results a[href^="/ui/cadres/{cadre}"]')).to_have_count(0)
    accessible(page)
    shoot(page, shots, "scoped-search")
    page.goto(watched.base + "/ui/findings")
    expect(page.locator("#register tbody tr").first).to_be_visible()
    expect(page.locator(f'a[href="/ui/findings/{finding}"]')).to_have_count(0)
    expect(page.locator(f'a[href="/ui/cadres/{cadre}"]')).to_have_count(0)
    page.goto(watched.base + "/ui/complaints")
    expect(page.locator(f'a[href="/ui/complaints/{complaint}"]')).to_have_count(0)
    # The same officer's session without the limit sees them all (the checks above can fail).
    wide = watched.sign_in("inspector", "county-inspector")
    wide.goto(f"{watched.base}/ui/cadres/{cadre}")
    expect(wide.locator("h1")).to_contain_text(name)


def _named_complaint(base: str) -> str:
    """A named complaint of the demo county (its reporter sealed)."""
    auditor = {"Authorization": f"Bearer {token('auditor')}"}
    with httpx.Client(base_url=base, headers=auditor) as api:
        queue = api.get("/api/v1/complaints", params={"limit": 200}).json()["complaints"]
        return next(
            c["complaint_id"] for c in queue
            if api.get(f"/api/v1/complaints/{c['complaint_id']}").json()["reporter"] == "sealed"
        )  # fmt: skip


def test_unsealing_a_reporter_needs_a_second_person(watched: Watched, shots: Path) -> None:
    cid = _named_complaint(watched.base)
    page = watched.sign_in("inspector", "纪委-周干事")
    page.goto(f"{watched.base}/ui/complaints/{cid}")
    section = page.locator("#unseal")
    expect(section).to_contain_text("加密封存")
    section.locator("summary", has_text="申请启封举报人身份").click()
    page.fill("#uns-reason", "约谈前核实举报人身份")
    page.get_by_role("button", name="提出申请").click()
    expect(section).to_contain_text("待负责人批准")
    expect(page.get_by_role("button", name="查阅举报人身份")).to_have_count(0)
    accessible(page)
    lead = watched.sign_in("lead", "纪委书记")
    lead.click("nav >> text=待批事项")
    row = lead.locator("#waiting tr", has_text="约谈前核实举报人身份")
    expect(row).to_be_visible()
    accessible(lead)
    shoot(lead, shots, "approvals")
    row.get_by_role("button", name=re.compile("^批准")).click()
    expect(lead.locator(".flash")).to_contain_text("已批准")
    expect(lead.locator("#approved")).to_contain_text("约谈前核实举报人身份")
    asker = watched.sign_in("inspector", "纪委-周干事")
    asker.goto(f"{watched.base}/ui/complaints/{cid}")
    asker.fill("#rep-purpose", "约谈")
    asker.get_by_role("button", name="查阅举报人身份").click()
    expect(asker.locator("#identity")).to_contain_text("电话")
    accessible(asker)
    auditor = watched.sign_in("auditor", "审计-钱")
    auditor.click("nav >> text=查阅记录")
    expect(auditor.locator("#entries")).to_contain_text("举报人身份")
    expect(auditor.locator("#entries")).to_contain_text("纪委-周干事")
    accessible(auditor)


def test_township_teams_reports_and_a_campaign(watched: Watched, shots: Path) -> None:
    page = watched.sign_in("clerk", "组织部-王")
    page.click("nav >> text=乡镇班子")
    expect(page.locator("h1")).to_contain_text("乡镇领导班子")
    townships = page.locator("#townships tbody tr")
    expect(townships.first).to_be_visible()
    accessible(page)
    shoot(page, shots, "teams")
    short = page.locator("#townships tbody tr", has_text="未达到").first  # the planted R-TOWN-04
    name = short.locator("a").inner_text()
    short.locator("a").click()
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("#figures")).to_contain_text("未达到要求")
    expect(page.locator("#members tbody tr").first).to_be_visible()
    accessible(page)
    page.click("nav >> text=统计报表")
    page.select_option("#r-name", "township-teams")
    page.get_by_role("button", name="生成").click()
    expect(page.locator("#report tbody tr").first).to_be_visible()
    accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel（XLSX）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.click("nav >> text=专项清理")
    page.locator("#campaigns tbody a").first.click()
    expect(page.locator("#progress")).to_contain_text("已回原单位")
    accessible(page)
    shoot(page, shots, "campaign")


STAFF_PAGES = (
    "/ui/secondments",
    "/ui/complaints",
    "/ui/cadres",
    "/ui/cadres?q=QH00402",
    "/ui/complaints/new",
    "/ui/approvals",
    "/ui/access",
    "/ui/reports?name=secondments",
    "/ui/campaigns",
    "/ui/cadres/QH00402/record",
    "/ui/findings?rule=R-SEC-*",
    "/ui/search?q=借调&kind=events",
    "/ui/nothing-here",
)


def test_every_other_page_passes_axe(watched: Watched, shots: Path) -> None:
    page = watched.sign_in("admin")
    for path in STAFF_PAGES:
        page.goto(watched.base + path)
        accessible(page)
    page.goto(watched.base + "/ui/secondments")
    shoot(page, shots, "secondments")
    page.goto(watched.base + "/ui/complaints")
    shoot(page, shots, "complaints")
    page.locator("#queue tbody a").first.click()
    accessible(page)
    page.goto(watched.base + "/ui/complaints/new")
    page.get_by_role(
        "button", name="登记", exact=True
    ).click()  # an empty form: the browser asks for what is required
    expect(page).to_have_url(re.compile(r"/ui/complaints/new$"))
    page.context.clear_cookies()
    page.goto(watched.base + "/ui/link?code=forged")
    accessible(page)
