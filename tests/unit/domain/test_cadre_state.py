"""Every cadre event's effect on the state, and the state "as of" a date and "known at" a time."""

from __future__ import annotations

from datetime import date

import pytest

from domain import cadre_events as ev
from domain.cadre import state_as_of
from domain.cadre_state import CadreState, fold
from domain.ids import cadre_id
from domain.values import Approval, Level
from tests.support.domain import CLERK, World

APPROVAL = Approval(Level.COUNTY, "县委组织部", "县组〔2021〕9号")


def history(world: World, code: str = "A001") -> list[ev.CadreEvent]:
    """Every stored event of the cadre after its registration."""
    return list(world.store.events.get(cadre_id(code)))[1:]


def test_registration_opens_an_empty_record(world: World) -> None:
    world.personnel.register_cadre(
        CLERK, code="B002", name="王五", gender="male", birth_date=date(1990, 1, 2),
        growth_place="某省某县",
    )  # fmt: skip
    cadre = world.cadre("B002")
    assert (cadre.code, cadre.name, cadre.gender, cadre.birth_date, cadre.growth_place) == (
        "B002", "王五", "male", date(1990, 1, 2), "某省某县",
    )  # fmt: skip
    assert cadre.state == CadreState(code="B002", name="王五")
    assert cadre.version == 1


def test_recruitment_sets_the_home_unit_and_the_recruitment(world: World) -> None:
    state = world.cadre().state
    assert state.home_unit == "T1"
    assert state.recruitment == {
        "unit": "T1",
        "unit_level": "township",
        "effective_date": date(2020, 7, 1),
        "channel": "exam",
        "probation_months": 12,
        "probation_completed": None,
    }


def test_probation_completion_is_dated_on_the_recruitment(world: World) -> None:
    world.personnel.complete_probation(CLERK, "A001", effective_date=date(2021, 7, 1))
    recruitment = world.cadre().state.recruitment
    assert recruitment is not None
    assert recruitment["probation_completed"] == date(2021, 7, 1)


def test_appointment_and_removal_add_and_remove_the_post(world: World) -> None:
    world.personnel.appoint(
        CLERK, "A001", unit="T1", post="P1", effective_date=date(2023, 1, 5), kind="promotion",
        decided_on=date(2023, 1, 1), document_no="镇委〔2023〕1号",
        procedure={"preview_notice": date(2022, 12, 1), "democratic_evaluation": date(2022, 12, 5)},
        public_notice={"start": date(2022, 12, 10), "end": date(2022, 12, 16)},
        integrity_talk=date(2023, 1, 4),
    )  # fmt: skip
    assert world.cadre().state.posts == {("T1", "P1"): date(2023, 1, 5)}
    appointed = history(world)[-1]
    assert isinstance(appointed, ev.Appointed)
    assert appointed.procedure == {
        "preview_notice": date(2022, 12, 1),
        "democratic_evaluation": date(2022, 12, 5),
        "individual_talks": None,
        "records_review": None,
    }
    assert (appointed.unit_level, appointed.post_category, appointed.team_member) == (
        "township", "leadership", False,
    )  # fmt: skip

    world.personnel.remove(
        CLERK, "A001", unit="T1", post="P1", effective_date=date(2024, 3, 1), reason="调整"
    )
    assert world.cadre().state.posts == {}


def test_transfer_changes_the_home_unit_and_records_both_levels(world: World) -> None:
    world.personnel.transfer(
        CLERK, "A001", to_unit="C1", effective_date=date(2022, 1, 1), approval=APPROVAL
    )
    assert world.cadre().state.home_unit == "C1"
    transferred = history(world)[-1]
    assert isinstance(transferred, ev.Transferred)
    assert (transferred.from_unit, transferred.from_level) == ("T1", "township")
    assert (transferred.to_unit, transferred.to_level) == ("C1", "county")
    assert Approval.from_dict(transferred.approval) == APPROVAL


