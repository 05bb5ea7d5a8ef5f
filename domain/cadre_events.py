"""Cadre events (DOMAIN.md): each knows its effective date and how it changes the fold."""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

from domain.cadre_state import CadreState, Dispatch, Secondment
from domain.errors import InvariantViolated
from domain.values import departure_kind


class CadreEvent(Aggregate.Event):
    """Base of every cadre event: who recorded it (the timestamp says when).

    ``recorded_role`` is the role the recorder acted under: kept with the event's data (see
    :func:`stamp_role`), empty for events recorded before roles were kept. Retracting an entry
    recorded under another role needs a lead's approval.
    """

    class_version = 1
    recorded_by: str
    recorded_role = ""  # not a dataclass field: stamped after construction, stored with the data
    approved_by = ""  # a retraction approved by a lead (EntryRetracted only)
    # Events that leave the fold unchanged (reviews, training, admonishments, sanctions) may
    # arrive in any effective-date order without refolding the history.
    neutral = False

    @property
    def effective(self) -> date | None:
        """The effective date (valid time); None for events outside the career timeline."""
        return None

    def check(self, state: CadreState) -> None:
        """Raise InvariantViolated when the event does not fit ``state``."""

    def advance(self, state: CadreState) -> None:
        """Change ``state`` by this event (already checked)."""

    def apply(self, aggregate: Any) -> None:
        aggregate.absorb(self)


def stamp(event: CadreEvent, **kept: str) -> None:
    """Keep more about a new event with its data: the recorder's role (``recorded_role``), and
    for an approved retraction who approved it (``approved_by``). Not init fields, so events
    stored before these were kept decode unchanged."""
    for name, value in kept.items():
        object.__setattr__(event, name, value)


def role_of(event: object) -> str:
    """The role an event was recorded under ("" when it was not kept)."""
    return str(getattr(event, "recorded_role", "") or "")


class CadreRegistered(Aggregate.Created):
    """A cadre's record is opened (personnel code, name, gender, birth date)."""

    class_version = 1
    recorded_by: str
    code: str
    name: str
    gender: str
    birth_date: date
    growth_place: str


class Recruited(CadreEvent):
    """录用: entry into service in a unit by a channel."""

    class_version = 2
    effective_date: date
    unit: str
    unit_level: str
    unit_kind: str | None
    channel: str
    probation_months: int

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 did not copy the unit's kind: recruitments recorded then read as unknown."""
        state["unit_kind"] = None

    @property
    def effective(self) -> date | None:
        return self.effective_date

    def check(self, state: CadreState) -> None:
        if state.recruitment is not None:
            raise InvariantViolated(f"cadre {state.code} is recruited already")

    def advance(self, state: CadreState) -> None:
        state.recruitment = {
            "unit": self.unit,
            "unit_level": self.unit_level,
            "effective_date": self.effective_date,
            "channel": self.channel,
            "probation_months": self.probation_months,
            "probation_completed": None,
        }
        state.home_unit = self.unit
        state.home_level = self.unit_level


class ProbationCompleted(CadreEvent):
    """The probation period after recruitment ended (转正)."""

    effective_date: date

    @property
    def effective(self) -> date | None:
        return self.effective_date

    def check(self, state: CadreState) -> None:
        if state.recruitment is None:
            raise InvariantViolated("probation can only complete after a recruitment")
        if self.effective_date < state.recruitment["effective_date"]:
            raise InvariantViolated("probation cannot complete before the recruitment")

    def advance(self, state: CadreState) -> None:
        assert state.recruitment is not None
        state.recruitment["probation_completed"] = self.effective_date


class Appointed(CadreEvent):
    """任职 / 提拔: the cadre holds a post from the effective date."""

    class_version = 1
    unit: str
    unit_level: str
    post: str
    post_category: str
    team_member: bool
    effective_date: date
    kind: str
    decided_on: date
    document_no: str
    procedure: dict[str, date | None]
    public_notice: dict[str, date] | None
    integrity_talk: date | None

    @property
    def effective(self) -> date | None:
        return self.effective_date

    def check(self, state: CadreState) -> None:
        if self.decided_on > self.effective_date:
            raise InvariantViolated("an appointment cannot be decided after it takes effect")
        if (self.unit, self.post) in state.posts:
            raise InvariantViolated(
                f"cadre {state.code} holds post {self.unit}/{self.post} already"
            )

    def advance(self, state: CadreState) -> None:
        state.posts[(self.unit, self.post)] = self.effective_date


class Removed(CadreEvent):
    """免职: the cadre leaves a post."""

    unit: str
    post: str
    effective_date: date
    reason: str

    @property
    def effective(self) -> date | None:
        return self.effective_date

    def check(self, state: CadreState) -> None:
        since = state.posts.get((self.unit, self.post))
        if since is None:
            raise InvariantViolated(
                f"cadre {state.code} does not hold post {self.unit}/{self.post}"
            )
        if self.effective_date < since:
            raise InvariantViolated("a removal cannot take effect before the appointment")

    def advance(self, state: CadreState) -> None:
        del state.posts[(self.unit, self.post)]


