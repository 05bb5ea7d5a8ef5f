"""Need to know on the web pages: an officer whose token is limited to one township sees, on
every page, exactly what the API shows the same token — the township's cadres, the complaints
and findings about its subtree, its search hits — and another township's records are not there
(404, as if they did not exist; left out of every list)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.pages import csrf_of, sign_in, token


def _api(client: TestClient, path: str, bearer: str, **params: Any) -> Any:
    answer = client.get(path, params=params, headers={"Authorization": f"Bearer {bearer}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _status(client: TestClient, path: str, bearer: str) -> int:
    return client.get(path, headers={"Authorization": f"Bearer {bearer}"}).status_code


class Township:
    """The planted secondee's township, a scoped officer's sessions, and records outside."""

    def __init__(self, pages: TestClient, example_cadre: str) -> None:
        self.app = pages
        everyone = token("inspector")
        self.unit = _api(pages, f"/api/v1/cadres/{example_cadre}", everyone)["home_unit"]
        self.own = example_cadre
        self.api = token("inspector", "scoped-inspector", self.unit)
        self.page = self.session("inspector", "scoped-inspector")
        # Records outside the township: what the unscoped register holds and the scoped API
        # does not show (the test fails if the county had none).
        register = _api(pages, "/api/v1/findings", everyone, limit=200)["findings"]
        hidden = [
            f for f in register
            if _status(pages, f"/api/v1/findings/{f['finding_id']}", self.api) == 404
        ]  # fmt: skip
        self.finding = next(f["finding_id"] for f in hidden if f["subject"]["kind"] == "cadre")
        self.cadre = next(f["subject"]["code"] for f in hidden if f["subject"]["kind"] == "cadre")
        self.cadre_name = _api(pages, f"/api/v1/cadres/{self.cadre}", everyone)["name"]
        queue = _api(pages, "/api/v1/complaints", everyone, limit=200)["complaints"]
        self.complaint = next(
            c["complaint_id"] for c in queue
            if _status(pages, f"/api/v1/complaints/{c['complaint_id']}", self.api) == 404
        )  # fmt: skip

    def session(self, role: str, subject: str) -> TestClient:
        client = TestClient(self.app.app, base_url="https://testserver")
        return sign_in(client, role, subject, self.unit)


@pytest.fixture(scope="module")
def township(pages: TestClient, example_cadre: str) -> Iterator[Township]:
    yield Township(pages, example_cadre)


def _linked(html: str, kind: str) -> set[str]:
    """The record ids a page links to (``/ui/cadres/X``, ``/ui/findings/X``...)."""
    return set(re.findall(rf'href="/ui/{kind}/([^"?#/]+)', html)) - {"new"}


def test_a_scoped_token_signs_in_and_says_which_unit(township: Township) -> None:
    front = township.page.get("/ui/")
    assert front.status_code == 200
    assert township.unit in front.text  # the officer is told the limit their pages keep


def test_another_townships_cadre_is_not_there(township: Township) -> None:
    page = township.page
    assert page.get(f"/ui/cadres/{township.own}").status_code == 200
    outside = page.get(f"/ui/cadres/{township.cadre}")
    assert outside.status_code == 404
    assert township.cadre_name not in outside.text
    assert _status(township.app, f"/api/v1/cadres/{township.cadre}", township.api) == 404
    # Looking it up by its code or its name finds nothing either.
    by_code = page.get("/ui/cadres", params={"q": township.cadre}, follow_redirects=False)
    assert by_code.status_code == 200 and township.cadre_name not in by_code.text
    by_name = page.get("/ui/cadres", params={"q": township.cadre_name})
    assert township.cadre not in _linked(by_name.text, "cadres")
    # ... while an officer without a unit finds it (so the checks above can fail).
    everyone = sign_in(TestClient(township.app.app, base_url="https://testserver"), "inspector")
    assert everyone.get(f"/ui/cadres/{township.cadre}").status_code == 200


def test_records_outside_answer_404_on_every_page_and_form(township: Township) -> None:
    page = township.page
    assert page.get(f"/ui/findings/{township.finding}").status_code == 404
    assert page.get(f"/ui/complaints/{township.complaint}").status_code == 404
    csrf = csrf_of(page.get("/ui/findings").text)
    acknowledged = page.post(f"/ui/findings/{township.finding}/acknowledge",
                             data={"csrf": csrf, "note": "越权"})  # fmt: skip
    assert acknowledged.status_code == 404
    noted = page.post(f"/ui/complaints/{township.complaint}/notes",
                      data={"csrf": csrf, "text": "越权"})  # fmt: skip
    assert noted.status_code == 404
    clerk = township.session("clerk", "scoped-clerk")
    assert clerk.get(f"/ui/cadres/{township.cadre}/record").status_code == 404
    assert clerk.get(f"/ui/cadres/{township.own}/record").status_code == 200
    ended = clerk.post(f"/ui/cadres/{township.cadre}/secondment-end",
                       data={"csrf": csrf_of(clerk.get("/ui/").text), "end_date": "2026-06-01",
                             "reason": "recalled"})  # fmt: skip
    assert ended.status_code == 404
    # Nothing was written: the unscoped register still has the finding open as before.
    everyone = token("inspector")
    finding = _api(township.app, f"/api/v1/findings/{township.finding}", everyone)
    assert finding["status"] != "acknowledged" or "越权" not in str(finding["history"])


def test_the_findings_register_lists_what_the_api_lists(township: Township) -> None:
    api = _api(township.app, "/api/v1/findings", township.api, limit=50)["findings"]
    listed = _linked(township.page.get("/ui/findings").text, "findings")
    assert listed == {f["finding_id"] for f in api}
    assert api and township.finding not in listed


def test_the_complaint_queue_lists_what_the_api_lists(township: Township) -> None:
    api = _api(township.app, "/api/v1/complaints", township.api, limit=50)["complaints"]
    listed = _linked(township.page.get("/ui/complaints").text, "complaints")
    assert listed == {c["complaint_id"] for c in api}
    assert api and township.complaint not in listed


def test_search_shows_only_hits_within_and_no_facets(township: Township) -> None:
    everyone = sign_in(TestClient(township.app.app, base_url="https://testserver"), "inspector")
    narrow = township.page.get("/ui/search", params={"q": "借调"})
    assert narrow.status_code == 200
    linked = _linked(narrow.text, "cadres")
    assert linked, "the township's own secondment is found"
    assert all(_status(township.app, f"/api/v1/cadres/{c}", township.api) == 200 for c in linked)
    by_name = {"q": township.cadre_name}
    wide = everyone.get("/ui/search", params=by_name).text
    assert township.cadre in _linked(wide, "cadres")
    assert township.cadre not in _linked(township.page.get("/ui/search", params=by_name).text,
                                         "cadres")  # fmt: skip
    assert 'id="h-facets"' in wide and 'id="h-facets"' not in narrow.text  # no facet counts


def test_the_secondment_query_and_its_export_hold_the_townships_rows_only(
    township: Township,
) -> None:
    api = _api(township.app, "/api/v1/search/secondments", township.api, home_level="township")
    expected = {h["source"]["cadre_code"] for h in api["hits"]}
    page = township.page.get("/ui/secondments", params={"home_level": "township"})
    assert _linked(page.text, "cadres") == expected
    assert township.own in expected
    exported = township.page.get("/ui/secondments.csv", params={"home_level": "township"})
    rows = exported.text.splitlines()[1:]
    assert {row.split(",")[0] for row in rows} == expected


def test_the_overview_counts_only_what_the_register_shows(township: Township) -> None:
    everyone = sign_in(TestClient(township.app.app, base_url="https://testserver"), "inspector")
    wide = everyone.get("/ui/").text
    narrow = township.page.get("/ui/").text
    name = _api(township.app, f"/api/v1/cadres/{township.cadre}", token("inspector"))
    other_unit = name["home_unit"]
    assert f"?unit={other_unit}" in wide
    assert f"?unit={other_unit}" not in narrow
    assert _linked(narrow, "complaints") <= {
        c["complaint_id"]
        for c in _api(township.app, "/api/v1/complaints", township.api, limit=200)["complaints"]
    }


def test_reading_a_file_on_a_page_goes_to_the_access_log(township: Township) -> None:
    page = township.page.get(f"/ui/cadres/{township.own}", params={"purpose": "约谈前查阅"})
    assert page.status_code == 200
    log = _api(township.app, "/api/v1/audit/access", token("auditor"),
               resource=f"cadre:{township.own}")["entries"]  # fmt: skip
    assert any(e["subject"] == "scoped-inspector" and e["purpose"] == "约谈前查阅"
               and e["unit"] == township.unit for e in log)  # fmt: skip
