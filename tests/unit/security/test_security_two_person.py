"""Two people, in the domain: unsealing a reporter and retracting another role's entry need a
lead other than the asker; every step is an event; nothing is written when a step is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from api.vault import AesGcmVault
from domain.clock import FixedClock
from domain.errors import ApprovalNeeded, InvariantViolated, NotFound
from domain.services import Services
from domain.store import Store
from tests.support.domain import TODAY, sqlite_env


@dataclass(frozen=True)
class Who:
    subject: str
    role: str


ASKER, LEAD, OTHER_LEAD = Who("李干事", "inspector"), Who("书记", "lead"), Who("副书记", "lead")
CLERK, COMMISSION = Who("王科员", "clerk"), Who("纪委", "inspector")


@pytest.fixture
def world(tmp_path: Path) -> Services:
    store = Store(env=sqlite_env(str(tmp_path / "events.sqlite3")))
    services = Services.over(store, FixedClock.on(TODAY), AesGcmVault.from_secret("two-person"))
    services.organisation.register_unit(CLERK, code="T1", name="青石镇", level="township",
                                        kind="government")  # fmt: skip
    services.personnel.register_cadre(CLERK, code="A1", name="张伟", gender="male",
                                      birth_date=date(1990, 1, 1))  # fmt: skip
    services.personnel.recruit(CLERK, "A1", effective_date=date(2020, 7, 1), unit="T1",
                               channel="exam")  # fmt: skip
    return services


def named(world: Services) -> str:
    filed = world.complaints.file(
        "intake", category="作风", title="反映问题", body="情况", named=True,
        reporter={"name": "王小明", "phone": "13800000000"}, channel="letter",
    )  # fmt: skip
    return filed.ids["complaint_id"]


def test_unsealing_needs_a_different_lead_and_lasts_a_day(world: Services) -> None:
    complaints, store = world.complaints, world.store
    cid = named(world)
    rid = complaints.request_unseal(ASKER, cid, reason="约谈").ids["request_id"]
    before = store.position()
    for approver, refusal in ((ASKER, "only a lead"), (Who("李干事", "lead"), "own")):
        with pytest.raises(InvariantViolated, match=refusal):
            complaints.approve_unseal(approver, cid, rid)
    with pytest.raises(NotFound):
        complaints.unseal_reporter(ASKER, cid)
    assert store.position() == before
    complaints.approve_unseal(LEAD, cid, rid)
    with pytest.raises(InvariantViolated, match="approved already"):
        complaints.approve_unseal(OTHER_LEAD, cid, rid)
    identity, read = complaints.unseal_reporter(ASKER, cid)
    assert identity == {"name": "王小明", "phone": "13800000000"} and read.ids["request_id"] == rid
    with pytest.raises(NotFound):
        complaints.unseal_reporter(Who("别人", "inspector"), cid)
    assert isinstance(complaints.clock, FixedClock)
    complaints.clock.advance(hours=24, minutes=1)
    with pytest.raises(NotFound):
        complaints.unseal_reporter(ASKER, cid)


def test_an_anonymous_complaint_has_nobody_to_unseal(world: Services) -> None:
    filed = world.complaints.file("intake", category="作风", title="反映问题", body="情况",
                                  named=False, channel="letter")  # fmt: skip
    with pytest.raises(InvariantViolated, match="anonymous"):
        world.complaints.request_unseal(ASKER, filed.ids["complaint_id"], reason="约谈")


def test_retracting_another_roles_entry_goes_through_a_lead(world: Services) -> None:
    personnel, store = world.personnel, world.store
    entry = personnel.admonish(COMMISSION, "A1", on=date(2024, 3, 1), authority="县纪委",
                               reason="违纪").position  # fmt: skip
    with pytest.raises(ApprovalNeeded, match="inspector"):
        personnel.retract(CLERK, "A1", position=entry, reason="录错")
    asked = personnel.request_retraction(CLERK, "A1", position=entry, reason="决定已撤销")
    rid = asked.ids["request_id"]
    before = store.position()
    for approver in (CLERK, COMMISSION, Who("王科员", "lead")):
        with pytest.raises(InvariantViolated):
            personnel.approve_retraction(approver, "A1", rid)
    assert store.position() == before
    done = personnel.approve_retraction(LEAD, "A1", rid)
    assert store.position() == before + 2  # the retraction and the approval, together
    retraction = store.decode(store.notification_at(done.position - 1))
    approval = store.decode(store.notification_at(done.position))
    assert type(retraction).__name__ == "EntryRetracted" and type(approval).__name__ == (
        "RetractionApproved"
    )
    assert (retraction.recorded_by, retraction.recorded_role, retraction.approved_by) == (
        "王科员", "clerk", "书记")  # fmt: skip
    # An entry of one's own role retracts directly, with the role kept on the retraction.
    own = personnel.record_training(CLERK, "A1", start_date=date(2024, 1, 1), days=1, topic="x")
    personnel.retract(CLERK, "A1", position=own.position, reason="重复")
