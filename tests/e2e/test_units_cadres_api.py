"""Units and cadres over HTTP: every command and read, its roles, and the API.md conventions."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import issue_token
from tests.support.http import TEST_SECRET, assert_problem, bearer, position, serve

TODAY = date(2026, 11, 26)
CLERK = "王科员"
UNITS = "/api/v1/units"
CADRES = "/api/v1/cadres"
ROLES = ("clerk", "intake", "inspector", "auditor", "admin")
APPROVAL = {
    "level": "county",
    "authority": "中共青石县委组织部",
    "document_no": "青组函〔2022〕7号",
}


@pytest.fixture
def api(tmp_data_dir: Path) -> Iterator[TestClient]:
    """The app in process, its clock pinned to TODAY."""
    with serve(tmp_data_dir, today=TODAY) as client:
        yield client


def clerk(subject: str = CLERK) -> dict[str, str]:
    return bearer("clerk", subject)


def created(response: Any) -> dict[str, Any]:
    """A 201 command answer: position and version, as integers."""
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body["position"], int) and body["position"] > 0
    assert isinstance(body["version"], int) and body["version"] > 0
    return body


def post(client: TestClient, path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    return created(client.post(path, json=body, headers={**clerk(), **headers}))


def county(client: TestClient) -> None:
    """A county organisation department, a township with two posts, a village; cadre A1 hired."""
    post(
        client, UNITS, {"code": "C1", "name": "县委组织部", "level": "county", "kind": "department"}
    )
    post(
        client,
        UNITS,
        {
            "code": "T1",
            "name": "青石镇人民政府",
            "level": "township",
            "kind": "government",
            "parent": "C1",
        },
    )
    post(
        client,
        UNITS,
        {
            "code": "V1",
            "name": "柳村村民委员会",
            "level": "village",
            "kind": "village_committee",
            "parent": "T1",
        },
    )
    post(
        client,
        f"{UNITS}/T1/posts",
        {"code": "P1", "title": "副镇长", "category": "leadership", "team_member": True},
    )
    post(
        client,
        CADRES,
        {
            "code": "A1",
            "name": "张伟",
            "gender": "male",
            "birth_date": "1988-03-02",
            "growth_place": "云南青石",
        },
    )
    post(
        client,
        f"{CADRES}/A1/recruitment",
        {"effective_date": "2015-07-01", "unit": "T1", "channel": "exam"},
    )


def read(client: TestClient, path: str, role: str = "inspector", **query: Any) -> Any:
    """A GET that must succeed, after the read models caught up with the store."""
    params = {"min_position": position(client), **query}
    response = client.get(path, params=params, headers=bearer(role))
    assert response.status_code == 200, response.text
    return response.json()


# -- every command: 201 with position, version and new ids; the subject recorded -------------


def test_every_unit_command_answers_201_and_records_the_token_subject(api: TestClient) -> None:
    county(api)
    steps = [
        (f"{UNITS}/T1/rename", {"name": "青石镇", "effective_date": "2025-01-01"}),
        (
            f"{UNITS}/T1/posts",
            {
                "code": "P2",
                "title": "党政办主任",
                "category": "non_leadership",
                "grade": "四级主任科员",
                "principal": False,
            },
        ),
        (f"{UNITS}/T1/posts/P2/abolish", {"effective_date": "2025-03-01"}),
        (
            UNITS,
            {
                "code": "T9",
                "name": "石桥乡",
                "level": "township",
                "kind": "government",
                "parent": "C1",
            },
        ),
        (f"{UNITS}/T9/abolish", {"effective_date": "2025-06-01", "merged_into": "T1"}),
    ]
    positions = []
    for path, body in steps:
        written = post(api, path, body)
        assert set(written) == {"position", "version"}
        positions.append(written["position"])
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    store = api.app.state.platform.store  # type: ignore[attr-defined]
    for at in range(1, store.position() + 1):
        assert store.decode(store.notification_at(at)).recorded_by == CLERK
    unit = read(api, f"{UNITS}/T1")
    assert unit["name"] == "青石镇"
    assert [p["code"] for p in unit["posts"]] == ["P1", "P2"]
    assert read(api, f"{UNITS}/T9")["abolished_on"] == "2025-06-01"


def _career(client: TestClient) -> dict[str, int]:
    """Every personnel action once, in an order the invariants allow; the positions written."""
    a1 = f"{CADRES}/A1"
    at: dict[str, int] = {}

    def act(name: str, path: str, body: dict[str, Any], *ids: str) -> dict[str, Any]:
        written = post(client, path, body)
        assert set(written) == {"position", "version", *ids}, written
        at[name] = written["position"]
        return written

    act("probation", f"{a1}/probation", {"effective_date": "2016-07-01"})
    act(
        "appointment",
        f"{a1}/appointments",
        {
            "unit": "T1",
            "post": "P1",
            "effective_date": "2020-01-01",
            "kind": "promotion",
            "decided_on": "2019-12-20",
            "document_no": "青组任〔2019〕12号",
            "procedure": {
                "preview_notice": "2019-11-01",
                "democratic_evaluation": "2019-11-10",
                "individual_talks": "2019-11-12",
                "records_review": "2019-11-20",
            },
            "public_notice": {"start": "2019-12-01", "end": "2019-12-07"},
            "integrity_talk": "2019-12-25",
        },
    )
    act(
        "removal",
        f"{a1}/removals",
        {"post": "P1", "unit": "T1", "effective_date": "2021-06-30", "reason": "任期届满"},
    )
    sid = act(
        "secondment",
        f"{a1}/secondments",
        {
            "host_unit": "C1",
            "start_date": "2022-01-01",
            "planned_end_date": "2022-06-30",
            "purpose": "借调参加巡察",
            "approval": APPROVAL,
        },
        "secondment_id",
    )["secondment_id"]
    act(
        "extension",
        f"{a1}/secondments/{sid}/extension",
        {"new_planned_end_date": "2022-12-31", "decided_on": "2022-06-15", "approval": APPROVAL},
    )
    act(
        "secondment_end",
        f"{a1}/secondments/{sid}/end",
        {"end_date": "2022-12-31", "reason": "completed"},
    )
    did = act(
        "dispatch",
        f"{a1}/dispatches",
        {
            "village_unit": "V1",
            "role": "first_secretary",
            "start_date": "2023-01-01",
            "planned_end_date": "2025-01-01",
        },
        "dispatch_id",
    )["dispatch_id"]
    act("recall", f"{a1}/dispatches/{did}/recall", {"date": "2023-06-01", "reason": "工作需要"})
    did = act(
        "dispatch2",
        f"{a1}/dispatches",
        {
            "village_unit": "V1",
            "role": "work_team",
            "start_date": "2023-07-01",
            "planned_end_date": "2024-07-01",
        },
        "dispatch_id",
    )["dispatch_id"]
    act("dispatch_end", f"{a1}/dispatches/{did}/end", {"date": "2024-07-01"})
    act(
        "admonishment",
        f"{a1}/admonishments",
        {"date": "2024-08-01", "authority": "县纪委监委", "reason": "履职不力"},
    )
    act(
        "sanction",
        f"{a1}/sanctions",
        {
            "date": "2024-09-01",
            "kind": "warning",
            "authority": "县纪委监委",
            "reason": "违反工作纪律",
        },
    )
    iid = act(
        "investigation",
        f"{a1}/investigations",
        {"opened_on": "2024-10-01", "authority": "县纪委监委"},
        "investigation_id",
    )["investigation_id"]
    act(
        "investigation_close",
        f"{a1}/investigations/{iid}/close",
        {"closed_on": "2024-12-01", "outcome": "了结"},
    )
    act("review", f"{a1}/reviews", {"year": 2024, "rating": "competent"})
    act(
        "training",
        f"{a1}/training",
        {"start_date": "2025-03-01", "days": 5, "topic": "基层治理专题培训"},
    )
    act(
        "transfer",
        f"{a1}/transfers",
        {"to_unit": "C1", "effective_date": "2025-06-01", "approval": APPROVAL},
    )
    act("retraction", f"{a1}/retractions", {"position": at["training"], "reason": "录入错误"})
    act("departure", f"{a1}/departure", {"effective_date": "2026-10-01", "reason": "辞职"})
    return at


def test_every_cadre_command_answers_201_and_the_timeline_shows_the_subject(
    api: TestClient,
) -> None:
    county(api)
    at = _career(api)
    assert list(at.values()) == sorted(at.values())

    timeline = read(api, f"{CADRES}/A1/timeline", include_retracted="true")
    assert timeline["code"] == "A1"
    events = timeline["events"]
    assert {e["recorded_by"] for e in events} == {CLERK}
    assert {e["position"] for e in events} >= set(at.values())
    types = {e["type"] for e in events}
    assert {
        "CadreRegistered",
        "Recruited",
        "Appointed",
        "Removed",
        "Seconded",
        "Departed",
        "EntryRetracted",
        "InvestigationOpened",
        "InvestigationClosed",
    } <= types
    keys = [(e["effective_date"] or e["recorded_at"][:10], e["position"]) for e in events[1:]]
    assert keys == sorted(keys), "effective-date order, position breaking ties"
    training = next(e for e in events if e["position"] == at["training"])
    assert training["retracted"] is True and training["data"]["topic"] == "基层治理专题培训"

    visible = read(api, f"{CADRES}/A1/timeline")["events"]
    assert at["training"] not in {e["position"] for e in visible}
    assert "EntryRetracted" not in {e["type"] for e in visible}
    assert not any(e["retracted"] for e in visible)

    cadre = read(api, f"{CADRES}/A1")
    assert (cadre["status"], cadre["home_unit"], cadre["posts"]) == ("departed", "C1", [])
    assert cadre["version"] == len(events)
    assert cadre["recruitment"]["channel"] == "exam"


def test_reads_travel_in_valid_time_and_in_recorded_time(api: TestClient) -> None:
    county(api)
    a1 = f"{CADRES}/A1"
    post(
        api,
        f"{a1}/appointments",
        {
            "unit": "T1",
            "post": "P1",
            "effective_date": "2020-01-01",
            "kind": "promotion",
            "decided_on": "2019-12-20",
            "document_no": "青组任〔2019〕12号",
        },
    )
    before_secondment = datetime.now(UTC)
    time.sleep(0.01)
    sid = post(api, f"{a1}/secondments", {"host_unit": "C1", "start_date": "2022-01-01"})[
        "secondment_id"
    ]
    post(api, f"{a1}/secondments/{sid}/end", {"end_date": "2022-12-31", "reason": "completed"})

    seconded = read(api, a1, as_of="2022-03-01")
    assert seconded["secondment"] == {
        "secondment_id": sid,
        "host_unit": "C1",
        "start_date": "2022-01-01",
        "planned_end_date": None,
    }
    assert seconded["posts"] == [{"unit": "T1", "post": "P1", "since": "2020-01-01"}]
    assert read(api, a1, as_of="2019-06-01")["posts"] == []
    assert read(api, a1)["secondment"] is None
    # The clock is pinned to TODAY with the real time of day: recorded-time cut-offs use it.
    known = datetime.combine(TODAY, before_secondment.timetz()).isoformat()
    assert read(api, a1, as_of="2022-03-01", known_at=known)["secondment"] is None
    timeline = read(api, f"{a1}/timeline", known_at=known)["events"]
    assert "Seconded" not in {e["type"] for e in timeline}
    assert [e["type"] for e in read(api, f"{a1}/timeline", as_of="2019-01-01")["events"]] == [
        "CadreRegistered",
        "Recruited",
    ]

    township = read(api, f"{UNITS}/T1", as_of="2022-03-01")
    assert township["posts"][0]["holder"] == "A1"
    assert township["seconded_out"] == ["A1"]
    assert read(api, f"{UNITS}/C1", as_of="2022-03-01")["seconded_in"] == ["A1"]
    assert read(api, f"{UNITS}/T1")["seconded_out"] == []
    assert read(api, f"{UNITS}/T1", as_of="2019-06-01")["posts"][0]["holder"] is None
    assert read(api, f"{UNITS}/T1", as_of="2022-03-01", known_at=known)["seconded_out"] == []


# -- roles -----------------------------------------------------------------------------------

COMMANDS = [
    (UNITS, {"code": "X1", "name": "新单位", "level": "county", "kind": "department"}),
    (f"{UNITS}/T1/posts", {"code": "P9", "title": "副镇长", "category": "leadership"}),
    (f"{UNITS}/T1/rename", {"name": "新名", "effective_date": "2025-01-01"}),
    (f"{UNITS}/T1/posts/P1/abolish", {"effective_date": "2025-01-01"}),
    (f"{UNITS}/T1/abolish", {"effective_date": "2025-01-01"}),
    (CADRES, {"code": "Z1", "name": "赵六", "gender": "male", "birth_date": "1990-01-01"}),
    (f"{CADRES}/A1/recruitment", {"effective_date": "2016-01-01", "unit": "T1", "channel": "exam"}),
    (f"{CADRES}/A1/probation", {"effective_date": "2016-07-01"}),
    (
        f"{CADRES}/A1/appointments",
        {
            "unit": "T1",
            "post": "P1",
            "effective_date": "2020-01-01",
            "kind": "promotion",
            "decided_on": "2019-12-20",
            "document_no": "1",
        },
    ),
    (
        f"{CADRES}/A1/removals",
        {"post": "P1", "unit": "T1", "effective_date": "2021-01-01", "reason": "x"},
    ),
    (f"{CADRES}/A1/transfers", {"to_unit": "C1", "effective_date": "2021-01-01"}),
    (f"{CADRES}/A1/secondments", {"host_unit": "C1", "start_date": "2022-01-01"}),
    (f"{CADRES}/A1/secondments/s1/extension", {"new_planned_end_date": "2023-01-01"}),
    (f"{CADRES}/A1/secondments/s1/end", {"end_date": "2022-06-01", "reason": "completed"}),
    (
        f"{CADRES}/A1/dispatches",
        {
            "village_unit": "V1",
            "role": "work_team",
            "start_date": "2023-01-01",
            "planned_end_date": "2024-01-01",
        },
    ),
    (f"{CADRES}/A1/dispatches/d1/recall", {"date": "2023-06-01", "reason": "x"}),
    (f"{CADRES}/A1/dispatches/d1/end", {"date": "2023-06-01"}),
    (f"{CADRES}/A1/admonishments", {"date": "2024-01-01", "authority": "纪委", "reason": "x"}),
    (
        f"{CADRES}/A1/sanctions",
        {"date": "2024-01-01", "kind": "warning", "authority": "纪委", "reason": "x"},
    ),
    (f"{CADRES}/A1/investigations", {"opened_on": "2024-01-01", "authority": "纪委"}),
    (f"{CADRES}/A1/investigations/i1/close", {"closed_on": "2024-02-01", "outcome": "x"}),
    (f"{CADRES}/A1/reviews", {"year": 2024, "rating": "competent"}),
    (f"{CADRES}/A1/training", {"start_date": "2024-01-01", "days": 3, "topic": "培训"}),
    (f"{CADRES}/A1/departure", {"effective_date": "2026-01-01", "reason": "退休"}),
    (f"{CADRES}/A1/retractions", {"position": 1, "reason": "录入错误"}),
]
DISCIPLINE = ("/admonishments", "/sanctions", "/investigations", "/retractions")
COMMAND_IDS = [path.removeprefix("/api/v1/") for path, _ in COMMANDS]
READS = [f"{UNITS}/T1", f"{CADRES}/A1", f"{CADRES}/A1/timeline"]


@pytest.fixture
def world(api: TestClient) -> TestClient:
    """The county with cadre A1, caught up."""
    county(api)
    read(api, f"{CADRES}/A1")
    return api


def forged() -> dict[str, str]:
    token = issue_token("another-secret-entirely", subject=CLERK, role="admin", ttl_seconds=3600)
    return {"Authorization": f"Bearer {token}"}


def expired() -> dict[str, str]:
    an_hour_ago = time.time() - 3600
    token = issue_token(TEST_SECRET, subject=CLERK, role="clerk", ttl_seconds=60, now=an_hour_ago)
    return {"Authorization": f"Bearer {token}"}


BAD_CREDENTIALS = {
    "none": {},
    "forged": forged(),
    "expired": expired(),
    "garbage": {"Authorization": "Bearer not-a-token"},
    "tampered": {"Authorization": bearer("clerk")["Authorization"][:-3] + "AAA"},
    "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
}


@pytest.mark.parametrize(("path", "body"), COMMANDS, ids=COMMAND_IDS)
def test_commands_refuse_missing_and_bad_tokens_and_other_roles(
    world: TestClient, path: str, body: dict[str, Any]
) -> None:
    before = position(world)
    for kind, headers in BAD_CREDENTIALS.items():
        response = world.post(path, json=body, headers=headers)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer", kind
    # Discipline measures (and retractions, their own role's) the commission records too.
    discipline = any(part in path for part in DISCIPLINE)
    for role in ("intake", "auditor") if discipline else ("intake", "inspector", "auditor"):
        assert_problem(world.post(path, json=body, headers=bearer(role)), 403)
    assert position(world) == before


@pytest.mark.parametrize("path", READS)
def test_every_role_reads_units_and_cadres_and_no_one_reads_without_a_token(
    world: TestClient, path: str
) -> None:
    for role in ROLES:
        assert read(world, path, role=role)
    for headers in BAD_CREDENTIALS.values():
        assert_problem(world.get(path, headers=headers), 401)


def test_admin_may_record_what_a_clerk_records(world: TestClient) -> None:
    written = created(
        world.post(
            f"{CADRES}/A1/training",
            headers=bearer("admin", "管理员"),
            json={"start_date": "2024-01-01", "days": 3, "topic": "培训"},
        )
    )
    events = read(world, f"{CADRES}/A1/timeline")["events"]
    assert (
        next(e for e in events if e["position"] == written["position"])["recorded_by"] == "管理员"
    )


# -- conflicts, unknowns ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "current"),
    [
        (f"{CADRES}/A1/probation", {"effective_date": "2016-07-01"}, 2),
        (f"{CADRES}/A1/training", {"start_date": "2024-01-01", "days": 3, "topic": "培训"}, 2),
        (f"{UNITS}/T1/posts", {"code": "P9", "title": "副镇长", "category": "leadership"}, 2),
        (f"{UNITS}/T1/rename", {"name": "青石镇", "effective_date": "2025-01-01"}, 2),
        (f"{UNITS}/T1/posts/P1/abolish", {"effective_date": "2025-01-01"}, 2),
        (f"{UNITS}/T1/abolish", {"effective_date": "2025-01-01"}, 2),
    ],
    ids=["probation", "training", "post", "rename", "abolish-post", "abolish-unit"],
)
def test_a_stale_expected_version_is_409_and_writes_nothing(
    world: TestClient, path: str, body: dict[str, Any], current: int
) -> None:
    before = position(world)
    for stale in (0, current - 1, current + 1, 2**62):
        response = world.post(path, json={**body, "expected_version": stale}, headers=clerk())
        assert_problem(response, 409)
    assert position(world) == before
    written = post(world, path, {**body, "expected_version": current})
    assert written["version"] == current + 1


def test_conflicts_and_unknown_references(world: TestClient) -> None:
    before = position(world)
    duplicate = {"code": "T1", "name": "重复", "level": "township", "kind": "government"}
    assert_problem(world.post(UNITS, json=duplicate, headers=clerk()), 409)
    orphan = {
        "code": "T8",
        "name": "孤儿",
        "level": "township",
        "kind": "government",
        "parent": "NOPE",
    }
    assert_problem(world.post(UNITS, json=orphan, headers=clerk()), 422)
    again = {"code": "A1", "name": "张伟", "gender": "male", "birth_date": "1988-03-02"}
    assert_problem(world.post(CADRES, json=again, headers=clerk()), 409)
    hired = {"effective_date": "2016-01-01", "unit": "T1", "channel": "exam"}
    assert_problem(world.post(f"{CADRES}/NOBODY/recruitment", json=hired, headers=clerk()), 404)
    hired["unit"] = "NOPE"
    assert_problem(world.post(f"{CADRES}/A1/recruitment", json=hired, headers=clerk()), 422)
    assert_problem(
        world.post(
            f"{CADRES}/A1/secondments/no-such/end",
            headers=clerk(),
            json={"end_date": "2022-06-01", "reason": "completed"},
        ),
        409,
    )
    assert_problem(world.post(f"{UNITS}/NOPE/posts", json=COMMANDS[1][1], headers=clerk()), 404)
    assert position(world) == before
    for path in (f"{UNITS}/NOPE", f"{CADRES}/NOBODY", f"{CADRES}/NOBODY/timeline"):
        assert_problem(world.get(path, headers=bearer("auditor")), 404)


# -- Idempotency-Key -------------------------------------------------------------------------


def test_a_replayed_idempotency_key_answers_the_first_response_and_writes_nothing(
    world: TestClient,
) -> None:
    body = {"host_unit": "C1", "start_date": "2022-01-01", "purpose": "借调"}
    path = f"{CADRES}/A1/secondments"
    first = world.post(path, json=body, headers={**clerk(), "Idempotency-Key": "k-1"})
    written = created(first)
    after_first = position(world)
    assert after_first == written["position"]

    again = world.post(path, json=body, headers={**clerk(), "Idempotency-Key": "k-1"})
    assert again.status_code == 201
    assert again.json() == written
    assert again.headers["idempotent-replayed"] == "true"
    assert position(world) == after_first

    other = world.post(
        path, json={**body, "purpose": "另一个"}, headers={**clerk(), "Idempotency-Key": "k-1"}
    )
    assert_problem(other, 422)
    assert position(world) == after_first

    # A new key is a new command (here refused: the secondment is active), not a replay.
    assert_problem(world.post(path, json=body, headers={**clerk(), "Idempotency-Key": "k-2"}), 409)
    assert position(world) == after_first


def test_a_failed_keyed_command_is_not_remembered(world: TestClient) -> None:
    path = f"{CADRES}/A1/training"
    body = {"start_date": "2024-01-01", "days": 3, "topic": "培训", "expected_version": 99}
    keyed = {**clerk(), "Idempotency-Key": "retry-me"}
    assert_problem(world.post(path, json=body, headers=keyed), 409)
    body["expected_version"] = 2
    assert created(world.post(path, json=body, headers=keyed))["version"] == 3


def test_an_idempotency_key_over_200_characters_is_422(world: TestClient) -> None:
    before = position(world)
    headers = {**clerk(), "Idempotency-Key": "k" * 201}
    assert_problem(world.post(UNITS, json=COMMANDS[0][1], headers=headers), 422)
    assert position(world) == before


# -- read-your-writes and time-travel parameters ---------------------------------------------


def test_min_position_beyond_the_store_is_400_naming_the_head(world: TestClient) -> None:
    head = position(world)
    beyond = head + 1_000
    response = world.get(f"{CADRES}/A1", params={"min_position": beyond}, headers=bearer("clerk"))
    body = assert_problem(response, 400)
    assert str(beyond) in body["detail"] and str(head) in body["detail"]


@pytest.mark.parametrize("path", [f"{UNITS}/T1", f"{CADRES}/A1/timeline", "/api/v1/search"])
def test_min_position_beyond_the_store_is_400_on_every_read(world: TestClient, path: str) -> None:
    response = world.get(path, params={"min_position": 10**9}, headers=bearer("inspector"))
    assert_problem(response, 400)


def test_min_position_reached_answers_at_once(world: TestClient) -> None:
    written = post(world, f"{CADRES}/A1/reviews", {"year": 2025, "rating": "excellent"})
    response = world.get(
        f"{CADRES}/A1", params={"min_position": written["position"]}, headers=bearer("auditor")
    )
    assert response.status_code == 200
    assert response.json()["version"] == written["version"]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize(
    "query",
    [
        {"known_at": "2026-11-26T08:00:00"},
        {"known_at": "garbage"},
        {"known_at": "0"},
        {"known_at": "0001-01-01T00:00:00+23:59"},
        {"as_of": "2024-02-30"},
        {"as_of": "2024-13-01"},
        {"as_of": "0"},
        {"as_of": "2024-01-01T00:00:00"},
        {"min_position": "-1"},
        {"min_position": "abc"},
        {"min_position": str(2**63)},
    ],
    ids=lambda q: "-".join(f"{k}={v}" for k, v in q.items()),
)
def test_malformed_time_travel_parameters_are_422(
    world: TestClient, path: str, query: dict[str, str]
) -> None:
    body = assert_problem(world.get(path, params=query, headers=bearer("inspector")), 422)
    if "T08:00:00" in query.get("known_at", ""):
        assert "time zone" in body["detail"]


def test_known_at_with_a_zone_is_accepted_in_any_offset(world: TestClient) -> None:
    for known in ("2030-01-01T00:00:00+08:00", "2030-01-01T00:00:00Z", "2029-12-31T23:00:00-05:00"):
        assert read(world, f"{CADRES}/A1", known_at=known)["code"] == "A1"
    # Before anything was recorded on TODAY (UTC) the cadre was not known at all.
    early = {"known_at": "2026-11-26T00:00:00+14:00"}
    assert_problem(world.get(f"{CADRES}/A1", params=early, headers=bearer("clerk")), 404)
