"""The organisation department's pages over the demo county: township teams (the 2/3 table),
reports with their downloads, and cleanup campaigns; each shows what the API answers for the
same token, refuses what the API refuses, and writes nothing on bad input."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.support.pages import csrf_of, sign_in, token


def _api(client: TestClient, path: str, role: str = "clerk", unit: str | None = None,
         **params: Any) -> Any:  # fmt: skip
    headers = {"Authorization": f"Bearer {token(role, None, unit)}"}
    answer = client.get(path, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json() if "json" in answer.headers["content-type"] else answer


def _county(client: TestClient) -> str:
    sign_in(client, "clerk")
    start = client.get("/ui/teams", follow_redirects=False)
    assert start.status_code == 303
    found = re.fullmatch(r"/ui/units/([^/]+)/team", start.headers["location"])
    assert found
    return found.group(1)


def test_the_county_table_shows_each_townships_share_as_the_api(pages: TestClient) -> None:
    county = _county(pages)
    api = _api(pages, f"/api/v1/units/{county}/team")
    page = pages.get(f"/ui/units/{county}/team")
    assert page.status_code == 200
    assert api["townships"], "the demo county has townships"
    for t in api["townships"]:
        cells = r'<td class="num">(\d+)</td><td class="num">(\d+)</td>'
        link = rf'href="/ui/units/{re.escape(t["unit"])}/team">[^<]*</a></td>\s*'
        row = re.search(link + cells, page.text)
        assert row, t["unit"]
        assert (int(row.group(1)), int(row.group(2))) == (t["experienced"], t["total"])
    assert f"{api['townships_short']} 个未达到" in page.text
    short = next(t for t in api["townships"] if not t["meets_target"])  # the planted R-TOWN-04
    township = _api(pages, f"/api/v1/units/{short['unit']}/team")
    shown = pages.get(f"/ui/units/{short['unit']}/team").text
    assert "未达到要求" in shown
    assert f"<strong>{township['experienced']}</strong> / {township['total']} 人" in shown
    for member in township["members"]:
        assert f'href="/ui/cadres/{member["code"]}"' in shown


def test_bad_dates_villages_and_units_outside_are_refused(pages: TestClient) -> None:
    county = _county(pages)
    assert pages.get(f"/ui/units/{county}/team", params={"as_of": "2026-02-30"}).status_code == 422
    assert pages.get("/ui/units/NOWHERE/team").status_code == 404
    villages = _api(pages, "/api/v1/units", level="village", limit=1)["units"]
    assert pages.get(f"/ui/units/{villages[0]['code']}/team").status_code == 422
    townships = [t["unit"] for t in _api(pages, f"/api/v1/units/{county}/team")["townships"]]
    sign_in(pages, "clerk", "township-clerk", unit=townships[0])
    assert pages.get(f"/ui/units/{townships[0]}/team").status_code == 200
    assert pages.get(f"/ui/units/{townships[1]}/team").status_code == 404
    assert pages.get(f"/ui/units/{county}/team").status_code == 404
    sign_in(pages, "intake")
    assert pages.get(f"/ui/units/{county}/team").status_code == 403


def test_a_report_is_the_apis_table_and_downloads_the_apis_files(pages: TestClient) -> None:
    sign_in(pages, "inspector")
    api = _api(pages, "/api/v1/reports/secondments", "inspector")
    page = pages.get("/ui/reports", params={"name": "secondments"})
    assert page.status_code == 200 and api["title"] in page.text
    body = page.text.split('<table id="report">', 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") - 1 == len(api["rows"])  # the header row, then one per row
    for file_format in ("csv", "xlsx"):
        link = f"/ui/reports/download?name=secondments&amp;format={file_format}"
        assert link in page.text
        got = pages.get(link.replace("&amp;", "&"))
        want = _api(pages, "/api/v1/reports/secondments", "inspector", format=file_format)
        assert got.status_code == 200 and got.content == want.content
        assert got.headers["content-type"] == want.headers["content-type"]
    assert pages.get("/ui/reports", params={"name": "nonsense"}).status_code == 422
    assert pages.get("/ui/reports", params={"name": "training", "year": "1900"}).status_code == 422
    assert pages.get("/ui/reports/download", params={"name": "findings", "format": "pdf"}
                     ).status_code == 422  # fmt: skip


def test_a_scoped_officers_report_holds_their_unit_only(pages: TestClient) -> None:
    county = _county(pages)
    townships = [t["unit"] for t in _api(pages, f"/api/v1/units/{county}/team")["townships"]]
    sign_in(pages, "inspector", "township-inspector", unit=townships[0])
    page = pages.get("/ui/reports", params={"name": "secondments"})
    api = _api(pages, "/api/v1/reports/secondments", "inspector", unit=townships[0])
    assert page.status_code == 200 and api["unit"] == townships[0]
    body = page.text.split('<table id="report">', 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") - 1 == len(api["rows"])
    outside = pages.get("/ui/reports", params={"name": "secondments", "unit": townships[1]})
    assert outside.status_code == 404


def test_the_demo_campaign_shows_its_progress_and_downloads(pages: TestClient) -> None:
    sign_in(pages, "auditor")
    listed = _api(pages, "/api/v1/campaigns", "auditor")["campaigns"]
    assert listed, "the demo county has a cleanup campaign under way"
    code = listed[0]["code"]
    assert f'href="/ui/campaigns/{code}"' in pages.get("/ui/campaigns").text
    api = _api(pages, f"/api/v1/campaigns/{code}", "auditor")
    page = pages.get(f"/ui/campaigns/{code}").text
    progress = api["progress"]
    assert (f"{progress['targets']} 人：已回原单位 <strong>{progress['returned']}</strong>，"
            f"仍在借调 <strong>{progress['remaining']}</strong>") in page  # fmt: skip
    for target in api["targets"]:
        assert f'href="/ui/cadres/{target["cadre"]}"' in page
    got = pages.get(f"/ui/campaigns/{code}/download", params={"format": "csv"})
    want = _api(pages, f"/api/v1/campaigns/{code}", "auditor", format="csv")
    assert got.content == want.content
    assert "结束专项清理" not in page  # an auditor reads, does not close
    assert pages.get(f"/ui/campaigns/{code}", params={"as_of": "x"}).status_code == 422
    assert pages.get("/ui/campaigns/NOPE").status_code == 404


def test_an_inspector_opens_and_closes_a_campaign(fresh_pages: TestClient) -> None:
    client = fresh_pages
    clerk = {"Authorization": f"Bearer {token('clerk')}"}
    answer = client.post(
        "/api/v1/units",
        headers=clerk,
        json={"code": "T1", "name": "青石镇", "level": "township", "kind": "government"},
    )
    assert answer.status_code == 201
    client.get("/api/v1/units/T1", params={"min_position": answer.json()["position"]},
               headers=clerk)  # fmt: skip
    sign_in(client, "auditor")
    form = client.get("/ui/campaigns").text
    assert "开展专项清理" not in form
    refused = client.post("/ui/campaigns", data={"csrf": csrf_of(form), "code": "X"})
    assert refused.status_code == 403
    sign_in(client, "inspector", "纪委-李")
    form = client.get("/ui/campaigns").text
    fields = {"csrf": csrf_of(form), "kind": "secondment_cleanup", "code": "QC-2026",
              "title": "借调干部专项清理", "unit": "T1", "starts_on": "2026-06-01",
              "due_on": "2026-09-30"}  # fmt: skip
    bad = client.post("/ui/campaigns", data={**fields, "due_on": "明天"})
    assert bad.status_code == 422 and "借调干部专项清理" in bad.text  # what was typed stays
    assert _api(client, "/api/v1/campaigns", "auditor")["campaigns"] == []
    opened = client.post("/ui/campaigns", data=fields, follow_redirects=False)
    assert opened.status_code == 303, opened.text
    page = client.get(opened.headers["location"]).text
    assert "专项清理已开展" in page and "0 人" in page
    again = client.post("/ui/campaigns", data=fields)
    assert again.status_code == 409
    closing = {"csrf": csrf_of(page), "date": "2026-09-30", "summary": "无借调干部。"}
    future = client.post("/ui/campaigns/QC-2026/close", data=closing)
    assert future.status_code == 409 and "无借调干部。" in future.text  # kept to correct
    closing["date"] = "2026-06-15"  # the demo's today
    closed = client.post("/ui/campaigns/QC-2026/close", data=closing, follow_redirects=False)
    assert closed.status_code == 303, re.findall(r"error-box[^>]*>([^<]*)", closed.text)
    assert "已结束" in client.get("/ui/campaigns").text
