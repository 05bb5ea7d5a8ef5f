"""Retractions (更正) and back-dated entries (补录): the history stays consistent."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain import cadre_events as ev
from domain.errors import InvalidValue, InvariantViolated
from domain.ids import cadre_id
from tests.support.domain import CLERK, Refusal, World


def retract(world: World, position: int, code: str = "A001") -> Any:
    return world.personnel.retract(CLERK, code, position=position, reason="录入错误")


def second(world: World, start: date = date(2021, 3, 1), host: str = "C1") -> Any:
    return world.personnel.second(CLERK, "A001", host_unit=host, start_date=start)


def appoint(world: World, post: str, on: date) -> Any:
    return world.personnel.appoint(
        CLERK, "A001", unit="T1", post=post, effective_date=on, kind="promotion",
        decided_on=on, document_no=f"镇委〔{on.year}〕{post}号",
    )  # fmt: skip


def remove(world: World, post: str, on: date) -> Any:
    return world.personnel.remove(
        CLERK, "A001", unit="T1", post=post, effective_date=on, reason="调整"
    )


def stored_types(world: World, code: str = "A001") -> list[str]:
    return [type(e).__name__ for e in world.store.events.get(cadre_id(code))]


# -- what a retraction may name --------------------------------------------------------------


@pytest.mark.parametrize("position", [0, -1, 10_000])
def test_a_retraction_of_an_unknown_position_is_refused(
    world: World, refused: Refusal, position: int
) -> None:
    with refused(InvariantViolated):
        retract(world, position)


def test_a_retraction_of_another_cadres_event_is_refused(world: World, refused: Refusal) -> None:
    world.add_cadre("B002")
    theirs = world.personnel.admonish(
        CLERK, "B002", on=date(2024, 1, 1), authority="县纪委", reason="x"
    )
    with refused(InvariantViolated, match="not cadre A001's"):
        retract(world, theirs.position)
    unit_event = world.organisation.rename_unit(
        CLERK, "T1", name="某街道", effective_date=date(2024, 1, 1)
    )
    with refused(InvariantViolated, match="not cadre A001's"):
        retract(world, unit_event.position)
    retract(world, theirs.position, code="B002")


def test_the_registration_cannot_be_retracted(world: World, refused: Refusal) -> None:
    registration = world.store.position() - 1  # register_cadre, then recruit
    assert world.event_at(registration).__class__ is ev.CadreRegistered
    with refused(InvariantViolated, match="not a retractable event"):
        retract(world, registration)


def test_a_retraction_cannot_be_retracted(world: World, refused: Refusal) -> None:
    seconded = second(world)
    retraction = retract(world, seconded.position)
    with refused(InvariantViolated, match="not a retractable event"):
        retract(world, retraction.position)


def test_an_event_is_retracted_at_most_once(world: World, refused: Refusal) -> None:
    seconded = second(world)
    retract(world, seconded.position)
    with refused(InvariantViolated, match="retracted already"):
        retract(world, seconded.position)


def test_a_retraction_needs_a_reason(world: World, refused: Refusal) -> None:
    seconded = second(world)
    with refused(InvalidValue, match="needs a reason"):
        world.personnel.retract(CLERK, "A001", position=seconded.position, reason="  ")


# -- what later events rest on ---------------------------------------------------------------


def test_an_event_later_events_rest_on_cannot_be_retracted_before_them(
    world: World, refused: Refusal
) -> None:
    seconded = second(world)
    ended = world.personnel.end_secondment(
        CLERK, "A001", seconded.ids["secondment_id"], end_date=date(2021, 9, 1), reason="completed"
    )
    with refused(InvariantViolated, match="later events rest on"):
        retract(world, seconded.position)

    retract(world, ended.position)
    assert world.cadre().state.active_secondment == seconded.ids["secondment_id"]
    retract(world, seconded.position)
    state = world.cadre().state
    assert state.active_secondment is None and state.secondments == {}


def test_a_transfer_a_later_transfer_rests_on_cannot_be_retracted(
    world: World, refused: Refusal
) -> None:
    away = world.personnel.transfer(CLERK, "A001", to_unit="C1", effective_date=date(2022, 1, 1))
    world.personnel.transfer(CLERK, "A001", to_unit="T1", effective_date=date(2023, 1, 1))
    with refused(InvariantViolated, match="later events rest on"):
        retract(world, away.position)


def test_a_recruitment_the_probation_rests_on_cannot_be_retracted(
    world: World, refused: Refusal
) -> None:
    world.personnel.complete_probation(CLERK, "A001", effective_date=date(2021, 7, 1))
    with refused(InvariantViolated, match="later events rest on"):
        retract(world, world.recruited.position)


# -- what a retraction undoes ----------------------------------------------------------------


def test_retracting_a_secondment_removes_it_while_the_event_stays_stored(world: World) -> None:
    seconded = second(world)
    retraction = retract(world, seconded.position)

    cadre = world.cadre()
    assert cadre.state.active_secondment is None and cadre.state.secondments == {}
    assert cadre.retracted == {3: 4}  # version 3 (Seconded) voided by version 4
    assert stored_types(world) == [
        "CadreRegistered", "Recruited", "Seconded", "EntryRetracted"
    ]  # fmt: skip
    still_there = world.event_at(seconded.position)
    assert isinstance(still_there, ev.Seconded)
    assert still_there.secondment_id == seconded.ids["secondment_id"]
    recorded = world.event_at(retraction.position)
    assert isinstance(recorded, ev.EntryRetracted)
    assert (recorded.position, recorded.retracted_version, recorded.retracted_type) == (
        seconded.position, 3, "Seconded",
    )  # fmt: skip
    assert recorded.reason == "录入错误"


def test_after_a_retraction_the_cadre_can_be_seconded_again(world: World) -> None:
    retract(world, second(world, date(2021, 3, 1)).position)
    again = second(world, date(2020, 9, 1))  # earlier than the voided one: nothing collides
    assert world.cadre().state.active_secondment == again.ids["secondment_id"]


def test_retracting_an_appointment_removes_the_post(world: World) -> None:
    appointed = appoint(world, "P1", date(2023, 1, 5))
    retract(world, appointed.position)
    assert world.cadre().state.posts == {}
    appoint(world, "P1", date(2023, 2, 1))
    assert world.cadre().state.posts == {("T1", "P1"): date(2023, 2, 1)}


def test_retracting_a_transfer_brings_the_home_unit_back(world: World) -> None:
    moved = world.personnel.transfer(CLERK, "A001", to_unit="C1", effective_date=date(2022, 1, 1))
    assert world.cadre().state.home_unit == "C1"
    retract(world, moved.position)
    assert world.cadre().state.home_unit == "T1"


def test_retracting_a_removal_gives_the_post_back(world: World) -> None:
    appoint(world, "P1", date(2023, 1, 5))
    removal = remove(world, "P1", date(2024, 1, 5))
    retract(world, removal.position)
    assert world.cadre().state.posts == {("T1", "P1"): date(2023, 1, 5)}


def test_retracting_the_recruitment_clears_home_unit_and_recruitment(world: World) -> None:
    retract(world, world.recruited.position)
    state = world.cadre().state
    assert (state.home_unit, state.recruitment) == (None, None)


# -- back-dated entries (补录) ----------------------------------------------------------------


def test_a_back_dated_removal_before_a_later_appointment_is_inserted(world: World) -> None:
    appoint(world, "P1", date(2021, 1, 1))
    appoint(world, "P2", date(2023, 1, 1))
    remove(world, "P1", date(2022, 1, 1))  # recorded last, effective in between
    cadre = world.cadre()
    assert cadre.state.posts == {("T1", "P2"): date(2023, 1, 1)}
    assert [type(f).__name__ for f in cadre.facts] == [
        "Recruited", "Appointed", "Appointed", "Removed"
    ]  # fmt: skip


def test_a_back_dated_secondment_end_before_a_later_event_is_inserted(world: World) -> None:
    sid = second(world).ids["secondment_id"]
    appoint(world, "P1", date(2023, 1, 1))
    world.personnel.end_secondment(CLERK, "A001", sid, end_date=date(2022, 1, 1), reason="cleanup")
    state = world.cadre().state
    assert state.active_secondment is None
    assert state.secondments[sid].end_date == date(2022, 1, 1)


def test_a_back_dated_removal_that_would_break_a_later_removal_is_refused(
    world: World, refused: Refusal
) -> None:
    appoint(world, "P1", date(2021, 1, 1))
    remove(world, "P1", date(2023, 1, 1))
    with refused(InvariantViolated, match="does not hold post T1/P1"):
        remove(world, "P1", date(2022, 1, 1))


def test_a_back_dated_secondment_under_a_later_one_is_refused(
    world: World, refused: Refusal
) -> None:
    first = second(world, date(2021, 3, 1))
    world.personnel.end_secondment(
        CLERK, "A001", first.ids["secondment_id"], end_date=date(2021, 6, 1), reason="completed"
    )
    second(world, date(2022, 1, 1))
    with refused(InvariantViolated, match="active secondment already"):
        second(world, date(2020, 9, 1), host="C2")


def test_a_back_dated_appointment_to_a_post_held_later_is_refused(
    world: World, refused: Refusal
) -> None:
    appoint(world, "P1", date(2023, 1, 1))
    appoint(world, "P2", date(2024, 1, 1))
    with refused(InvariantViolated, match="holds post T1/P1 already"):
        appoint(world, "P1", date(2022, 6, 1))


def test_a_back_dated_appointment_before_a_removal_that_needs_it_is_accepted(
    world: World,
) -> None:
    appoint(world, "P2", date(2024, 1, 1))
    appoint(world, "P1", date(2021, 1, 1))
    remove(world, "P1", date(2022, 1, 1))
    assert set(world.cadre().state.posts) == {("T1", "P2")}


def test_a_back_dated_extension_decided_before_the_end_is_inserted(world: World) -> None:
    sid = second(world, date(2021, 3, 1)).ids["secondment_id"]
    world.personnel.end_secondment(
        CLERK, "A001", sid, end_date=date(2021, 9, 1), reason="completed"
    )
    world.personnel.extend_secondment(
        CLERK, "A001", sid, new_planned_end_date=date(2022, 1, 1), decided_on=date(2021, 8, 1)
    )
    secondment = world.cadre().state.secondments[sid]
    assert (secondment.planned_end_date, secondment.end_date) == (
        date(2022, 1, 1),
        date(2021, 9, 1),
    )
    assert [e["decided_on"] for e in secondment.extensions] == [date(2021, 8, 1)]
