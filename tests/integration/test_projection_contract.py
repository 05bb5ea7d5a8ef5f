"""The projections' contract, run once per read-model adapter: SQLite and PostgreSQL.

``ProjectionContract`` holds the tests; each subclass only says where the event store lives
(``store_env``) and which views database the projections write (``views``). Every test gets a
fresh store and fresh views, so positions and table contents are the test's own.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
import pytest
from psycopg import sql

from domain.campaign import Target
from domain.errors import NotFound
from domain.importing import PersonnelBatch
from projections import time_travel
from projections.campaigns import CampaignReads
from projections.careers import Careers as CareersProjection
from projections.complaint_queue import ComplaintQueue
from projections.following import EventSource, Poisoned, Runner
from projections.framework import Projection, Projector
from projections.organisation import Organisation
from projections.queries import cadre_doc
from projections.rebuild import rebuild
from projections.registry import PROJECTIONS
from projections.source import StoreSource
from projections.sql import PostgresViews, SqliteViews, SqlViews
from projections.unit_tree import list_units
from projections.view import Table, ViewTx
from tests.support.projections import (
    CLERK,
    INSPECTOR,
    TODAY,
    Careers,
    Platform,
    Queue,
    days,
    minus,
    open_platform,
    record_correction,
    record_organisation,
    register,
    table_contents,
)


def rows(views: SqlViews, table: str) -> list[dict[str, Any]]:
    """Every row of a table, in a stable order."""
    return sorted(views.query(f"SELECT * FROM {table}"), key=repr)


def as_of_today(platform: Platform, code: str) -> dict[str, Any]:
    """The cadre reconstructed from its events as of TODAY (time travel, not the view)."""
    return cadre_doc(*time_travel.cadre_state(platform.store, code, as_of=TODAY, known_at=None))


class ApplyLog(Projection):
    """A hand-written projection counting how often it applied each event; it can be told to
    fail at one position, mid-batch."""

    name = "apply_log"
    tables = (
        Table(
            "apply_log", {"position": "BIGINT", "type": "TEXT", "times": "INTEGER"}, ("position",)
        ),
    )

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.fail_at = fail_at

    def apply(self, event: Any, position: int, tx: ViewTx, source: EventSource) -> None:
        if position == self.fail_at:
            raise RuntimeError(f"cannot apply the event at position {position}")
        seen = tx.get("apply_log", position)
        times = 1 + (seen["times"] if seen else 0)
        tx.put("apply_log", {"position": position, "type": type(event).__name__, "times": times})


class ProjectionContract:
    """What every read-model adapter must do with the same projection code."""

    @pytest.fixture
    def store_env(self) -> dict[str, str]:
        raise NotImplementedError

    @pytest.fixture
    def views(self) -> SqlViews:
        raise NotImplementedError

    @pytest.fixture
    def platform(self, store_env: dict[str, str], views: SqlViews) -> Iterator[Platform]:
        platform = open_platform(store_env, views)
        yield platform
        platform.follower.stop()
        platform.store.close()

    # -- current state ---------------------------------------------------------------------

    def test_cadre_current_state_after_a_realistic_career(
        self, platform: Platform, careers: Careers
    ) -> None:
        reads, personnel = platform.reads, platform.services.personnel
        a001 = reads.cadre("A001", today=TODAY)
        assert a001 == {
            "code": "A001",
            "name": "李四",
            "home_unit": "T1",
            "status": "active",
            "recruitment": {
                "unit": "T1", "unit_level": "township", "effective_date": "2019-07-01",
                "channel": "exam", "probation_months": 12, "probation_completed": "2020-07-01",
            },
            "posts": [{"unit": "T1", "post": "P2", "since": "2024-01-10"}],
            "secondment": {
                "secondment_id": careers.ids["a_second_c2.secondment_id"], "host_unit": "C2",
                "start_date": "2025-06-01", "planned_end_date": None,
            },
            "dispatch": None,
            "version": personnel.cadre("A001").version,
        }  # fmt: skip

        b002 = reads.cadre("B002", today=TODAY)
        assert (b002["home_unit"], b002["status"], b002["secondment"]) == ("T1", "active", None)
        assert b002["posts"] == [{"unit": "T1", "post": "P1", "since": "2024-02-01"}]
        assert b002["dispatch"] == {
            "dispatch_id": careers.ids["b_dispatch.dispatch_id"], "village_unit": "V1",
            "role": "first_secretary", "start_date": "2024-03-01", "planned_end_date": "2027-03-01",
        }  # fmt: skip

        d003 = reads.cadre("D003", today=TODAY)
        assert (d003["home_unit"], d003["status"]) == ("C2", "departed")
        assert (d003["posts"], d003["secondment"], d003["dispatch"]) == ([], None, None)

        for code in ("A001", "B002", "D003"):
            aggregate = personnel.cadre(code)
            view = reads.cadre(code, today=TODAY)
            assert (
                view == as_of_today(platform, code) == cadre_doc(aggregate.state, aggregate.version)
            )
        with pytest.raises(NotFound):
            reads.cadre("Z999", today=TODAY)

    def test_unit_roster_shows_posts_holders_and_secondees_in_and_out(
        self, platform: Platform, careers: Careers
    ) -> None:
        reads = platform.reads

        def holders(unit: dict[str, Any]) -> dict[str, str | None]:
            return {p["code"]: p["holder"] for p in unit["posts"]}

        t1 = reads.unit("T1", today=TODAY)
        assert (t1["name"], t1["level"], t1["parent"]) == ("某镇人民政府", "township", "C1")
        assert [(p["code"], p["title"], p["category"], p["team_member"]) for p in t1["posts"]] == [
            ("P1", "副镇长", "leadership", True),
            ("P2", "党委委员", "leadership", True),
            ("P3", "党政办科员", "non_leadership", False),
        ]
        assert holders(t1) == {"P1": "B002", "P2": "A001", "P3": None}
        assert (t1["seconded_in"], t1["seconded_out"]) == ([], ["A001"])
        c2 = reads.unit("C2", today=TODAY)
        assert (c2["posts"], c2["seconded_in"], c2["seconded_out"]) == ([], ["A001"], [])
        c1 = reads.unit("C1", today=TODAY)
        assert (holders(c1), c1["seconded_in"]) == ({"P9": None}, [])

        # As of a past date the roster is reconstructed from the events.
        t1_2022 = reads.unit("T1", today=TODAY, as_of=date(2022, 6, 1))
        assert holders(t1_2022) == {"P1": "A001", "P2": None, "P3": None}
        assert (t1_2022["seconded_in"], t1_2022["seconded_out"]) == ([], ["A001"])
        assert reads.unit("C1", today=TODAY, as_of=date(2022, 6, 1))["seconded_in"] == ["A001"]
        t1_2020 = reads.unit("T1", today=TODAY, as_of=date(2020, 6, 1))
        assert (holders(t1_2020), t1_2020["seconded_in"]) == (
            {"P1": None, "P2": None, "P3": None},
            ["D003"],
        )
        assert reads.unit("C2", today=TODAY, as_of=date(2020, 6, 1))["seconded_out"] == ["D003"]
        with pytest.raises(NotFound):
            reads.unit("X9", today=TODAY)

    def test_unit_roster_from_the_views_is_the_roster_as_of_today(
        self, platform: Platform, careers: Careers
    ) -> None:
        # Nothing forbids two cadres holding one post (over-staffing is a rule, not an
        # invariant): both read paths must then name the same holder.
        platform.services.personnel.appoint(
            CLERK, "A001", unit="T1", post="P1", effective_date=date(2025, 1, 2), kind="lateral",
            decided_on=date(2025, 1, 2), document_no="镇委〔2025〕1号",
        )  # fmt: skip
        platform.caught_up()
        for code in ("C1", "C2", "T1", "T2", "V1"):
            views = platform.reads.unit(code, today=TODAY)
            assert views == platform.reads.unit(code, today=TODAY, as_of=TODAY), code
        holder = platform.reads.unit("T1", today=TODAY)["posts"][0]["holder"]
        assert holder in {"A001", "B002"}

    # -- secondment register ---------------------------------------------------------------

    def test_secondment_register_records_every_secondment(
        self, platform: Platform, careers: Careers
    ) -> None:
        ids = careers.ids
        register_ = platform.reads.secondments(today=TODAY)
        assert [r["secondment_id"] for r in register_] == [
            ids["d_second_t1.secondment_id"],
            ids["a_second_c1.secondment_id"],
            ids["a_second_c2.secondment_id"],
        ]
        d_t1, a_c1, a_c2 = register_
        fields = (
            "cadre_code", "home_unit", "home_level", "host_unit", "host_level", "start_date",
            "planned_end_date", "end_date", "end_reason", "approval_level", "active",
            "duration_days",
        )  # fmt: skip
        assert [tuple(r[f] for f in fields) for r in register_] == [
            ("D003", "C2", "county", "T1", "township", "2020-01-01", "2020-12-31", "2021-01-10",
             "recalled", None, False, days(date(2020, 1, 1), date(2021, 1, 10))),
            ("A001", "T1", "township", "C1", "county", "2022-03-01", "2023-03-01", "2023-02-15",
             "completed", "county", False, days(date(2022, 3, 1), date(2023, 2, 15))),
            ("A001", "T1", "township", "C2", "county", "2025-06-01", None, None,
             None, None, True, days(date(2025, 6, 1), TODAY)),
        ]  # fmt: skip
        assert a_c1["extensions"] == [
            {
                "decided_on": "2022-08-20",
                "new_planned_end_date": "2023-03-01",
                "approval": {
                    "level": "county",
                    "authority": "县委组织部",
                    "document_no": "县组通〔2022〕5号",
                },
            }
        ]
        assert (a_c1["purpose"], d_t1["extensions"], a_c2["approval"]) == ("脱贫攻坚专项", [], None)

    def test_secondment_register_filters(self, platform: Platform, careers: Careers) -> None:
        def register_(**filters: Any) -> list[str]:
            rows = platform.reads.secondments(today=TODAY, **filters)
            return [f"{r['cadre_code']}>{r['host_unit']}" for r in rows]

        everyone = ["D003>T1", "A001>C1", "A001>C2"]
        assert register_() == everyone
        assert register_(home_level="township") == ["A001>C1", "A001>C2"]
        assert register_(host_level="township") == ["D003>T1"]
        assert register_(home_level="township", host_level="county") == ["A001>C1", "A001>C2"]
        assert register_(active=True) == ["A001>C2"]
        assert register_(active=False) == ["D003>T1", "A001>C1"]
        assert register_(approved=True) == ["A001>C1"]
        assert register_(approved=False) == ["D003>T1", "A001>C2"]
        # "more than min_days": D003's lasted 375 days, A001's first 351, her second 543 so far.
        assert register_(min_days=360) == ["D003>T1", "A001>C2"]
        assert register_(min_days=375) == ["A001>C2"]
        assert register_(min_days=374) == ["D003>T1", "A001>C2"]
        assert register_(unit="T1") == everyone
        assert register_(unit="C1") == ["A001>C1"]
        assert register_(cadre="D003") == ["D003>T1"]
        assert register_(home_level="township", active=True, approved=False, min_days=180) == [
            "A001>C2"
        ]
        # As of a past date: only what had started, active if not ended by then.
        then = platform.reads.secondments(today=TODAY, as_of=date(2022, 6, 1))
        assert [(r["cadre_code"], r["active"], r["duration_days"]) for r in then] == [
            ("D003", False, 375),
            ("A001", True, days(date(2022, 3, 1), date(2022, 6, 1))),
        ]

    # -- complaint queue -------------------------------------------------------------------

    def test_complaint_queue_computes_deadlines(self, platform: Platform, queue: Queue) -> None:
        reads = platform.reads

        def deadlines(name: str) -> tuple[Any, ...]:
            row = reads.complaint(queue[name])
            return (row["status"], row["received_on"], row["decide_by"], row["conclude_by"])

        assert deadlines("filed_late") == ("filed", "2026-10-01", "2026-10-16", None)
        assert deadlines("filed_fresh") == ("filed", "2026-11-20", "2026-12-05", None)
        # Accepted on 2026-08-10: 60 days, plus the 30-day extension.
        assert deadlines("extended_late") == ("accepted", "2026-08-01", "2026-08-16", "2026-11-08")
        assert deadlines("accepted_fresh") == ("accepted", "2026-09-15", "2026-09-30", "2026-11-30")
        assert deadlines("declined")[0] == "declined"
        concluded = reads.complaint(queue["concluded"])
        assert (concluded["status"], concluded["finding"], concluded["concluded_on"]) == (
            "concluded",
            "substantiated",
            "2026-07-01",
        )
        late = reads.complaint(queue["extended_late"])
        assert (late["extension_days"], late["handler_unit"], late["accepted_on"]) == (
            30,
            "县纪委",
            "2026-08-10",
        )
        assert reads.complaint(queue["filed_late"])["subject_cadres"] == ["A001"]
        with pytest.raises(NotFound):
            reads.complaint(str(uuid.uuid4()))

    def test_complaint_queue_filters_and_pages(self, platform: Platform, queue: Queue) -> None:
        reads = platform.reads
        name_of = {v: k for k, v in queue.ids.items()}

        def names(**filters: Any) -> list[str]:
            rows = reads.complaints(today=TODAY, **filters)
            return [name_of[r["complaint_id"]] for r in rows]

        twins = sorted(["twin_a", "twin_b"], key=lambda n: queue[n])
        oldest_first = [
            "concluded", "declined", "extended_late", "accepted_fresh", "filed_late",
            "filed_fresh", *twins,
        ]  # fmt: skip
        assert names() == oldest_first
        assert names(overdue=True) == ["extended_late", "filed_late"]
        assert names(overdue=False) == [n for n in oldest_first if "late" not in n]
        # A week later the fresh ones are late too (decide_by 12-05, conclude_by 11-30).
        week_later = reads.complaints(today=date(2026, 12, 7), overdue=True)
        assert [name_of[r["complaint_id"]] for r in week_later] == [
            "extended_late", "accepted_fresh", "filed_late", "filed_fresh",
        ]  # fmt: skip
        assert names(status="accepted") == ["extended_late", "accepted_fresh"]
        assert names(cadre="A001") == ["filed_late"]
        assert names(cadre="B002") == ["accepted_fresh"]
        assert names(unit="C2") == ["extended_late"]
        assert names(unit="T1") == ["filed_late"]
        assert names(cadre="D003") == []

        pages: list[list[str]] = []
        after = None
        while True:
            page = reads.complaints(today=TODAY, after=after, limit=3)
            if not page:
                break
            pages.append([name_of[r["complaint_id"]] for r in page])
            after = (page[-1]["received_at"], page[-1]["complaint_id"])
        assert pages == [oldest_first[0:3], oldest_first[3:6], oldest_first[6:8]]
        # The twins share their received_at: the id breaks the tie, so none is skipped.
        first_twin = reads.complaint(queue[twins[0]])
        rest = reads.complaints(
            today=TODAY, after=(first_twin["received_at"], first_twin["complaint_id"])
        )
        assert [name_of[r["complaint_id"]] for r in rest] == [twins[1]]

    # -- timelines -------------------------------------------------------------------------

    def test_timeline_in_effective_date_order_with_who_and_when(
        self, platform: Platform, careers: Careers
    ) -> None:
        timeline = platform.reads.timeline("A001")
        assert timeline["code"] == "A001"
        events = timeline["events"]
        assert [(e["type"], e["effective_date"]) for e in events] == [
            ("CadreRegistered", None),
            ("Recruited", "2019-07-01"),
            ("ProbationCompleted", "2020-07-01"),
            ("Appointed", "2021-01-05"),
            ("Seconded", "2022-03-01"),
            ("SecondmentExtended", "2022-08-20"),
            ("SecondmentEnded", "2023-02-15"),
            ("AnnualReviewRecorded", "2023-12-31"),  # recorded last, effective in 2023
            ("Removed", "2024-01-10"),  # the same day as the next: position breaks the tie
            ("Appointed", "2024-01-10"),
            ("Admonished", "2024-05-06"),
            ("Seconded", "2025-06-01"),
        ]
        by_position = sorted(events, key=lambda e: e["position"])
        assert by_position[-1]["type"] == "AnnualReviewRecorded"
        recorded = [e["recorded_at"] for e in by_position]
        assert recorded == sorted(set(recorded)), "each command was recorded a minute later"
        by_type = {(e["type"], e["effective_date"]): e for e in events}
        review = by_type[("AnnualReviewRecorded", "2023-12-31")]
        assert review["recorded_at"] == careers.at["a_review_2023"].isoformat()
        assert review["position"] == careers.written["a_review_2023"].position
        assert review["data"] == {"year": 2023, "rating": "excellent"}
        admonished = by_type[("Admonished", "2024-05-06")]
        assert (admonished["recorded_by"], admonished["data"]["authority"]) == (INSPECTOR, "县纪委")
        assert {e["recorded_by"] for e in events} == {CLERK, INSPECTOR}
        assert not any(e["retracted"] for e in events)
        seconded = by_type[("Seconded", "2022-03-01")]["data"]
        assert (seconded["host_unit"], seconded["purpose"]) == ("C1", "脱贫攻坚专项")
        with pytest.raises(NotFound):
            platform.reads.timeline("Z999")

    # -- time travel -----------------------------------------------------------------------

    def test_as_of_a_past_date(self, platform: Platform, careers: Careers) -> None:
        reads = platform.reads
        then = reads.cadre("A001", today=TODAY, as_of=date(2022, 6, 1))
        assert then["posts"] == [{"unit": "T1", "post": "P1", "since": "2021-01-05"}]
        assert then["secondment"] == {
            "secondment_id": careers.ids["a_second_c1.secondment_id"], "host_unit": "C1",
            "start_date": "2022-03-01", "planned_end_date": "2022-09-01",  # not yet extended
        }  # fmt: skip
        before = reads.cadre("A001", today=TODAY, as_of=date(2019, 1, 1))
        assert (before["home_unit"], before["recruitment"], before["posts"]) == (None, None, [])
        assert reads.cadre("B002", today=TODAY, as_of=date(2022, 12, 31))["home_unit"] == "T2"
        assert reads.cadre("D003", today=TODAY, as_of=date(2026, 6, 29))["status"] == "active"
        assert reads.cadre("A001", today=TODAY, as_of=TODAY) == reads.cadre("A001", today=TODAY)

        timeline = reads.timeline("A001", as_of=date(2022, 6, 1))["events"]
        assert [e["type"] for e in timeline][-2:] == ["Appointed", "Seconded"]

    def test_known_at_honours_a_retraction_from_its_recording_time(
        self, platform: Platform
    ) -> None:
        record_organisation(platform)
        story = record_correction(platform)
        platform.caught_up()
        reads, at = platform.reads, story.at

        def home(known_at: Any) -> str | None:
            return reads.cadre("E005", today=TODAY, known_at=known_at)["home_unit"]

        assert home(at["appointed"]) == "T1"
        assert home(at["transferred"]) == "C1"
        assert home(minus(at["retracted"])) == "C1"  # the retraction is not known yet
        assert home(at["retracted"]) == "T1"
        assert home(at["retransferred"]) == "T2"
        assert reads.cadre("E005", today=TODAY)["home_unit"] == "T2"
        with pytest.raises(NotFound):
            home(minus(at["recruited"], 3600))  # not even registered

        def timeline(known_at: Any, **options: Any) -> list[tuple[str, bool]]:
            events = reads.timeline("E005", known_at=known_at, **options)["events"]
            return [(e["type"], e["retracted"]) for e in events]

        start = [("CadreRegistered", False), ("Recruited", False), ("Appointed", False)]
        assert timeline(at["transferred"]) == [*start, ("Transferred", False)]
        assert timeline(minus(at["retracted"])) == [*start, ("Transferred", False)]
        assert timeline(at["retracted"]) == start
        assert timeline(at["retracted"], include_retracted=True) == [
            *start, ("Transferred", True), ("EntryRetracted", False),
        ]  # fmt: skip
        now = reads.timeline("E005", include_retracted=True)["events"]
        wrong = next(e for e in now if e["position"] == story.wrong_transfer)
        assert (wrong["type"], wrong["retracted"], wrong["data"]["to_unit"]) == (
            "Transferred",
            True,
            "C1",
        )
        current = reads.timeline("E005")["events"]
        assert [e["data"].get("to_unit") for e in current if e["type"] == "Transferred"] == ["T2"]

    def test_a_back_dated_entry_shows_only_once_recorded(self, platform: Platform) -> None:
        record_organisation(platform)
        story = record_correction(platform)
        platform.caught_up()
        reads, at, mid_2021 = platform.reads, story.at, date(2021, 9, 1)

        def secondment(known_at: Any) -> dict[str, Any] | None:
            return reads.cadre("E005", today=TODAY, as_of=mid_2021, known_at=known_at)["secondment"]

        assert secondment(at["retransferred"]) is None
        assert secondment(minus(at["backdated"])) is None
        entered = secondment(at["backdated"])
        assert entered is not None and (entered["host_unit"], entered["start_date"]) == (
            "C2",
            "2021-06-01",
        )
        assert secondment(None) == entered
        assert reads.cadre("E005", today=TODAY)["secondment"] is None  # ended 2021-12-31

        def types(known_at: Any) -> list[str]:
            return [e["type"] for e in reads.timeline("E005", known_at=known_at)["events"]]

        before = ["CadreRegistered", "Recruited", "Appointed", "Transferred"]
        assert types(at["retransferred"]) == before
        assert types(at["backdated_end"]) == [
            "CadreRegistered", "Recruited", "Appointed", "Seconded", "SecondmentEnded",
            "Transferred",
        ]  # fmt: skip

        # The roster as of 2021: E005 was a T1 cadre then, seconded out to C2.
        t1 = reads.unit("T1", today=TODAY, as_of=mid_2021)
        assert (t1["seconded_out"], [p["holder"] for p in t1["posts"]]) == (
            ["E005"],
            [None, None, "E005"],
        )
        unknown_yet = reads.unit("T1", today=TODAY, as_of=mid_2021, known_at=at["retransferred"])
        assert unknown_yet["seconded_out"] == []
        assert reads.unit("C2", today=TODAY, as_of=mid_2021)["seconded_in"] == ["E005"]
        assert reads.unit("T2", today=TODAY, as_of=mid_2021)["seconded_out"] == []
        (row,) = platform.reads.secondments(today=TODAY, cadre="E005")
        assert (row["home_unit"], row["home_level"], row["host_unit"]) == ("T1", "township", "C2")

    # -- positions and transactions ----------------------------------------------------------

    def test_events_a_projection_ignores_still_advance_its_position(
        self, platform: Platform
    ) -> None:
        record_organisation(platform)
        head = platform.store.position()
        assert platform.follower.run_once() == platform.follower.batch_size < head
        first = platform.follower.positions()
        assert first == dict.fromkeys(PROJECTIONS, platform.follower.batch_size)
        platform.caught_up()
        assert platform.follower.positions() == dict.fromkeys(PROJECTIONS, head)
        assert platform.views.query("SELECT * FROM complaints") == []
        assert platform.views.query("SELECT * FROM cadres") == []
        assert len(platform.views.query("SELECT * FROM units")) == 5

        filed = platform.services.complaints.file(
            "public", category="其他", title="匿名举报", body="内容", named=False
        )
        platform.caught_up()
        assert platform.follower.positions() == dict.fromkeys(PROJECTIONS, filed.position)

    def test_view_change_and_position_are_written_in_one_transaction(
        self, platform: Platform, careers: Careers, views: SqlViews
    ) -> None:
        # A follower of our own, beside the platform's: the same projections writing tables
        # suffixed "__mine", and a hand-written one that fails when told to.
        log = ApplyLog()
        source = StoreSource(platform.store)
        mine = [Organisation("__mine"), CareersProjection("__mine"), log]
        follower = Runner(source, Projector(views, mine, source), batch_size=10)
        views_of_mine = [
            f"{t}__mine" for p in (Organisation, CareersProjection) for t in p().table_map()
        ]

        def snapshot() -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
            tables = [*views_of_mine, "apply_log"]
            return follower.positions(), {t: rows(views, t) for t in tables}

        follower.run_once()
        before = snapshot()
        assert before[0] == {"organisation": 10, "careers": 10, "apply_log": 10}
        # Position 15 is in the next batch; the log fails on it after the other two
        # projections applied the whole batch to their unit of work.
        log.fail_at = 15
        with pytest.raises(Poisoned, match="position 15") as failed:
            follower.run_once()
        assert isinstance(failed.value.error, RuntimeError)
        assert snapshot() == before

        log.fail_at = None
        follower.catch_up()
        head = platform.store.position()
        assert follower.positions() == {"organisation": head, "careers": head, "apply_log": head}
        applied = views.query("SELECT position, times FROM apply_log ORDER BY position")
        assert applied == [{"position": p, "times": 1} for p in range(1, head + 1)]
        for table in views_of_mine:
            assert rows(views, table) == rows(views, table.removesuffix("__mine")), table

    def test_read_your_writes_with_the_follower_running(self, platform: Platform) -> None:
        record_organisation(platform)
        follower, store = platform.follower, platform.store
        follower.start(interval=0.05)
        try:
            written = register(platform, "F006", "孙八", unit="T2", on=date(2021, 7, 1))
            assert follower.wait_for(written.position, timeout=10)
            assert platform.reads.cadre("F006", today=TODAY)["home_unit"] == "T2"
            moved = platform.services.personnel.transfer(
                CLERK, "F006", to_unit="T1", effective_date=date(2024, 1, 1)
            )
            assert follower.wait_for(moved.position, timeout=10)
            assert platform.reads.cadre("F006", today=TODAY)["home_unit"] == "T1"

            started = time.monotonic()
            assert not follower.wait_for(store.position() + 1, timeout=0.3)
            assert time.monotonic() - started >= 0.3  # it waited out its timeout
        finally:
            follower.stop()

    def test_stop_returns_and_lag_reports_each_projection(self, platform: Platform) -> None:
        record_organisation(platform)
        follower = platform.follower
        follower.start(interval=0.05)
        assert follower.wait_for(platform.store.position(), timeout=10)
        stopping = threading.Thread(target=follower.stop)
        stopping.start()
        stopping.join(timeout=5)
        assert not stopping.is_alive(), "stop() did not return"
        head = platform.store.position()
        assert follower.lag() == {n: {"position": head, "lag": 0} for n in PROJECTIONS}

        register(platform, "G007", "周九", unit="T1", on=date(2022, 7, 1))
        time.sleep(0.2)  # stopped: nothing follows
        assert follower.lag() == {n: {"position": head, "lag": 2} for n in PROJECTIONS}
        platform.caught_up()
        assert follower.lag() == {n: {"position": head + 2, "lag": 0} for n in PROJECTIONS}

    # -- cleanup campaigns ---------------------------------------------------------------------

    def test_campaign_register_and_its_progress(self, platform: Platform, careers: Careers) -> None:
        ids = careers.ids
        a_c2, d_t1 = ids["a_second_c2.secondment_id"], ids["d_second_t1.secondment_id"]
        targets = [Target("A001", a_c2, ("f-a",), ("R-SEC-01",)),
                   Target("D003", d_t1, ("f-d",), ("R-SEC-04",))]  # fmt: skip
        platform.services.campaigns.open(
            INSPECTOR, code="QL-1", title="借调清理", kind="secondment_cleanup", unit="C2",
            starts_on=date(2026, 10, 1), due_on=date(2026, 12, 31), targets=targets,
        )  # fmt: skip
        reads = CampaignReads(platform.caught_up().views)
        shown = reads.get("QL-1", TODAY)
        assert [(t["cadre"], t["state"], t["returned_on"]) for t in shown["targets"]] == [
            ("A001", "remaining", None), ("D003", "returned", "2021-01-10"),
        ]  # fmt: skip
        assert shown["targets"][0]["finding_ids"] == ["f-a"]
        platform.step()
        platform.services.personnel.end_secondment(
            CLERK, "A001", a_c2, end_date=date(2026, 11, 20), reason="cleanup"
        )
        platform.step()
        platform.services.campaigns.close(
            INSPECTOR, "QL-1", on=TODAY, summary="已清理", figures={"returned": 2}
        )
        platform.caught_up()
        shown = reads.get("QL-1", TODAY)
        assert shown["progress"] == {"targets": 2, "remaining": 0, "returned": 2,
                                     "seconded_again": 0, "voided": 0}  # fmt: skip
        assert (shown["status"], shown["closed_on"], shown["figures_at_close"]) == (
            "closed", "2026-11-26", {"returned": 2},
        )  # fmt: skip
        before = table_contents(platform.views)
        head = platform.store.position()
        assert rebuild("campaigns", platform.follower.source, platform.views,
                       platform.follower) == head  # fmt: skip
        assert table_contents(platform.views) == before

    def test_a_newer_release_adds_its_columns_to_a_table_that_exists(
        self, platform: Platform
    ) -> None:
        older = Table("release_probe", {"code": "TEXT", "name": "TEXT"}, key=("code",))
        newer = Table("release_probe", {**older.columns, "quota": "INTEGER"}, key=("code",))
        platform.views.ensure([older])
        platform.views.write({older: [{"code": "a", "name": "甲"}]}, {}, {})
        platform.views.ensure([newer])
        platform.views.write({newer: [{"code": "b", "name": "乙", "quota": 3}]}, {}, {})
        rows = platform.views.query("SELECT * FROM release_probe ORDER BY code")
        assert [(r["code"], r["quota"]) for r in rows] == [("a", None), ("b", 3)]

    def test_units_keep_joint_organs_and_post_quotas(self, platform: Platform) -> None:
        org = platform.services.organisation
        org.register_unit(
            CLERK, code="T7", name="某镇人民政府", level="township", kind="government"
        )
        org.register_unit(CLERK, code="T7-DW", name="中共某镇委员会", level="township",
                          kind="party_committee", joint_with="T7")  # fmt: skip
        org.establish_post(CLERK, "T7", code="fz", title="副镇长", category="leadership",
                           team_member=True, quota=3)  # fmt: skip
        platform.caught_up()
        assert platform.reads.unit("T7-DW", today=TODAY)["joint_with"] == "T7"
        [post] = platform.reads.unit("T7", today=TODAY)["posts"]
        assert (post["quota"], post["holders"]) == (3, [])
        listed = list_units(platform.views, q="某镇", level="township")
        assert [(u["code"], u["joint_with"]) for u in listed] == [("T7", None), ("T7-DW", "T7")]
        assert list_units(platform.views, q="%") == []
        assert [u["code"] for u in list_units(platform.views, after="T7", q="某镇")] == ["T7-DW"]

    # -- rebuilds ----------------------------------------------------------------------------

    def test_rebuild_gives_the_incremental_tables(self, platform: Platform, queue: Queue) -> None:
        record_correction(platform)
        platform.caught_up()
        incremental = table_contents(platform.views)
        ours = [t.name for p in (Organisation, CareersProjection, ComplaintQueue) for t in p.tables]
        assert all(incremental[name] for name in ours), "every table has rows to compare"
        head = platform.store.position()

        for name in PROJECTIONS:
            assert (
                rebuild(name, platform.follower.source, platform.views, platform.follower) == head
            )
        assert table_contents(platform.views) == incremental
        assert platform.follower.positions() == dict.fromkeys(PROJECTIONS, head)
        assert not {t for t in platform.views.existing_tables() if "rebuild" in t}

        # A second rebuild swaps in again, and the live follower goes on from the swap.
        rebuild("careers", platform.follower.source, platform.views, platform.follower)
        assert table_contents(platform.views) == incremental
        platform.services.personnel.admonish(
            INSPECTOR, "A001", on=date(2026, 11, 1), authority="县纪委", reason="再次提醒"
        )
        platform.services.personnel.end_secondment(
            CLERK, "A001", platform.reads.cadre("A001", today=TODAY)["secondment"]["secondment_id"],
            end_date=date(2026, 11, 20), reason="cleanup",
        )  # fmt: skip
        platform.caught_up()
        assert platform.reads.cadre("A001", today=TODAY) == as_of_today(platform, "A001")
        assert platform.reads.unit("C2", today=TODAY)["seconded_in"] == []

    def test_a_rebuild_in_two_processes_gives_the_incremental_tables(
        self, platform: Platform, queue: Queue, caplog: pytest.LogCaptureFixture
    ) -> None:
        record_correction(platform)
        platform.caught_up()
        incremental = table_contents(platform.views)
        head = platform.store.position()
        caplog.set_level(logging.INFO, logger="jiandu.projections")
        # What a rebuild that died midway leaves behind: its shares' position records.
        platform.views.advance({"careers__rebuild@1/2": head, "careers__rebuild@0/2": head})

        names = list(PROJECTIONS)
        follower = platform.follower
        assert rebuild(names, follower.source, platform.views, follower, processes=2) == head
        assert [r.shares for r in caplog.records if hasattr(r, "shares")] == [2]
        assert table_contents(platform.views) == incremental
        positions = platform.views.positions()
        assert {name: positions[name] for name in PROJECTIONS} == dict.fromkeys(PROJECTIONS, head)
        assert not [name for name in positions if "@" in name or "rebuild" in name]
        assert not {t for t in platform.views.existing_tables() if "rebuild" in t}
        if isinstance(platform.views, SqliteViews):  # share 1 built into a file of its own
            assert not list(Path(platform.views.path).parent.glob("*.share-*"))

    def test_reads_keep_answering_during_a_rebuild(
        self, platform: Platform, careers: Careers
    ) -> None:
        batch = PersonnelBatch(platform.services.personnel)
        for n in range(120):
            code = f"H{n:03d}"
            batch.register_cadre(
                CLERK, code=code, name=f"干部{n}", gender="male", birth_date=date(1990, 1, 1)
            )
            batch.recruit(CLERK, code, effective_date=date(2015, 7, 1), unit="T2", channel="exam")
            batch.transfer(CLERK, code, to_unit="T1", effective_date=date(2020, 1, 1))
            # Entered late (补录): the projection refolds the history it reads from the store.
            batch.second(
                CLERK, code, host_unit="C1", start_date=date(2016, 1, 1),
                planned_end_date=date(2016, 6, 30),
            )  # fmt: skip
        batch.commit()
        platform.caught_up()
        expected = (
            platform.reads.cadre("A001", today=TODAY),
            platform.reads.unit("T1", today=TODAY),
            len(platform.reads.secondments(today=TODAY)),
        )
        follower = platform.follower
        follower.start(interval=0.02)  # the live follower keeps following during the rebuild
        failures: list[BaseException] = []

        def run() -> None:
            try:
                for name in ("careers", "organisation"):
                    rebuild(name, follower.source, platform.views, follower, batch_size=25)
            except BaseException as error:  # reported by the main thread
                failures.append(error)

        rebuilding = threading.Thread(target=run)
        rebuilding.start()
        reads = 0
        try:
            while rebuilding.is_alive() or reads == 0:
                answer = (
                    platform.reads.cadre("A001", today=TODAY),
                    platform.reads.unit("T1", today=TODAY),
                    len(platform.reads.secondments(today=TODAY)),
                )
                assert answer == expected
                platform.services.personnel.record_training(
                    CLERK, f"H{reads % 120:03d}", start_date=date(2021, 5, 1), days=3, topic="培训"
                )
                reads += 1
        finally:
            rebuilding.join(timeout=120)
            follower.stop()
        assert not failures, failures
        assert reads > 1
        platform.caught_up()
        assert follower.positions() == dict.fromkeys(PROJECTIONS, platform.store.position())
        trainings = platform.views.query("SELECT * FROM timeline WHERE type = 'TrainingRecorded'")
        assert len(trainings) == reads


# -- the adapters ------------------------------------------------------------------------------


class TestSQLiteProjections(ProjectionContract):
    """Embedded: the event store and the views in SQLite files of the test's own folder."""

    @pytest.fixture
    def store_env(self, tmp_path: Path) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "events.sqlite3"),
        }

    @pytest.fixture
    def views(self, tmp_path: Path) -> SqlViews:
        return SqliteViews(str(tmp_path / "views.sqlite3"))


def postgres_env(url: str, schema: str) -> dict[str, str]:
    """eventsourcing's PostgreSQL variables from a postgresql:// URL and a schema."""
    parts = urlsplit(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")),
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": schema,
    }


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.mark.postgres
class TestPostgresProjections(ProjectionContract):
    """Distributed: the event store and the views in two fresh schemas, dropped afterwards."""

    @pytest.fixture
    def store_env(self, postgres_url: str) -> Iterator[dict[str, str]]:
        schema = f"proj_events_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            yield postgres_env(postgres_url, schema)
        finally:
            drop_schema(postgres_url, schema)

    @pytest.fixture
    def views(self, postgres_url: str) -> Iterator[SqlViews]:
        schema = f"proj_views_{uuid.uuid4().hex[:12]}"
        views = PostgresViews(postgres_url, schema=schema)
        try:
            yield views
        finally:
            views.close()
            drop_schema(postgres_url, schema)