class Transferred(CadreEvent):
    """调动 / 交流 / 转任: the home unit changes."""

    from_unit: str | None
    from_level: str | None
    to_unit: str
    to_level: str
    effective_date: date
    approval: dict[str, Any] | None

    @property
    def effective(self) -> date | None:
        return self.effective_date

    def check(self, state: CadreState) -> None:
        if state.home_unit == self.to_unit:
            raise InvariantViolated(f"cadre {state.code} already belongs to {self.to_unit}")

    def advance(self, state: CadreState) -> None:
        state.home_unit = self.to_unit
        state.home_level = self.to_level


class Seconded(CadreEvent):
    """借调: temporary work in a host unit while the home unit keeps the post."""

    class_version = 2
    secondment_id: str
    home_unit: str | None
    home_level: str | None
    host_unit: str
    host_level: str
    start_date: date
    planned_end_date: date | None
    purpose: str
    approval: dict[str, Any] | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 had no purpose: secondments recorded then read as purpose unknown."""
        state["purpose"] = ""

    @property
    def effective(self) -> date | None:
        return self.start_date

    def check(self, state: CadreState) -> None:
        if state.active_secondment is not None:
            raise InvariantViolated(f"cadre {state.code} has an active secondment already")
        if self.planned_end_date is not None and self.planned_end_date < self.start_date:
            raise InvariantViolated("a secondment cannot be planned to end before it starts")
        if self.host_unit == state.home_unit:
            raise InvariantViolated("a cadre cannot be seconded to its own home unit")

    def advance(self, state: CadreState) -> None:
        # The home unit is the fold's on the start date, not the copy recorded with the event:
        # a back-dated or retracted transfer changes it (the fold is redone then).
        state.secondments[self.secondment_id] = Secondment(
            secondment_id=self.secondment_id,
            home_unit=state.home_unit if state.home_unit is not None else self.home_unit,
            host_unit=self.host_unit,
            home_level=state.home_level if state.home_unit is not None else self.home_level,
            host_level=self.host_level,
            start_date=self.start_date,
            planned_end_date=self.planned_end_date,
            purpose=self.purpose,
            approval=self.approval,
        )
        state.active_secondment = self.secondment_id


def _active_secondment(state: CadreState, secondment_id: str) -> Secondment:
    if state.active_secondment != secondment_id:
        raise InvariantViolated(f"secondment {secondment_id} is not active for cadre {state.code}")
    return state.secondments[secondment_id]


class SecondmentExtended(CadreEvent):
    """The planned end of the active secondment moves later (延期)."""

    secondment_id: str
    decided_on: date
    new_planned_end_date: date
    approval: dict[str, Any] | None

    @property
    def effective(self) -> date | None:
        return self.decided_on

    def check(self, state: CadreState) -> None:
        secondment = _active_secondment(state, self.secondment_id)
        if self.new_planned_end_date < secondment.start_date:
            raise InvariantViolated("an extension cannot end before the secondment starts")
        if self.decided_on < secondment.start_date:
            raise InvariantViolated("an extension cannot be decided before the secondment starts")

    def advance(self, state: CadreState) -> None:
        secondment = state.secondments[self.secondment_id]
        secondment.extensions.append(
            {
                "decided_on": self.decided_on,
                "new_planned_end_date": self.new_planned_end_date,
                "approval": self.approval,
            }
        )
        secondment.planned_end_date = self.new_planned_end_date


class SecondmentEnded(CadreEvent):
    """The secondment ended: completed, recalled (召回) or by a cleanup (清理退回)."""

    secondment_id: str
    end_date: date
    reason: str

    @property
    def effective(self) -> date | None:
        return self.end_date

    def check(self, state: CadreState) -> None:
        secondment = _active_secondment(state, self.secondment_id)
        if self.end_date < secondment.start_date:
            raise InvariantViolated("a secondment cannot end before it starts")

    def advance(self, state: CadreState) -> None:
        secondment = state.secondments[self.secondment_id]
        secondment.end_date = self.end_date
        secondment.end_reason = self.reason
        state.active_secondment = None


class Dispatched(CadreEvent):
    """派驻 / 驻村: stationed in a village as first secretary or in a work team."""

    dispatch_id: str
    village_unit: str
    role: str
    start_date: date
    planned_end_date: date

    @property
    def effective(self) -> date | None:
        return self.start_date

    def check(self, state: CadreState) -> None:
        if state.active_dispatch is not None:
            raise InvariantViolated(f"cadre {state.code} has an active dispatch already")
        if self.planned_end_date < self.start_date:
            raise InvariantViolated("a dispatch cannot be planned to end before it starts")

    def advance(self, state: CadreState) -> None:
        state.dispatches[self.dispatch_id] = Dispatch(
            dispatch_id=self.dispatch_id,
            village_unit=self.village_unit,
            role=self.role,
            start_date=self.start_date,
            planned_end_date=self.planned_end_date,
        )
        state.active_dispatch = self.dispatch_id


class DispatchEnded(CadreEvent):
    """The dispatch ended as planned."""

    dispatch_id: str
    end_date: date
    reason: str

    @property
    def effective(self) -> date | None:
        return self.end_date

    def check(self, state: CadreState) -> None:
        if state.active_dispatch != self.dispatch_id:
            raise InvariantViolated(f"dispatch {self.dispatch_id} is not active for {state.code}")
        if self.end_date < state.dispatches[self.dispatch_id].start_date:
            raise InvariantViolated("a dispatch cannot end before it starts")

    def advance(self, state: CadreState) -> None:
        dispatch = state.dispatches[self.dispatch_id]
        dispatch.end_date = self.end_date
        dispatch.end_reason = "recalled" if isinstance(self, DispatchRecalled) else "completed"
        state.active_dispatch = None


class DispatchRecalled(DispatchEnded):
    """The dispatch was ended early (召回)."""


class Admonished(CadreEvent):
    """诫勉: a formal warning talk; blocks promotion for 6 months (a rule, not an invariant)."""

    neutral = True

    date: dt.date
    authority: str
    reason: str

    @property
    def effective(self) -> dt.date | None:
        return self.date


class Sanctioned(CadreEvent):
    """处分: party or administrative discipline with an influence period; 留党察看 has a term
    of 12 or 24 months (``term_months``)."""

    class_version = 2
    neutral = True

    date: dt.date
    kind: str
    authority: str
    reason: str
    term_months: int | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 had no term: sanctions recorded then read as of unknown term."""
        state["term_months"] = None

    @property
    def effective(self) -> dt.date | None:
        return self.date


