"""The Cadre aggregate's invariants (DOMAIN.md): refused commands are 409 and write nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.errors import InvalidValue, InvariantViolated, UnknownReference
from tests.support.domain import CLERK, Refusal, World

# -- effective dates: a real date, not after today + 1 year -----------------------------------

ONE_YEAR_AHEAD = date(2027, 11, 26)
ONE_DAY_TOO_FAR = date(2027, 11, 27)

DatedCommand = Callable[[World, date], Any]

DATED_COMMANDS: dict[str, DatedCommand] = {
    "appoint": lambda w, d: w.personnel.appoint(
        CLERK, "A001", unit="T1", post="P1", effective_date=d, kind="promotion",
        decided_on=date(2026, 11, 1), document_no="镇委〔2026〕1号",
    ),
    "second": lambda w, d: w.personnel.second(CLERK, "A001", host_unit="C1", start_date=d),
    "transfer": lambda w, d: w.personnel.transfer(CLERK, "A001", to_unit="T2", effective_date=d),
    "dispatch": lambda w, d: w.personnel.dispatch(
        CLERK, "A001", village_unit="V1", role="work_team", start_date=d,
        planned_end_date=date(2029, 1, 1),
    ),
    "admonish": lambda w, d: w.personnel.admonish(
        CLERK, "A001", on=d, authority="县纪委", reason="迟到"
    ),
    "sanction": lambda w, d: w.personnel.sanction(
        CLERK, "A001", on=d, kind="warning", authority="县纪委", reason="违规"
    ),
    "open_investigation": lambda w, d: w.personnel.open_investigation(
        CLERK, "A001", opened_on=d, authority="县纪委"
    ),
    "record_training": lambda w, d: w.personnel.record_training(
        CLERK, "A001", start_date=d, days=3, topic="党纪学习"
    ),
    "complete_probation": lambda w, d: w.personnel.complete_probation(
        CLERK, "A001", effective_date=d
    ),
    "depart": lambda w, d: w.personnel.depart(CLERK, "A001", effective_date=d, reason="辞职"),
    "register_cadre (birth date)": lambda w, d: w.personnel.register_cadre(
        CLERK, code="B002", name="王五", gender="male", birth_date=d
    ),
    "rename_unit": lambda w, d: w.organisation.rename_unit(
        CLERK, "T1", name="某街道办事处", effective_date=d
    ),
    "abolish_post": lambda w, d: w.organisation.abolish_post(
        CLERK, "T1", code="P2", effective_date=d
    ),
    "abolish_unit": lambda w, d: w.organisation.abolish_unit(
        CLERK, "T2", effective_date=d, merged_into="T1"
    ),
}  # fmt: skip


@pytest.mark.parametrize("command", DATED_COMMANDS.values(), ids=DATED_COMMANDS.keys())
def test_an_effective_date_exactly_one_year_ahead_is_accepted(
    world: World, command: DatedCommand
) -> None:
    before = world.store.position()
    written = command(world, ONE_YEAR_AHEAD)
    assert written.position == before + 1


@pytest.mark.parametrize("command", DATED_COMMANDS.values(), ids=DATED_COMMANDS.keys())
def test_an_effective_date_more_than_a_year_ahead_is_refused(
    world: World, refused: Refusal, command: DatedCommand
) -> None:
    with refused(InvariantViolated, match="more than a year"):
        command(world, ONE_DAY_TOO_FAR)


@pytest.mark.parametrize(
    ("today", "last_accepted", "first_refused"),
    [
        (date(2027, 2, 28), date(2028, 2, 28), date(2028, 2, 29)),
        (date(2028, 2, 29), date(2029, 2, 28), date(2029, 3, 1)),
        (date(2028, 3, 1), date(2029, 3, 1), date(2029, 3, 2)),
    ],
)
def test_the_one_year_limit_follows_the_calendar_across_leap_days(
    world: World, refused: Refusal, today: date, last_accepted: date, first_refused: date
) -> None:
    world.clock.instant = datetime(today.year, today.month, today.day, 12, tzinfo=UTC)
    world.personnel.record_training(CLERK, "A001", start_date=last_accepted, days=1, topic="学习")
    with refused(InvariantViolated):
        world.personnel.record_training(
            CLERK, "A001", start_date=first_refused, days=1, topic="学习"
        )


@pytest.mark.parametrize(
    "not_a_date",
    ["2026-02-30", "2026-01-01", datetime(2026, 1, 1, 9, tzinfo=UTC), None, 20260101],
    ids=["impossible-string", "iso-string", "datetime", "none", "int"],
)
def test_an_effective_date_must_be_a_real_date(
    world: World, refused: Refusal, not_a_date: Any
) -> None:
    with refused(InvalidValue):
        world.personnel.admonish(CLERK, "A001", on=not_a_date, authority="县纪委", reason="x")


# -- posts -----------------------------------------------------------------------------------


def appoint(world: World, post: str = "P1", on: date = date(2023, 1, 5), **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "unit": "T1",
        "post": post,
        "effective_date": on,
        "kind": "promotion",
        "decided_on": on,
        "document_no": "镇委〔2023〕1号",
    }
    fields.update(kw)
    return world.personnel.appoint(CLERK, "A001", **fields)


def test_a_post_cannot_be_held_twice_at_a_time(world: World, refused: Refusal) -> None:
    appoint(world)
    with refused(InvariantViolated, match="holds post T1/P1 already"):
        appoint(world, on=date(2024, 1, 1))


def test_a_post_can_be_held_again_after_a_removal(world: World) -> None:
    appoint(world)
    world.personnel.remove(
        CLERK, "A001", unit="T1", post="P1", effective_date=date(2024, 1, 1), reason="调整"
    )
    appoint(world, on=date(2025, 1, 1))
    assert world.cadre().state.posts == {("T1", "P1"): date(2025, 1, 1)}


def test_two_different_posts_can_be_held_together(world: World) -> None:
    appoint(world, "P1")
    appoint(world, "P2", on=date(2023, 2, 1))
    assert set(world.cadre().state.posts) == {("T1", "P1"), ("T1", "P2")}


def test_a_removal_must_name_a_post_the_cadre_holds(world: World, refused: Refusal) -> None:
    appoint(world, "P1")
    with refused(InvariantViolated, match="does not hold post T1/P2"):
        world.personnel.remove(
            CLERK, "A001", unit="T1", post="P2", effective_date=date(2024, 1, 1), reason="x"
        )


def test_a_removal_cannot_take_effect_before_the_appointment(
    world: World, refused: Refusal
) -> None:
    appoint(world, "P1", on=date(2023, 1, 5))
    with refused(InvariantViolated):
        world.personnel.remove(
            CLERK, "A001", unit="T1", post="P1", effective_date=date(2023, 1, 4), reason="x"
        )


def test_a_removal_on_the_day_of_the_appointment_is_accepted(world: World) -> None:
    appoint(world, "P1", on=date(2023, 1, 5))
    world.personnel.remove(
        CLERK, "A001", unit="T1", post="P1", effective_date=date(2023, 1, 5), reason="x"
    )
    assert world.cadre().state.posts == {}


def test_an_appointment_cannot_be_decided_after_it_takes_effect(
    world: World, refused: Refusal
) -> None:
    with refused(InvariantViolated, match="decided after"):
        appoint(world, on=date(2023, 1, 5), decided_on=date(2023, 1, 6))


def test_an_appointment_decided_on_its_effective_date_is_accepted(world: World) -> None:
    appoint(world, on=date(2023, 1, 5), decided_on=date(2023, 1, 5))
    assert ("T1", "P1") in world.cadre().state.posts


def test_an_appointment_to_an_abolished_post_is_refused(world: World, refused: Refusal) -> None:
    world.organisation.abolish_post(CLERK, "T1", code="P1", effective_date=date(2022, 1, 1))
    with refused(InvariantViolated, match="abolished"):
        appoint(world, "P1", on=date(2023, 1, 5))


def test_an_appointment_before_the_post_was_abolished_is_accepted(world: World) -> None:
    world.organisation.abolish_post(CLERK, "T1", code="P1", effective_date=date(2024, 1, 1))
    appoint(world, "P1", on=date(2023, 1, 5))
    assert ("T1", "P1") in world.cadre().state.posts


def test_an_appointment_to_an_unknown_unit_or_post_is_an_unknown_reference(
    world: World, refused: Refusal
) -> None:
    with refused(UnknownReference, match="unknown unit X9"):
        appoint(world, "P1", unit="X9")
    with refused(UnknownReference, match="no post P7"):
        appoint(world, "P7")


# -- secondments -----------------------------------------------------------------------------


def second(world: World, start: date = date(2021, 3, 1), **kw: Any) -> str:
    written = world.personnel.second(CLERK, "A001", host_unit="C1", start_date=start, **kw)
    return written.ids["secondment_id"]


def end(world: World, sid: str, on: date, reason: str = "completed") -> Any:
    return world.personnel.end_secondment(CLERK, "A001", sid, end_date=on, reason=reason)


def test_a_second_active_secondment_is_refused(world: World, refused: Refusal) -> None:
    second(world)
    with refused(InvariantViolated, match="active secondment already"):
        world.personnel.second(CLERK, "A001", host_unit="C2", start_date=date(2022, 1, 1))


def test_a_new_secondment_after_the_previous_ended_is_accepted(world: World) -> None:
    first = second(world)
    end(world, first, date(2021, 9, 1))
    again = world.personnel.second(CLERK, "A001", host_unit="C2", start_date=date(2022, 1, 1))
    state = world.cadre().state
    assert state.active_secondment == again.ids["secondment_id"] != first
    assert [s.end_date for s in state.secondments.values()] == [date(2021, 9, 1), None]


def test_a_secondment_overlapping_an_earlier_one_is_refused(world: World, refused: Refusal) -> None:
    first = second(world, date(2021, 3, 1))
    end(world, first, date(2021, 9, 1))
    with refused(InvariantViolated):
        world.personnel.second(CLERK, "A001", host_unit="C2", start_date=date(2021, 6, 1))


def test_a_cadre_cannot_be_seconded_to_its_home_unit(world: World, refused: Refusal) -> None:
    with refused(InvariantViolated, match="own home unit"):
        world.personnel.second(CLERK, "A001", host_unit="T1", start_date=date(2021, 3, 1))


def test_a_secondment_cannot_be_planned_to_end_before_it_starts(
    world: World, refused: Refusal
) -> None:
    with refused(InvariantViolated, match="end before it starts"):
        second(world, date(2021, 3, 1), planned_end_date=date(2021, 2, 28))


def test_an_extension_must_name_the_active_secondment(world: World, refused: Refusal) -> None:
    sid = second(world)
    with refused(InvariantViolated, match="not active"):
        world.personnel.extend_secondment(
            CLERK, "A001", "no-such-secondment", new_planned_end_date=date(2022, 1, 1)
        )
    end(world, sid, date(2021, 9, 1))
    with refused(InvariantViolated, match="not active"):
        world.personnel.extend_secondment(
            CLERK, "A001", sid, new_planned_end_date=date(2022, 1, 1),
            decided_on=date(2021, 10, 1),
        )  # fmt: skip


def test_an_extension_cannot_end_or_be_decided_before_the_start(
    world: World, refused: Refusal
) -> None:
    sid = second(world, date(2021, 3, 1))
    with refused(InvariantViolated, match="end before the secondment starts"):
        world.personnel.extend_secondment(
            CLERK, "A001", sid, new_planned_end_date=date(2021, 2, 1), decided_on=date(2021, 4, 1)
        )
    with refused(InvariantViolated):
        world.personnel.extend_secondment(
            CLERK, "A001", sid, new_planned_end_date=date(2022, 2, 1), decided_on=date(2021, 2, 1)
        )


def test_an_end_must_name_the_active_secondment(world: World, refused: Refusal) -> None:
    sid = second(world)
    with refused(InvariantViolated, match="not active"):
        end(world, "no-such-secondment", date(2021, 9, 1))
    end(world, sid, date(2021, 9, 1))
    with refused(InvariantViolated, match="not active"):
        end(world, sid, date(2021, 10, 1))


def test_a_secondment_cannot_end_before_it_starts(world: World, refused: Refusal) -> None:
    sid = second(world, date(2021, 3, 1))
    with refused(InvariantViolated):
        end(world, sid, date(2021, 2, 28))
    end(world, sid, date(2021, 3, 1))
    assert world.cadre().state.secondments[sid].end_date == date(2021, 3, 1)


def test_an_end_reason_outside_the_vocabulary_is_invalid(world: World, refused: Refusal) -> None:
    sid = second(world)
    with refused(InvalidValue, match="reason must be one of"):
        end(world, sid, date(2021, 9, 1), reason="bored")


# -- dispatches ------------------------------------------------------------------------------


def dispatch(world: World, start: date = date(2022, 3, 1), **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "village_unit": "V1",
        "role": "first_secretary",
        "start_date": start,
        "planned_end_date": date(2024, 3, 1),
    }
    fields.update(kw)
    return world.personnel.dispatch(CLERK, "A001", **fields)


def test_a_second_active_dispatch_is_refused(world: World, refused: Refusal) -> None:
    dispatch(world)
    with refused(InvariantViolated, match="active dispatch already"):
        dispatch(world, date(2023, 1, 1), role="work_team")


def test_a_dispatch_goes_to_a_village_unit_only(world: World, refused: Refusal) -> None:
    with refused(InvalidValue, match="not a village-level unit"):
        dispatch(world, village_unit="T2")
    with refused(UnknownReference):
        dispatch(world, village_unit="NOWHERE")


def test_a_dispatch_cannot_be_planned_to_end_before_it_starts(
    world: World, refused: Refusal
) -> None:
    with refused(InvariantViolated):
        dispatch(world, date(2022, 3, 1), planned_end_date=date(2022, 2, 1))


def test_a_dispatch_end_must_name_the_active_dispatch_and_not_precede_it(
    world: World, refused: Refusal
) -> None:
    did = dispatch(world, date(2022, 3, 1)).ids["dispatch_id"]
    with refused(InvariantViolated, match="not active"):
        world.personnel.end_dispatch(
            CLERK, "A001", "other", on=date(2023, 1, 1), reason="x", recalled=True
        )
    with refused(InvariantViolated):  # dated before the start, the end finds nothing active
        world.personnel.end_dispatch(
            CLERK, "A001", did, on=date(2022, 2, 1), reason="x", recalled=True
        )
    world.personnel.end_dispatch(
        CLERK, "A001", did, on=date(2023, 1, 1), reason="专项清理", recalled=True
    )
    with refused(InvariantViolated, match="not active"):
        world.personnel.end_dispatch(
            CLERK, "A001", did, on=date(2023, 2, 1), reason="x", recalled=False
        )


# -- the rest of the career ------------------------------------------------------------------


def test_a_cadre_is_recruited_once(world: World, refused: Refusal) -> None:
    with refused(InvariantViolated, match="recruited already"):
        world.personnel.recruit(
            CLERK, "A001", effective_date=date(2021, 1, 1), unit="T2", channel="exam"
        )


def test_probation_completes_only_after_a_recruitment(world: World, refused: Refusal) -> None:
    with refused(InvariantViolated):
        world.personnel.complete_probation(CLERK, "A001", effective_date=date(2020, 6, 30))
    world.personnel.register_cadre(
        CLERK, code="B002", name="王五", gender="male", birth_date=date(1990, 1, 1)
    )
    with refused(InvariantViolated, match="after a recruitment"):
        world.personnel.complete_probation(CLERK, "B002", effective_date=date(2021, 1, 1))


def test_a_transfer_to_the_current_home_unit_is_refused(world: World, refused: Refusal) -> None:
    with refused(InvariantViolated, match="already belongs to T1"):
        world.personnel.transfer(CLERK, "A001", to_unit="T1", effective_date=date(2022, 1, 1))
    with refused(UnknownReference):
        world.personnel.transfer(CLERK, "A001", to_unit="X9", effective_date=date(2022, 1, 1))


def test_an_investigation_closes_once_and_not_before_it_opens(
    world: World, refused: Refusal
) -> None:
    iid = world.personnel.open_investigation(
        CLERK, "A001", opened_on=date(2024, 5, 1), authority="县纪委"
    ).ids["investigation_id"]
    with refused(InvariantViolated, match="not open"):
        world.personnel.close_investigation(
            CLERK, "A001", "other", closed_on=date(2024, 6, 1), outcome="x"
        )
    with refused(InvariantViolated):
        world.personnel.close_investigation(
            CLERK, "A001", iid, closed_on=date(2024, 4, 1), outcome="x"
        )
    world.personnel.close_investigation(
        CLERK, "A001", iid, closed_on=date(2024, 6, 1), outcome="不予处分"
    )
    with refused(InvariantViolated, match="not open"):
        world.personnel.close_investigation(
            CLERK, "A001", iid, closed_on=date(2024, 7, 1), outcome="x"
        )


def test_a_cadre_departs_once(world: World, refused: Refusal) -> None:
    world.personnel.depart(CLERK, "A001", effective_date=date(2025, 1, 1), reason="辞职")
    with refused(InvariantViolated, match="departed already"):
        world.personnel.depart(CLERK, "A001", effective_date=date(2025, 6, 1), reason="退休")


def test_commands_on_an_unknown_cadre_are_not_found(world: World, refused: Refusal) -> None:
    from domain.errors import NotFound

    with refused(NotFound, match="cadre Z999 not found"):
        world.personnel.admonish(CLERK, "Z999", on=date(2024, 1, 1), authority="a", reason="r")


def test_expected_version_mismatch_is_a_concurrent_write(world: World, refused: Refusal) -> None:
    from domain.errors import ConcurrentWrite

    version = world.cadre().version
    with refused(ConcurrentWrite, match=f"record is at version {version}"):
        world.personnel.admonish(
            CLERK, "A001", on=date(2024, 1, 1), authority="a", reason="r",
            expected_version=version - 1,
        )  # fmt: skip
    written = world.personnel.admonish(
        CLERK, "A001", on=date(2024, 1, 1), authority="a", reason="r", expected_version=version
    )
    assert written.version == version + 1
