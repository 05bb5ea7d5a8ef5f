"""Complaints: states in order, one extension of at most 30 days, dates, the sealed reporter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.complaint import NEXT_STATES
from domain.errors import InvalidValue, InvariantViolated, NotFound, UnknownReference
from tests.support.domain import CLERK, Refusal, World

INSPECTOR = "inspector-wang"
RECEIVED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
REPORTER = {"name": "王五", "phone": "13800000000"}


def file(world: World, **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "category": "借调",
        "title": "违规借调",
        "body": "某镇干部长期借调\n至今未归",
        "named": False,
        "channel": "letter",
        "received_at": RECEIVED,
    }
    fields.update(kw)
    return world.complaints.file("intake-li", **fields)


Step = Callable[[World, str, date], Any]

STEPS: dict[str, Step] = {
    "accepted": lambda w, c, d: w.complaints.accept(INSPECTOR, c, on=d, handler_unit="县纪委"),
    "declined": lambda w, c, d: w.complaints.decline(INSPECTOR, c, on=d, reason="不属受理范围"),
    "forwarded": lambda w, c, d: w.complaints.forward(INSPECTOR, c, on=d, to_authority="市纪委"),
    "concluded": lambda w, c, d: w.complaints.conclude(
        INSPECTOR, c, on=d, finding="partly_substantiated", summary="部分属实"
    ),
    "notified": lambda w, c, d: w.complaints.notify_reporter(INSPECTOR, c, on=d, method="电话"),
}

PATHS = {
    "filed": [],
    "accepted": ["accepted"],
    "declined": ["declined"],
    "forwarded": ["forwarded"],
    "concluded": ["accepted", "concluded"],
    "notified": ["accepted", "concluded", "notified"],
}


def complaint_in(world: World, status: str) -> str:
    """A complaint brought to ``status`` by legal steps, one day apart from 2026-11-03."""
    cid: str = file(world).ids["complaint_id"]
    for day, step in enumerate(PATHS[status], start=3):
        STEPS[step](world, cid, date(2026, 11, day))
    assert world.complaints.complaint(cid).status == status
    return cid


# DOMAIN.md: filed -> accepted | declined | forwarded -> concluded -> reporter notified.
DOCUMENTED: dict[str, set[str]] = {
    "filed": {"accepted", "declined", "forwarded"},
    "accepted": {"concluded"},
    "declined": {"notified"},
    "forwarded": {"notified"},
    "concluded": {"notified"},
    "notified": set(),
}

ILLEGAL = [
    (status, target) for status in PATHS for target in STEPS if target not in DOCUMENTED[status]
]


@pytest.mark.parametrize(("status", "target"), ILLEGAL)
def test_every_illegal_transition_is_refused(
    world: World, refused: Refusal, status: str, target: str
) -> None:
    cid = complaint_in(world, status)
    with refused(InvariantViolated, match=f"cannot become {target}"):
        STEPS[target](world, cid, date(2026, 11, 20))


LEGAL = [(status, target) for status in PATHS for target in sorted(DOCUMENTED[status])]


@pytest.mark.parametrize(("status", "target"), LEGAL)
def test_every_legal_transition_moves_the_status_and_dates_it(
    world: World, status: str, target: str
) -> None:
    cid = complaint_in(world, status)
    STEPS[target](world, cid, date(2026, 11, 20))
    complaint = world.complaints.complaint(cid)
    assert complaint.status == target
    assert complaint.status_dates[target] == date(2026, 11, 20)


def test_the_transition_table_is_the_documented_order() -> None:
    assert NEXT_STATES == DOCUMENTED
    assert (len(ILLEGAL), len(LEGAL)) == (23, 7)


# -- dates -----------------------------------------------------------------------------------


def test_a_step_cannot_be_dated_before_the_receipt(world: World, refused: Refusal) -> None:
    cid = file(world).ids["complaint_id"]
    with refused(InvariantViolated, match="before the previous step"):
        STEPS["accepted"](world, cid, date(2026, 11, 1))
    STEPS["accepted"](world, cid, RECEIVED.date())


def test_a_step_cannot_be_dated_before_the_previous_step(world: World, refused: Refusal) -> None:
    cid = complaint_in(world, "concluded")  # accepted 11-03, concluded 11-04
    with refused(InvariantViolated, match="before the previous step"):
        STEPS["notified"](world, cid, date(2026, 11, 3))
    STEPS["notified"](world, cid, date(2026, 11, 4))


def test_a_step_cannot_be_dated_in_the_future(world: World, refused: Refusal) -> None:
    cid = file(world).ids["complaint_id"]
    with refused(InvariantViolated, match="in the future"):
        STEPS["accepted"](world, cid, world.clock.today() + timedelta(days=1))
    STEPS["accepted"](world, cid, world.clock.today())


def test_a_complaint_cannot_be_received_in_the_future(world: World, refused: Refusal) -> None:
    with refused(InvariantViolated, match="in the future"):
        file(world, received_at=world.clock.now() + timedelta(minutes=1))
    written = file(world, received_at=world.clock.now())
    assert world.complaints.complaint(written.ids["complaint_id"]).received_at == world.clock.now()


def test_a_received_at_without_a_time_zone_is_invalid(world: World, refused: Refusal) -> None:
    with refused(InvalidValue):
        file(world, received_at=datetime(2026, 11, 2, 9, 30))


def test_received_at_defaults_to_the_recording_time(world: World) -> None:
    written = file(world, received_at=None)
    assert world.complaints.complaint(written.ids["complaint_id"]).received_at == world.clock.now()


# -- the one extension -----------------------------------------------------------------------


def test_an_extension_is_at_most_thirty_days(world: World, refused: Refusal) -> None:
    cid = complaint_in(world, "accepted")
    for days in (31, 0, -5):
        with refused(InvariantViolated, match="1 to 30 days"):
            world.complaints.extend(INSPECTOR, cid, days=days, reason="情况复杂")
    world.complaints.extend(INSPECTOR, cid, days=30, reason="情况复杂")
    complaint = world.complaints.complaint(cid)
    assert complaint.extension_days == 30
    assert complaint.deadlines().conclude_by == date(2026, 11, 3) + timedelta(days=90)


def test_extensions_add_up_to_thirty_days_at_most(world: World, refused: Refusal) -> None:
    cid = complaint_in(world, "accepted")
    world.complaints.extend(INSPECTOR, cid, days=10, reason="情况复杂")
    with refused(InvariantViolated, match="at most 30 days"):
        world.complaints.extend(INSPECTOR, cid, days=21, reason="还要延")
    world.complaints.extend(INSPECTOR, cid, days=20, reason="还要延")
    accepted = world.complaints.complaint(cid).status_dates["accepted"]
    assert world.complaints.complaint(cid).deadlines().conclude_by == accepted + timedelta(90)


@pytest.mark.parametrize("status", ["filed", "declined", "forwarded", "concluded", "notified"])
def test_only_an_accepted_complaint_is_extended(
    world: World, refused: Refusal, status: str
) -> None:
    cid = complaint_in(world, status)
    with refused(InvariantViolated, match="only an accepted complaint"):
        world.complaints.extend(INSPECTOR, cid, days=10, reason="情况复杂")


def test_deadlines_decide_within_15_days_conclude_within_60_after_acceptance(
    world: World,
) -> None:
    cid = file(world).ids["complaint_id"]
    assert world.complaints.complaint(cid).deadlines().decide_by == date(2026, 11, 17)
    assert world.complaints.complaint(cid).deadlines().conclude_by is None
    STEPS["accepted"](world, cid, date(2026, 11, 10))
    assert world.complaints.complaint(cid).deadlines().conclude_by == date(2027, 1, 9)


# -- reporters, receipts, messages -----------------------------------------------------------


def test_a_named_complaint_needs_a_reporter(world: World, refused: Refusal) -> None:
    with refused(InvalidValue, match="named complaint needs"):
        file(world, named=True)
    with refused(InvalidValue, match="named complaint needs"):
        file(world, named=True, reporter={})


@pytest.mark.parametrize(
    "reporter", [{"name": "", "phone": ""}, {"name": "  ", "phone": "138"}, {"phone": "138"}]
)
def test_a_named_complaint_needs_the_reporters_name_and_phone(
    world: World, refused: Refusal, reporter: dict[str, str]
) -> None:
    with refused(InvalidValue):
        file(world, named=True, reporter=reporter)


def test_an_anonymous_complaint_carries_no_reporter(world: World, refused: Refusal) -> None:
    with refused(InvalidValue, match="anonymous complaint"):
        file(world, named=False, reporter=REPORTER)


def test_the_reporter_is_sealed_and_unsealed_only_through_the_vault(world: World) -> None:
    written = file(world, named=True, reporter=REPORTER)
    complaint = world.complaints.complaint(written.ids["complaint_id"])
    assert complaint.named and complaint.reporter_sealed is not None
    assert (
        "王五" not in complaint.reporter_sealed and "13800000000" not in complaint.reporter_sealed
    )
    assert world.complaints.reporter_of(complaint) == REPORTER
    anonymous = world.complaints.complaint(file(world).ids["complaint_id"])
    assert (anonymous.named, anonymous.reporter_sealed) == (False, None)
    assert world.complaints.reporter_of(anonymous) is None


def test_a_receipt_finds_its_complaint_and_nothing_else_does(world: World) -> None:
    written = file(world)
    receipt = written.ids["receipt"]
    assert len(receipt) == 16 and receipt.isdigit()
    assert str(world.complaints.by_receipt(receipt).id) == written.ids["complaint_id"]
    assert world.complaints.complaint(written.ids["complaint_id"]).receipt_fingerprint != receipt
    other = "0" * 16 if receipt != "0" * 16 else "1" * 16
    for wrong in (other, receipt[:-1], receipt + "0", "abcdefghijklmnop", ""):
        with pytest.raises(NotFound):
            world.complaints.by_receipt(wrong)
    with pytest.raises(NotFound):
        world.complaints.complaint("not-a-uuid")


def test_subjects_must_exist_and_are_kept_once_in_order(world: World, refused: Refusal) -> None:
    with refused(UnknownReference, match="unknown cadre Z9"):
        file(world, subject_cadres=["A001", "Z9"])
    with refused(UnknownReference, match="unknown unit Z9"):
        file(world, subject_units=["Z9"])
    written = file(world, subject_cadres=["A001", "A001"], subject_units=["T1", "C1", "T1"])
    complaint = world.complaints.complaint(written.ids["complaint_id"])
    assert (complaint.subject_cadres, complaint.subject_units) == (["A001"], ["T1", "C1"])


def test_notes_and_messages_are_kept_with_their_author(world: World, refused: Refusal) -> None:
    written = file(world)
    cid, receipt = written.ids["complaint_id"], written.ids["receipt"]
    world.complaints.add_note(INSPECTOR, cid, text="已调阅借调审批表")
    world.complaints.message_reporter(INSPECTOR, cid, text="已受理，请耐心等待")
    world.complaints.message_from_reporter(receipt, text="补充材料：\n借调函一份")
    complaint = world.complaints.complaint(cid)
    now = world.clock.now()
    assert complaint.notes == [{"at": now, "by": INSPECTOR, "text": "已调阅借调审批表"}]
    assert complaint.messages == [
        {"from": "officer", "at": now, "text": "已受理，请耐心等待"},
        {"from": "reporter", "at": now, "text": "补充材料：\n借调函一份"},
    ]
    last = world.event_at(world.store.position())
    assert last.recorded_by == "public"


def test_a_notified_complaint_takes_no_more_messages_from_the_reporter(
    world: World, refused: Refusal
) -> None:
    written = file(world)
    cid = written.ids["complaint_id"]
    STEPS["declined"](world, cid, date(2026, 11, 5))
    world.complaints.message_from_reporter(written.ids["receipt"], text="为何不受理？")
    STEPS["notified"](world, cid, date(2026, 11, 6))
    with refused(InvariantViolated, match="case is closed"):
        world.complaints.message_from_reporter(written.ids["receipt"], text="还有问题")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "违规\x00借调"),
        ("title", "两行\n标题"),
        ("category", "x" * 101),
        ("body", "x" * 20_001),
        ("body", "   "),
        ("channel", "pigeon"),
    ],
)
def test_complaint_values_are_validated(
    world: World, refused: Refusal, field: str, value: str
) -> None:
    with refused(InvalidValue):
        file(world, **{field: value})


def test_a_finding_outside_the_vocabulary_is_invalid(world: World, refused: Refusal) -> None:
    cid = complaint_in(world, "accepted")
    with refused(InvalidValue, match="finding must be one of"):
        world.complaints.conclude(INSPECTOR, cid, on=date(2026, 11, 20), finding="meh", summary="")


def test_complaint_commands_write_on_the_complaint_only(world: World) -> None:
    cid = complaint_in(world, "accepted")
    version = world.complaints.complaint(cid).version
    written = world.complaints.add_note(CLERK, cid, text="x", expected_version=version)
    assert written.version == version + 1
    assert world.event_at(written.position).originator_id == world.complaints.complaint(cid).id
