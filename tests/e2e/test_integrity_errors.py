"""A store whose history no longer folds (a version deleted behind the platform's back) answers
every read with a clear integrity error naming the aggregate and the version: a problem document
over HTTP, a message and exit 1 on the command line; never a bare 500 or a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from domain.ids import cadre_id
from tests.support.http import assert_problem, bearer, serve
from tests.support.ledger import county_env, sql

JIANDU = Path(sys.executable).parent / "jiandu"
TODAY = date(2026, 6, 15)


def remove_version(county: Path, aggregate: UUID, version: int) -> int:
    """Delete one stored event of an aggregate; its position."""
    events = county / "events.sqlite3"
    ((rowid,),) = sql(events, "SELECT rowid FROM stored_events WHERE originator_id = ? AND "
                      "originator_version = ?", aggregate.hex, version)  # fmt: skip
    sql(events, "DELETE FROM stored_events WHERE rowid = ?", rowid)
    return int(str(rowid))


@pytest.fixture
def broken_cadre(county: Path) -> tuple[str, UUID]:
    ((code,),) = sql(county / "views.sqlite3", "SELECT code FROM cadres WHERE version > 6 "
                     "ORDER BY code LIMIT 1")  # fmt: skip
    aggregate = cadre_id(str(code))
    remove_version(county, aggregate, 4)
    return str(code), aggregate


@pytest.mark.parametrize(
    "path",
    ["/api/v1/cadres/{code}/timeline", "/api/v1/cadres/{code}?as_of=2020-01-01",
     "/api/v1/cadres/{code}?known_at=2026-06-01T00:00:00%2B08:00"],
)  # fmt: skip
def test_reads_of_a_broken_cadre_name_the_aggregate_and_the_version(
    county: Path, broken_cadre: tuple[str, UUID], path: str
) -> None:
    code, aggregate = broken_cadre
    with serve(county, today=TODAY) as client:
        response = client.get(path.format(code=code), headers=bearer("auditor"))
    body = assert_problem(response, 500)
    assert body["title"] == "Event store integrity error"
    assert str(aggregate) in body["detail"] and "version 4 is missing" in body["detail"]
    assert "jiandu audit verify" in body["detail"]


def test_a_broken_complaint_names_its_version(county: Path) -> None:
    query = "SELECT complaint_id FROM complaints WHERE version > 3 ORDER BY complaint_id LIMIT 1"
    ((complaint,),) = sql(county / "views.sqlite3", query)
    remove_version(county, UUID(str(complaint)), 2)
    with serve(county, today=TODAY) as client:
        response = client.get(f"/api/v1/complaints/{complaint}", headers=bearer("inspector"))
    body = assert_problem(response, 500)
    assert str(complaint) in body["detail"] and "version 2 is missing" in body["detail"]


def test_verify_names_the_deleted_position_and_the_broken_fold(
    county: Path, broken_cadre: tuple[str, UUID]
) -> None:
    _, aggregate = broken_cadre
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    done = subprocess.run(
        [str(JIANDU), "audit", "verify", "--json", "--no-read-models"],
        env=env | county_env(county), capture_output=True, text=True, check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    answer = json.loads(done.stdout)
    assert "(deleted)" in answer["problem"]
    assert any(
        f"aggregate {aggregate} no longer folds" in p["problem"] and "version 4 is missing"
        in p["problem"] for p in answer["problems"]
    )  # fmt: skip


def test_the_command_line_says_it_too(county: Path) -> None:
    # The sweep judges the open secondments: a seconded cadre's broken history stops it.
    query = ("SELECT cadre_code FROM secondments WHERE end_date IS NULL ORDER BY cadre_code "
             "LIMIT 1")  # fmt: skip
    ((code,),) = sql(county / "views.sqlite3", query)
    aggregate = cadre_id(str(code))
    remove_version(county, aggregate, 2)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    done = subprocess.run(
        [str(JIANDU), "rules", "sweep"], env=env | county_env(county), capture_output=True,
        text=True, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode != 0, done.stdout
    assert "no longer folds" in done.stderr and str(aggregate) in done.stderr
    assert "version 2 is missing" in done.stderr
    assert "Traceback" not in done.stderr
