"""A cadre whose latest event takes effect after today is read from a fold of its events, kept
by the version of its last event: every read answers what a fresh fold answers, and an event
recorded since is seen on the next read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections import time_travel
from projections.queries import ReadModels, cadre_doc
from tests.support.http import bearer, created, position, serve

TODAY = date(2026, 11, 26)
CADRES = "/api/v1/cadres"


@pytest.fixture
def api(tmp_data_dir: Path) -> Iterator[TestClient]:
    with serve(tmp_data_dir, today=TODAY) as client:
        yield client


def _post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return created(client.post(path, json=body, headers=bearer("clerk")))


def _read(client: TestClient) -> dict[str, Any]:
    """GET the cadre once the read models caught up, then plainly (both must agree)."""
    reader = bearer("inspector")
    waited = client.get(f"{CADRES}/A1", params={"min_position": position(client)}, headers=reader)
    plain = client.get(f"{CADRES}/A1", headers=reader)
    assert waited.status_code == plain.status_code == 200, plain.text
    assert waited.content == plain.content
    body: dict[str, Any] = plain.json()
    return body


def _fresh_fold(client: TestClient) -> dict[str, Any]:
    store = client.app.state.platform.store  # type: ignore[attr-defined]
    return cadre_doc(*time_travel.cadre_state(store, "A1", as_of=TODAY, known_at=None))


def _setup(client: TestClient) -> None:
    units = "/api/v1/units"
    _post(client, units, {"code": "C1", "name": "县委组织部", "level": "county",
                          "kind": "department"})  # fmt: skip
    _post(client, units, {"code": "T1", "name": "青石镇人民政府", "level": "township",
                          "kind": "government", "parent": "C1"})  # fmt: skip
    _post(client, f"{units}/T1/posts", {"code": "P1", "title": "副镇长",
                                        "category": "leadership", "team_member": True})  # fmt: skip
    _post(client, CADRES, {"code": "A1", "name": "张伟", "gender": "male",
                           "birth_date": "1988-03-02"})  # fmt: skip
    _post(client, f"{CADRES}/A1/recruitment",
          {"effective_date": "2015-07-01", "unit": "T1", "channel": "exam"})  # fmt: skip


def test_every_read_answers_a_fresh_fold_and_sees_the_next_event(api: TestClient) -> None:
    _setup(api)
    later = (TODAY + timedelta(days=30)).isoformat()
    appointed = _post(api, f"{CADRES}/A1/appointments", {
        "unit": "T1", "post": "P1", "effective_date": later, "kind": "promotion",
        "decided_on": TODAY.isoformat(), "document_no": "青组任〔2026〕9号"})  # fmt: skip

    first = _read(api)
    assert first["posts"] == []  # not yet in effect
    assert first["version"] == appointed["version"]
    assert _read(api) == first
    assert {k: v for k, v in first.items() if k != "open_findings"} == _fresh_fold(api)

    trained = _post(api, f"{CADRES}/A1/training",
                    {"start_date": "2026-03-01", "days": 5, "topic": "党纪学习"})  # fmt: skip
    second = _read(api)
    assert second["version"] == trained["version"] == first["version"] + 1
    assert {k: v for k, v in second.items() if k != "open_findings"} == _fresh_fold(api)

    # Retract the recruitment: the fold changes (no home unit), on the very next read.
    _post(api, f"{CADRES}/A1/retractions", {"position": _recruited_position(api), "reason": "错录"})
    third = _read(api)
    assert third["version"] == second["version"] + 1
    assert third["home_unit"] != second["home_unit"]
    assert {k: v for k, v in third.items() if k != "open_findings"} == _fresh_fold(api)


def _recruited_position(client: TestClient) -> int:
    events = client.get(f"{CADRES}/A1/timeline", headers=bearer("inspector")).json()["events"]
    found: int = next(e["position"] for e in events if e["type"] == "Recruited")
    return found


def test_the_folds_kept_are_bounded(api: TestClient) -> None:
    _setup(api)
    _read(api)  # the read models caught up
    platform = api.app.state.platform  # type: ignore[attr-defined]
    reads = ReadModels(platform.views, platform.store, folds_kept=5)
    days = [date(2020, 1, 1) + timedelta(days=i) for i in range(12)]
    folds = [reads.cadre("A1", today=TODAY, as_of=day) for day in days]
    assert len(reads._folds) == 5
    # The oldest went; asking again folds anew, to the same answer.
    assert reads.cadre("A1", today=TODAY, as_of=days[0]) == folds[0]
    assert len(reads._folds) == 5
