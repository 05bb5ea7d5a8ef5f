"""The audit trail: who recorded each event and when, deterministic ids, nothing half-written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.errors import AlreadyRegistered, InvalidValue, InvariantViolated
from domain.ids import cadre_id, complaint_id, finding_id, unit_id
from domain.values import Approval, Level
from tests.support.domain import CLERK, Refusal, World

BY = "clerk-recorder-7"
Command = Callable[[World], Any]


def _seconded(w: World) -> str:
    sid: str = w.personnel.second(CLERK, "A001", host_unit="C1", start_date=date(2021, 3, 1)).ids[
        "secondment_id"
    ]
    return sid


def _dispatched(w: World) -> str:
    did: str = w.personnel.dispatch(
        CLERK, "A001", village_unit="V1", role="work_team", start_date=date(2022, 1, 1),
        planned_end_date=date(2023, 1, 1),
    ).ids["dispatch_id"]  # fmt: skip
    return did


def _investigated(w: World) -> str:
    iid: str = w.personnel.open_investigation(
        CLERK, "A001", opened_on=date(2024, 1, 1), authority="县纪委"
    ).ids["investigation_id"]
    return iid


def _appointed(w: World) -> str:
    w.personnel.appoint(
        CLERK, "A001", unit="T1", post="P1", effective_date=date(2023, 1, 5), kind="promotion",
        decided_on=date(2023, 1, 1), document_no="x",
    )  # fmt: skip
    return "A001"


def _registered(w: World) -> str:
    w.personnel.register_cadre(
        CLERK, code="B002", name="王五", gender="male", birth_date=date(1990, 1, 1)
    )
    return "B002"


def _complaint(w: World, accepted: bool = False, declined: bool = False) -> str:
    cid: str = w.complaints.file(
        "intake", category="c", title="t", body="b", named=False, channel="letter"
    ).ids["complaint_id"]
    if accepted:
        w.complaints.accept(CLERK, cid, on=w.clock.today(), handler_unit="县纪委")
    if declined:
        w.complaints.decline(CLERK, cid, on=w.clock.today(), reason="不属受理范围")
    return cid


# Each entry prepares what the command needs (as CLERK), then runs the command as BY.
COMMANDS: dict[str, Command] = {
    "register_unit": lambda w: w.organisation.register_unit(
        BY, code="T9", name="镇", level="township", kind="government", parent="C1"
    ),
    "rename_unit": lambda w: w.organisation.rename_unit(
        BY, "T1", name="街道", effective_date=date(2025, 1, 1)
    ),
    "establish_post": lambda w: w.organisation.establish_post(
        BY, "T1", code="P5", title="镇长", category="leadership"
    ),
    "abolish_post": lambda w: w.organisation.abolish_post(
        BY, "T1", code="P1", effective_date=date(2025, 1, 1)
    ),
    "abolish_unit": lambda w: w.organisation.abolish_unit(
        BY, "T2", effective_date=date(2025, 1, 1), merged_into="T1"
    ),
    "register_cadre": lambda w: w.personnel.register_cadre(
        BY, code="B002", name="王五", gender="male", birth_date=date(1990, 1, 1)
    ),
    "recruit": lambda w: w.personnel.recruit(
        BY, _registered(w), effective_date=date(2021, 1, 1), unit="T1", channel="targeted"
    ),
    "complete_probation": lambda w: w.personnel.complete_probation(
        BY, "A001", effective_date=date(2021, 7, 1)
    ),
    "appoint": lambda w: w.personnel.appoint(
        BY, "A001", unit="T1", post="P1", effective_date=date(2023, 1, 5), kind="promotion",
        decided_on=date(2023, 1, 1), document_no="x",
    ),
    "remove": lambda w: w.personnel.remove(
        BY, _appointed(w), unit="T1", post="P1", effective_date=date(2024, 1, 1), reason="调整"
    ),
    "transfer": lambda w: w.personnel.transfer(
        BY, "A001", to_unit="C1", effective_date=date(2024, 1, 1),
        approval=Approval(Level.COUNTY, "县委组织部", "x"),
    ),
    "second": lambda w: w.personnel.second(BY, "A001", host_unit="C1", start_date=date(2021, 3, 1)),
    "extend_secondment": lambda w: w.personnel.extend_secondment(
        BY, "A001", _seconded(w), new_planned_end_date=date(2022, 3, 1)
    ),
    "end_secondment": lambda w: w.personnel.end_secondment(
        BY, "A001", _seconded(w), end_date=date(2021, 9, 1), reason="completed"
    ),
    "dispatch": lambda w: w.personnel.dispatch(
        BY, "A001", village_unit="V1", role="first_secretary", start_date=date(2022, 1, 1),
        planned_end_date=date(2024, 1, 1),
    ),
    "end_dispatch": lambda w: w.personnel.end_dispatch(
        BY, "A001", _dispatched(w), on=date(2022, 6, 1), reason="召回", recalled=True
    ),
    "admonish": lambda w: w.personnel.admonish(
        BY, "A001", on=date(2024, 1, 1), authority="a", reason="r"
    ),
    "sanction": lambda w: w.personnel.sanction(
        BY, "A001", on=date(2024, 1, 1), kind="demerit", authority="a", reason="r"
    ),
    "open_investigation": lambda w: w.personnel.open_investigation(
        BY, "A001", opened_on=date(2024, 1, 1), authority="县纪委"
    ),
    "close_investigation": lambda w: w.personnel.close_investigation(
        BY, "A001", _investigated(w), closed_on=date(2024, 3, 1), outcome="结案"
    ),
    "record_review": lambda w: w.personnel.record_review(BY, "A001", year=2025, rating="excellent"),
    "record_training": lambda w: w.personnel.record_training(
        BY, "A001", start_date=date(2024, 1, 1), days=2, topic="t"
    ),
    "depart": lambda w: w.personnel.depart(BY, "A001", effective_date=date(2026, 1, 1), reason="r"),
    "retract": lambda w: w.personnel.retract(BY, "A001", position=w.recruited.position, reason="r"),
    "file_complaint": lambda w: w.complaints.file(
        BY, category="c", title="t", body="b", named=True, reporter={"name": "王五", "phone": "1"}
    ),
    "accept": lambda w: w.complaints.accept(
        BY, _complaint(w), on=date(2026, 11, 26), handler_unit="h"
    ),
    "decline": lambda w: w.complaints.decline(BY, _complaint(w), on=date(2026, 11, 26), reason="r"),
    "forward": lambda w: w.complaints.forward(
        BY, _complaint(w), on=date(2026, 11, 26), to_authority="a"
    ),
    "extend_complaint": lambda w: w.complaints.extend(BY, _complaint(w, True), days=5, reason="r"),
    "conclude": lambda w: w.complaints.conclude(
        BY, _complaint(w, True), on=date(2026, 11, 26), finding="unsubstantiated", summary="s"
    ),
    "notify_reporter": lambda w: w.complaints.notify_reporter(
        BY, _complaint(w, declined=True), on=date(2026, 11, 26), method="电话"
    ),
    "add_note": lambda w: w.complaints.add_note(BY, _complaint(w), text="n"),
    "message_reporter": lambda w: w.complaints.message_reporter(BY, _complaint(w), text="m"),
}  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_command_records_who_and_the_clocks_time(world: World, command: Command) -> None:
    world.clock.advance(hours=3, minutes=17, seconds=5)
    written = command(world)
    event = world.event_at(written.position)
    assert event.recorded_by == BY
    assert event.timestamp == world.clock.now()
    assert written.position == world.store.position()
    assert event.originator_version == written.version


def test_a_message_from_the_reporter_is_recorded_by_public(world: World) -> None:
    receipt = world.complaints.file("intake", category="c", title="t", body="b", named=False).ids[
        "receipt"
    ]
    world.clock.advance(days=2)
    written = world.complaints.message_from_reporter(receipt, text="补充")
    event = world.event_at(written.position)
    assert (event.recorded_by, event.timestamp) == ("public", world.clock.now())


@pytest.mark.parametrize("by", ["", None])
def test_a_command_without_a_recorder_is_invalid(world: World, refused: Refusal, by: Any) -> None:
    with refused(InvalidValue, match="who recorded it"):
        world.personnel.admonish(by, "A001", on=date(2024, 1, 1), authority="a", reason="r")


# -- deterministic ids -----------------------------------------------------------------------


def test_ids_derive_deterministically_from_codes() -> None:
    # Pinned: changing a namespace would orphan every stored aggregate.
    assert cadre_id("X") == cadre_id("X") == UUID("64ec566d-14e0-5f2d-854d-e6fb2a5a3934")
    assert unit_id("X") == UUID("047b17cf-beac-5675-9d62-e4c10087bf8a")
    assert len({cadre_id("X"), unit_id("X"), cadre_id("Y"), complaint_id("X")}) == 4
    assert finding_id("R", "cadre:X", "a") == finding_id("R", "cadre:X", "a")
    assert finding_id("R", "cadre:X", "a") != finding_id("R", "cadre:X", "b")


def test_registering_a_cadre_twice_is_already_registered(world: World, refused: Refusal) -> None:
    assert world.cadre().id == cadre_id("A001")
    with refused(AlreadyRegistered, match="cadre A001 is registered already"):
        world.personnel.register_cadre(
            CLERK, code="A001", name="另一人", gender="male", birth_date=date(1990, 1, 1)
        )


def test_server_made_ids_are_stable_for_the_same_history(memory_world: Any) -> None:
    ids = []
    for _ in range(2):
        w = memory_world()
        ids.append(
            (
                _seconded(w),
                _dispatched(w),
                _investigated(w),
            )
        )
    assert ids[0] == ids[1]
    assert len(set(ids[0])) == 3


# -- a failed command writes nothing ---------------------------------------------------------


def test_a_refused_back_dated_entry_leaves_store_and_aggregate_untouched(
    world: World, refused: Refusal
) -> None:
    """The refusal comes from re-folding the whole history, after the event was built."""
    _seconded(world)
    _appointed(world)
    before = world.cadre()
    with refused(InvariantViolated):
        world.personnel.second(CLERK, "A001", host_unit="C2", start_date=date(2021, 6, 1))
    after = world.cadre()
    assert (after.version, after.state, len(after.facts)) == (
        before.version, before.state, len(before.facts),
    )  # fmt: skip