class InvestigationOpened(CadreEvent):
    """立案审查: blocks transfer and promotion while open (a rule)."""

    investigation_id: str
    opened_on: date
    authority: str

    @property
    def effective(self) -> date | None:
        return self.opened_on

    def advance(self, state: CadreState) -> None:
        state.open_investigations[self.investigation_id] = self.opened_on


class InvestigationClosed(CadreEvent):
    """The investigation closed with an outcome."""

    investigation_id: str
    closed_on: date
    outcome: str

    @property
    def effective(self) -> date | None:
        return self.closed_on

    def check(self, state: CadreState) -> None:
        opened_on = state.open_investigations.get(self.investigation_id)
        if opened_on is None:
            raise InvariantViolated(f"investigation {self.investigation_id} is not open")
        if self.closed_on < opened_on:
            raise InvariantViolated("an investigation cannot close before it opens")

    def advance(self, state: CadreState) -> None:
        del state.open_investigations[self.investigation_id]


class AnnualReviewRecorded(CadreEvent):
    """年度考核: the rating of a year, effective on its last day."""

    neutral = True

    year: int
    rating: str

    @property
    def effective(self) -> date | None:
        return date(self.year, 12, 31)


class TrainingRecorded(CadreEvent):
    """A training course attended."""

    neutral = True

    start_date: date
    days: int
    topic: str

    @property
    def effective(self) -> date | None:
        return self.start_date


class Departed(CadreEvent):
    """The cadre left service: ``kind`` retirement, resignation, dismissal, death or other."""

    class_version = 2
    effective_date: date
    reason: str
    kind: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 had only the reason: the kind is read from its words."""
        state["kind"] = departure_kind(str(state.get("reason", "")))

    @property
    def effective(self) -> date | None:
        return self.effective_date

    def check(self, state: CadreState) -> None:
        if state.status == "departed":
            raise InvariantViolated(f"cadre {state.code} has departed already")

    def advance(self, state: CadreState) -> None:
        state.status = "departed"
        state.departed_on = self.effective_date


class PriorServiceRecorded(CadreEvent):
    """Service before the platform, from the personnel file (干部档案): counted by the service
    rules. ``to_date`` is the last day served."""

    neutral = True

    unit_name: str
    unit_level: str
    from_date: date
    to_date: date
    source: str

    @property
    def effective(self) -> date | None:
        return self.from_date

    def check(self, state: CadreState) -> None:
        if self.to_date < self.from_date:
            raise InvariantViolated("prior service cannot end before it starts")


class EntryRetracted(CadreEvent):
    """更正: voids an earlier, wrongly recorded event; nothing is deleted."""

    position: int
    retracted_version: int
    retracted_type: str
    reason: str