def test_secondment_start_extension_and_end(world: World) -> None:
    sid = world.personnel.second(
        CLERK, "A001", host_unit="C1", start_date=date(2021, 3, 1),
        planned_end_date=date(2021, 9, 1), purpose="脱贫攻坚", approval=APPROVAL,
    ).ids["secondment_id"]  # fmt: skip
    state = world.cadre().state
    assert state.active_secondment == sid
    secondment = state.secondment()
    assert secondment is not None
    assert (secondment.home_unit, secondment.home_level) == ("T1", "township")
    assert (secondment.host_unit, secondment.host_level) == ("C1", "county")
    assert (secondment.start_date, secondment.planned_end_date) == (
        date(2021, 3, 1), date(2021, 9, 1),
    )  # fmt: skip
    assert (secondment.purpose, secondment.approval) == ("脱贫攻坚", APPROVAL.as_dict())
    assert state.home_unit == "T1", "a secondment keeps the home unit"

    world.personnel.extend_secondment(
        CLERK, "A001", sid, new_planned_end_date=date(2022, 3, 1), decided_on=date(2021, 8, 20)
    )
    extended = world.cadre().state.secondments[sid]
    assert extended.planned_end_date == date(2022, 3, 1)
    assert extended.extensions == [
        {
            "decided_on": date(2021, 8, 20),
            "new_planned_end_date": date(2022, 3, 1),
            "approval": None,
        }
    ]

    world.personnel.end_secondment(CLERK, "A001", sid, end_date=date(2022, 2, 1), reason="recalled")
    state = world.cadre().state
    assert state.active_secondment is None and state.secondment() is None
    assert (state.secondments[sid].end_date, state.secondments[sid].end_reason) == (
        date(2022, 2, 1), "recalled",
    )  # fmt: skip
    assert not state.secondments[sid].active


def test_an_extension_decided_without_a_date_is_decided_today(world: World) -> None:
    sid = world.personnel.second(CLERK, "A001", host_unit="C1", start_date=date(2026, 3, 1)).ids[
        "secondment_id"
    ]
    world.personnel.extend_secondment(CLERK, "A001", sid, new_planned_end_date=date(2027, 3, 1))
    assert world.cadre().state.secondments[sid].extensions[0]["decided_on"] == world.clock.today()


@pytest.mark.parametrize(("recalled", "reason"), [(False, "completed"), (True, "recalled")])
def test_dispatch_and_its_end_or_recall(world: World, recalled: bool, reason: str) -> None:
    did = world.personnel.dispatch(
        CLERK, "A001", village_unit="V1", role="first_secretary", start_date=date(2022, 3, 1),
        planned_end_date=date(2024, 3, 1),
    ).ids["dispatch_id"]  # fmt: skip
    state = world.cadre().state
    dispatch = state.dispatch()
    assert state.active_dispatch == did and dispatch is not None
    assert (dispatch.village_unit, dispatch.role, dispatch.start_date) == (
        "V1", "first_secretary", date(2022, 3, 1),
    )  # fmt: skip

    world.personnel.end_dispatch(
        CLERK, "A001", did, on=date(2023, 3, 1), reason="期满", recalled=recalled
    )
    state = world.cadre().state
    assert state.active_dispatch is None and state.dispatch() is None
    assert (state.dispatches[did].end_date, state.dispatches[did].end_reason) == (
        date(2023, 3, 1), reason,
    )  # fmt: skip
    expected = ev.DispatchRecalled if recalled else ev.DispatchEnded
    assert type(history(world)[-1]) is expected


def test_investigations_open_and_close(world: World) -> None:
    iid = world.personnel.open_investigation(
        CLERK, "A001", opened_on=date(2024, 5, 1), authority="县纪委监委"
    ).ids["investigation_id"]
    assert world.cadre().state.open_investigations == {iid: date(2024, 5, 1)}
    world.personnel.close_investigation(
        CLERK, "A001", iid, closed_on=date(2024, 8, 1), outcome="不予处分"
    )
    assert world.cadre().state.open_investigations == {}


def test_departure_ends_active_service(world: World) -> None:
    world.personnel.depart(CLERK, "A001", effective_date=date(2026, 1, 31), reason="辞职")
    state = world.cadre().state
    assert (state.status, state.departed_on) == ("departed", date(2026, 1, 31))


