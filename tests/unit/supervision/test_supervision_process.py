"""The supervision process: exactly once, atomic with its position, remedies and re-raises."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from eventsourcing.persistence import Tracking

from domain.errors import ConcurrentWrite, InvariantViolated
from domain.supervision.register import SUPERVISOR
from domain.values import Approval, Level
from projections.following import Mark
from projections.source import StoreSource
from tests.support.supervision import CITY, CLERK, INSPECTOR, World


def illegal_secondment(w: World) -> str:
    """A township cadre seconded to a county organ without approval, overdue by today."""
    w.cadre("A", date(2015, 7, 1))
    return w.services.personnel.second(
        CLERK, "A", host_unit="C2", start_date=date(2026, 1, 10),
        planned_end_date=date(2026, 6, 30),
    ).ids["secondment_id"]  # fmt: skip


def raised_counts(w: World) -> Counter[str]:
    return Counter(fid for _, fid, kind in w.finding_events() if kind == "FindingRaised")


def test_findings_cite_positions_and_the_process_tracks_the_store_head(world: World) -> None:
    illegal_secondment(world)
    world.settle()
    rules = {f["rule"] for f in world.findings()}
    assert {"R-SEC-01", "R-SEC-04", "R-SEC-05", "R-SEC-07"} <= rules
    seconded = world.store.position() - len(world.finding_events())
    recruited = seconded - 1
    assert world.finding("R-SEC-01")["evidence"] == [recruited, seconded]
    world.supervision.runner.catch_up()
    assert world.supervision.supervisor.position() == world.store.position()


def test_running_again_or_after_a_restart_records_nothing(world: World, tmp_path: Path) -> None:
    illegal_secondment(world)
    world.settle()
    before = world.store.position()
    world.settle()
    world.supervision.sweep()
    assert world.store.position() == before
    reopened = World.open(tmp_path)
    reopened.settle()
    reopened.supervision.sweep()
    assert reopened.store.position() == before
    assert set(raised_counts(reopened).values()) == {1}
    reopened.store.close()


def test_a_batch_whose_position_another_process_recorded_first_writes_nothing(
    world: World, tmp_path: Path
) -> None:
    illegal_secondment(world)
    world.follower.catch_up()
    slow = world.supervision.supervisor
    batch = StoreSource(world.store).read(0, 1000)
    work = slow.judge(batch, in_order=True)
    assert work.changed()
    rival = World.open(tmp_path)  # another replica, its own connection to the same store
    rival.supervision.runner.catch_up()
    written = world.store.position()
    with pytest.raises(ConcurrentWrite):
        slow.save(work, Tracking(SUPERVISOR, batch[-1][0]))
    assert world.store.position() == written
    assert set(raised_counts(world).values()) == {1}
    rival.store.close()


def test_a_crash_before_the_commit_leaves_neither_findings_nor_position(world: World) -> None:
    illegal_secondment(world)
    world.follower.catch_up()
    supervisor = world.supervision.supervisor
    batch = StoreSource(world.store).read(0, 1000)
    work = supervisor.judge(batch, in_order=True)
    # the process dies here: the work is lost, nothing was saved
    assert (supervisor.position(), world.finding_events()) == (0, [])
    world.settle()
    assert set(raised_counts(world).values()) == {1}
    assert len(raised_counts(world)) == len(work.changed())


def test_two_supervisors_racing_over_one_store_record_each_finding_once(
    world: World, tmp_path: Path
) -> None:
    for n in range(6):
        world.cadre(f"A{n}", date(2025, 6, 1))
        world.services.personnel.second(
            CLERK, f"A{n}", host_unit="C2", start_date=date(2026, 1, 10), planned_end_date=None
        )
    world.follower.catch_up()
    replicas = [World.open(tmp_path) for _ in range(2)]
    for replica in replicas:
        replica.supervision.runner.batch_size = 3
    threads = [threading.Thread(target=r.supervision.runner.catch_up) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    world.settle()
    counts = raised_counts(world)
    assert len(counts) >= 6 * 4
    assert set(counts.values()) == {1}
    for replica in replicas:
        replica.store.close()


def test_finding_events_are_not_evaluated(world: World) -> None:
    illegal_secondment(world)
    world.settle()
    finding = world.finding("R-SEC-01")
    world.supervision.register.acknowledge(INSPECTOR, finding["finding_id"], note="核查中")
    position = world.store.position()
    world.settle()
    assert world.store.position() == position
    assert world.finding("R-SEC-01")["status"] == "acknowledged"


def test_a_secondee_returning_remedies_the_overdue_finding_on_the_return_date(
    world: World,
) -> None:
    sid = illegal_secondment(world)
    world.settle()
    world.services.personnel.end_secondment(
        CLERK, "A", sid, end_date=date(2026, 11, 26), reason="recalled"
    )
    world.settle()
    overdue = world.supervision.reads.get(world.finding("R-SEC-05")["finding_id"])
    assert (overdue["status"], overdue["remedied_on"]) == ("remedied", "2026-11-26")
    assert world.finding("R-SEC-01")["status"] == "open"  # still unapproved: not time-based


def test_a_back_dated_return_withdraws_the_overdue_finding(world: World) -> None:
    sid = illegal_secondment(world)
    world.settle()
    world.services.personnel.end_secondment(
        CLERK, "A", sid, end_date=date(2026, 6, 30), reason="completed"
    )
    world.settle()
    assert world.finding("R-SEC-05")["status"] == "withdrawn"


def test_an_extension_remedies_and_time_running_out_again_reraises(world: World) -> None:
    sid = illegal_secondment(world)
    world.settle()
    world.services.personnel.extend_secondment(
        CLERK, "A", sid, new_planned_end_date=date(2026, 12, 31), decided_on=date(2026, 11, 26),
        approval=Approval(Level.CITY, "市委组织部", "市组〔2026〕1号"),
    )  # fmt: skip
    world.settle()
    overdue = world.finding("R-SEC-05")
    assert overdue["status"] == "remedied"
    world.clock.advance(days=36)  # 2027-01-01
    tally = world.supervision.sweep()
    world.follower.catch_up()
    again = world.supervision.reads.get(overdue["finding_id"])
    assert again["status"] == "open"
    assert [s["event"] for s in again["history"]] == ["raised", "remedied", "reraised"]
    assert again["details"]["evaluated_as_of"] == "2027-01-01"
    assert tally.raised >= 1


def test_resolved_findings_stay_resolved_while_the_condition_persists(world: World) -> None:
    illegal_secondment(world)
    world.settle()
    warning = world.finding("R-SEC-07")
    world.supervision.register.resolve(
        INSPECTOR, warning["finding_id"], resolution="waived", note="专项工作需要",
        approval=CITY,
    )  # fmt: skip
    world.settle()
    world.supervision.sweep()
    world.follower.catch_up()
    assert world.finding("R-SEC-07")["status"] == "resolved"
    with pytest.raises(InvariantViolated, match="approval"):
        world.supervision.register.resolve(
            INSPECTOR, world.finding("R-SEC-01")["finding_id"], resolution="waived", note=""
        )


def test_an_acknowledged_finding_is_still_withdrawn_by_a_retraction(world: World) -> None:
    world.cadre("A", date(2024, 7, 1))
    moved = world.services.personnel.transfer(
        CLERK, "A", to_unit="T2", effective_date=date(2025, 1, 1)
    )
    world.settle()
    finding = world.finding("R-TOWN-01")
    world.supervision.register.acknowledge(INSPECTOR, finding["finding_id"], note="已约谈")
    world.retract("A", moved.position)
    world.settle()
    assert world.finding("R-TOWN-01")["status"] == "withdrawn"


def test_kafka_deliveries_are_observed_idempotently(world: World) -> None:
    illegal_secondment(world)
    world.follower.catch_up()
    notifications = world.store.recorder.select_notifications(start=1, limit=1000)
    events = [(n.id, world.store.decode(n)) for n in notifications]
    follower = world.supervision.follower
    delivered = Mark(None)  # from Kafka: the transport records the position
    follower.process(events, delivered)
    once = world.store.position()
    follower.process(events, delivered)
    follower.process(events[-1:], delivered)
    assert world.store.position() == once
    assert follower.positions() == {"supervision": 0}
    follower.record(once)
    assert follower.positions() == {"supervision": once}
    assert set(raised_counts(world).values()) == {1}


def test_back_testing_records_nothing_and_travels_in_both_times(world: World) -> None:
    world.cadre("A", date(2024, 7, 1))
    moved = world.services.personnel.transfer(
        CLERK, "A", to_unit="T2", effective_date=date(2025, 1, 1)
    )
    recorded = world.clock.now()
    world.clock.advance(hours=1)
    world.retract("A", moved.position)
    before = world.store.position()
    evaluate = world.supervision.evaluate
    rules = lambda found: {f["rule"] for f in found}  # noqa: E731
    assert "R-TOWN-01" in rules(evaluate("cadre", "A", date(2025, 6, 1), recorded))
    assert "R-TOWN-01" not in rules(evaluate("cadre", "A", date(2024, 12, 31), recorded))
    assert "R-TOWN-01" not in rules(evaluate("cadre", "A", date(2025, 6, 1), None))
    assert world.store.position() == before
    assert world.finding_events() == []


def test_a_scheduled_entry_is_judged_by_the_sweep_once_it_takes_effect(world: World) -> None:
    world.cadre("A", date(2025, 7, 1))
    world.services.personnel.transfer(CLERK, "A", to_unit="T2", effective_date=date(2026, 12, 15))
    world.settle()
    assert world.findings("R-TOWN-01") == []
    world.supervision.sweep()
    world.clock.advance(days=20)  # 2026-12-16
    tally = world.supervision.sweep()
    world.follower.catch_up()
    assert world.finding("R-TOWN-01")["status"] == "open"
    assert tally.raised == 1


def test_a_sweep_judges_the_township_of_scheduled_entries_once_they_take_effect(
    world: World,
) -> None:
    # The sweep judges a township once, after its cadres: here their entries, in chunks of
    # one cadre each, make a team that no event of the unit's own marks.
    world.supervision.sweeper.chunk = 1
    world.cadre("M0", date(2015, 1, 1))
    world.cadre("M1", date(2025, 1, 1))
    world.cadre("M2", date(2025, 1, 1))
    world.appoint("M0", date(2026, 6, 1), kind="lateral", post="P1")
    world.settle()
    world.supervision.sweep()
    for code, post in (("M1", "P2"), ("M2", "P3")):  # recorded ahead of their day
        world.appoint(code, date(2026, 12, 15), kind="lateral", post=post)
    world.settle()
    assert world.findings("R-TOWN-04") == []
    world.clock.advance(days=20)  # 2026-12-16: the team is M0, M1 and M2
    told: list[tuple[int, int]] = []
    world.supervision.sweep(on_progress=lambda done, total: told.append((done, total)))
    world.follower.catch_up()
    assert [done for done, _ in told] == list(range(1, len(told) + 1))  # a chunk is a subject
    assert told[-1][0] == told[-1][1] >= 3  # M1, M2, then T1 they named
    team = world.finding("R-TOWN-04")
    assert (team["subject"]["code"], team["details"]["share"]) == ("T1", "1/3")
    raised = [e for e in world.finding_events() if e[2] == "FindingRaised"]
    assert [e[1] for e in raised].count(team["finding_id"]) == 1


def test_a_sweep_refuses_a_future_date(world: World) -> None:
    from domain.errors import InvalidValue

    with pytest.raises(InvalidValue, match="after today"):
        world.supervision.sweep(date(2026, 11, 27))


def test_the_daily_sweep_is_due_once_a_day(world: World) -> None:
    daily = world.supervision.daily
    assert daily.due()
    world.supervision.sweep()
    assert not daily.due()
    world.clock.advance(days=1)
    assert daily.due()


def test_a_township_team_finding_is_remedied_as_service_accrues(world: World) -> None:
    world.cadre("M0", date(2015, 1, 1))
    world.cadre("M1", date(2025, 1, 1))
    world.appoint("M0", date(2026, 6, 1), kind="lateral", post="P1")
    world.appoint("M1", date(2026, 6, 1), kind="lateral", post="P2")
    world.settle()
    team = world.finding("R-TOWN-04")
    assert (team["subject"], team["details"]["share"]) == ({"kind": "unit", "code": "T1"}, "1/2")
    world.clock.advance(days=36)  # 2027-01-01: M1 has served two years
    world.supervision.sweep()
    world.follower.catch_up()
    assert world.finding("R-TOWN-04")["status"] == "remedied"