def test_record_only_events_leave_the_state_unchanged_but_are_on_record(world: World) -> None:
    before = world.cadre().state
    world.personnel.admonish(CLERK, "A001", on=date(2024, 1, 2), authority="县纪委", reason="迟到")
    world.personnel.sanction(
        CLERK, "A001", on=date(2024, 2, 2), kind="party_warning", authority="县纪委", reason="违规"
    )
    world.personnel.record_review(CLERK, "A001", year=2024, rating="competent")
    world.personnel.record_training(
        CLERK, "A001", start_date=date(2024, 4, 1), days=5, topic="党纪学习"
    )
    cadre = world.cadre()
    assert cadre.state == before
    recorded = [type(e) for e in history(world)[-4:]]
    assert recorded == [ev.Admonished, ev.Sanctioned, ev.AnnualReviewRecorded, ev.TrainingRecorded]
    review = history(world)[-2]
    assert isinstance(review, ev.AnnualReviewRecorded)
    assert review.effective == date(2024, 12, 31)


def test_events_fold_in_effective_date_order_not_recording_order(world: World) -> None:
    # Recorded: the transfer to C1 (2023), then the earlier transfer to T2 (2022, back-dated).
    world.personnel.transfer(CLERK, "A001", to_unit="C1", effective_date=date(2023, 1, 1))
    world.personnel.transfer(CLERK, "A001", to_unit="T2", effective_date=date(2022, 1, 1))
    assert world.cadre().state.home_unit == "C1"


def test_the_aggregate_state_is_the_fold_of_its_history(world: World) -> None:
    sid = world.personnel.second(CLERK, "A001", host_unit="C1", start_date=date(2021, 3, 1)).ids[
        "secondment_id"
    ]
    world.personnel.appoint(
        CLERK, "A001", unit="T1", post="P1", effective_date=date(2021, 5, 1), kind="lateral",
        decided_on=date(2021, 4, 1), document_no="x",
    )  # fmt: skip
    world.personnel.end_secondment(
        CLERK, "A001", sid, end_date=date(2021, 4, 1), reason="completed"
    )
    cadre = world.cadre()
    assert cadre.state == fold(CadreState(code="A001", name="李四"), history(world), strict=True)
    registered = next(iter(world.store.events.get(cadre_id("A001"))))
    assert isinstance(registered, ev.CadreRegistered)
    assert state_as_of(registered, history(world), None) == cadre.state


def test_state_as_of_a_date_folds_only_what_was_effective_by_then(world: World) -> None:
    sid = world.personnel.second(CLERK, "A001", host_unit="C1", start_date=date(2021, 3, 1)).ids[
        "secondment_id"
    ]
    world.personnel.end_secondment(
        CLERK, "A001", sid, end_date=date(2021, 9, 1), reason="completed"
    )
    registered = next(iter(world.store.events.get(cadre_id("A001"))))
    assert isinstance(registered, ev.CadreRegistered)

    def as_of(day: date) -> CadreState:
        return state_as_of(registered, history(world), day)

    assert as_of(date(2020, 6, 30)).home_unit is None
    assert as_of(date(2021, 2, 28)).active_secondment is None
    assert as_of(date(2021, 3, 1)).active_secondment == sid
    assert as_of(date(2021, 8, 31)).active_secondment == sid
    assert as_of(date(2021, 9, 1)).active_secondment is None


def test_state_known_at_a_time_ignores_later_recordings_and_retractions(world: World) -> None:
    world.clock.advance(days=1)
    written = world.personnel.second(CLERK, "A001", host_unit="C1", start_date=date(2021, 3, 1))
    known_with_secondment = world.clock.now()
    world.clock.advance(days=1)
    world.personnel.retract(CLERK, "A001", position=written.position, reason="录入错误")
    registered, *events = world.store.events.get(cadre_id("A001"))
    assert isinstance(registered, ev.CadreRegistered)

    def known_at(instant: object) -> CadreState:
        return state_as_of(registered, [e for e in events if e.timestamp <= instant], None)

    assert known_at(known_with_secondment).active_secondment == written.ids["secondment_id"]
    assert known_at(world.clock.now()).active_secondment is None
    assert known_at(world.clock.now()) == world.cadre().state
