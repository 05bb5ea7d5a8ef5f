"""Personnel (干部人事): cadres and every action on their careers."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from domain import cadre_events as ev
from domain.cadre import Cadre
from domain.clock import Clock
from domain.errors import (
    AlreadyRegistered,
    InvalidValue,
    InvariantViolated,
    NotFound,
    UnknownReference,
)
from domain.ids import cadre_id
from domain.organisation import OrganisationStructure
from domain.retraction_requests import RetractionRequest
from domain.retry import on_fresh_state
from domain.store import Store, Written
from domain.unit import Unit
from domain.values import (
    AppointmentKind,
    Approval,
    By,
    Channel,
    DepartureKind,
    DispatchRole,
    Level,
    Recording,
    ReviewRating,
    SanctionKind,
    SecondmentEndReason,
    check_code,
    check_text,
    departure_kind,
    parse_enum,
)

PROBATION_TERMS = (12, 24)  # 留党察看: one year or two (纪律处分条例)
PROCEDURE_STEPS = ("preview_notice", "democratic_evaluation", "individual_talks", "records_review")


class Personnel:
    """Records personnel actions; every invariant is the Cadre aggregate's."""

    def __init__(self, store: Store, clock: Clock, organisation: OrganisationStructure) -> None:
        self.store = store
        self.clock = clock
        self.organisation = organisation

    def _ctx(self, by: By) -> Recording:
        return Recording.of(by, self.clock.now(), self.clock.today())

    def cadre(self, code: str) -> Cadre:
        """The cadre of that personnel code, or NotFound."""
        return self.store.load(Cadre, cadre_id(check_code(code, "personnel code")), f"cadre {code}")

    def _unit(self, unit_code: str) -> Unit:
        return self.organisation.known_unit(unit_code)

    def _level(self, unit_code: str) -> str:
        return self._unit(unit_code).level.value

    def _exists(self, aggregate_id: UUID) -> bool:
        return self.store.exists(aggregate_id)

    def _save(self, cadre: Cadre, expected_version: int | None = None, **ids: str) -> Written:
        return self.store.commit(cadre, expected_version=expected_version, **ids)

    def _act(
        self,
        by: By,
        code: str,
        event_class: type[ev.CadreEvent],
        expected_version: int | None,
        ids: dict[str, str] | None = None,
        **fields: Any,
    ) -> Written:
        cadre = self.cadre(code)
        cadre.record(self._ctx(by), event_class, **fields)
        return self._save(cadre, expected_version, **(ids or {}))

    # -- the record -----------------------------------------------------------------------

    @on_fresh_state
    def register_cadre(
        self,
        by: By,
        *,
        code: str,
        name: str,
        gender: str,
        birth_date: date,
        growth_place: str = "",
    ) -> Written:
        """Open a cadre's record; registering a code twice is a conflict."""
        check_code(code, "personnel code")
        check_text(name, "name", max_length=100)
        check_text(gender, "gender", max_length=20)
        check_text(growth_place, "growth_place", max_length=200)
        if not name.strip():
            raise InvalidValue("name must not be blank")
        if self._exists(cadre_id(code)):
            raise AlreadyRegistered(f"cadre {code} is registered already")
        cadre = Cadre.register(
            self._ctx(by),
            code=code,
            name=name,
            gender=gender,
            birth_date=birth_date,
            growth_place=growth_place,
        )
        return self._save(cadre)

    @on_fresh_state
    def recruit(
        self,
        by: By,
        code: str,
        *,
        effective_date: date,
        unit: str,
        channel: str,
        probation_months: int = 12,
        expected_version: int | None = None,
    ) -> Written:
        """录用 into a unit by a channel."""
        parse_enum(Channel, channel, "channel")
        if not 0 <= probation_months <= 24:
            raise InvalidValue("probation_months must be 0 to 24")
        return self._act(
            by, code, ev.Recruited, expected_version,
            effective_date=effective_date, unit=unit, unit_level=self._level(unit),
            unit_kind=self._unit(unit).kind, channel=channel, probation_months=probation_months,
        )  # fmt: skip

    @on_fresh_state
    def complete_probation(
        self, by: By, code: str, *, effective_date: date, expected_version: int | None = None
    ) -> Written:
        """转正."""
        return self._act(
            by, code, ev.ProbationCompleted, expected_version, effective_date=effective_date
        )

    @on_fresh_state
    def appoint(
        self,
        by: By,
        code: str,
        *,
        unit: str,
        post: str,
        effective_date: date,
        kind: str,
        decided_on: date,
        document_no: str,
        procedure: dict[str, date | None] | None = None,
        public_notice: dict[str, date] | None = None,
        integrity_talk: date | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """任职: hold a post of a unit from the effective date."""
        parse_enum(AppointmentKind, kind, "kind")
        check_text(document_no, "document_no", max_length=100)
        the_unit = self._unit(unit)
        if post not in the_unit.posts:
            raise UnknownReference(f"unit {unit} has no post {post}")
        the_post = the_unit.posts[post]
        if the_post.abolished_on is not None and the_post.abolished_on <= effective_date:
            raise InvariantViolated(f"post {unit}/{post} was abolished on {the_post.abolished_on}")
        steps = {step: (procedure or {}).get(step) for step in PROCEDURE_STEPS}
        unknown = set(procedure or {}) - set(PROCEDURE_STEPS)
        if unknown:
            raise InvalidValue(f"unknown procedure steps: {', '.join(sorted(unknown))}")
        if public_notice is not None and public_notice["end"] < public_notice["start"]:
            raise InvalidValue("public_notice ends before it starts")
        return self._act(
            by, code, ev.Appointed, expected_version,
            unit=unit, unit_level=the_unit.level.value, post=post,
            post_category=the_post.category, team_member=the_post.team_member,
            effective_date=effective_date, kind=kind, decided_on=decided_on,
            document_no=document_no, procedure=steps, public_notice=public_notice,
            integrity_talk=integrity_talk,
        )  # fmt: skip

    @on_fresh_state
    def remove(
        self,
        by: By,
        code: str,
        *,
        unit: str,
        post: str,
        effective_date: date,
        reason: str,
        expected_version: int | None = None,
    ) -> Written:
        """免职."""
        check_text(reason, "reason")
        return self._act(
            by, code, ev.Removed, expected_version,
            unit=unit, post=post, effective_date=effective_date, reason=reason,
        )  # fmt: skip

    @on_fresh_state
    def transfer(
        self,
        by: By,
        code: str,
        *,
        to_unit: str,
        effective_date: date,
        approval: Approval | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """调动: change of home unit."""
        cadre = self.cadre(code)
        from_unit = cadre.state_on(effective_date).home_unit
        from_level = self._level(from_unit) if from_unit else None
        cadre.record(
            self._ctx(by), ev.Transferred,
            from_unit=from_unit, from_level=from_level, to_unit=to_unit,
            to_level=self._level(to_unit), effective_date=effective_date,
            approval=approval.as_dict() if approval else None,
        )  # fmt: skip
        return self._save(cadre, expected_version=expected_version)

    @on_fresh_state
    def second(
        self,
        by: By,
        code: str,
        *,
        host_unit: str,
        start_date: date,
        planned_end_date: date | None = None,
        purpose: str = "",
        approval: Approval | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """借调 to a host unit; returns the new secondment_id."""
        check_text(purpose, "purpose")
        cadre = self.cadre(code)
        home = cadre.state_on(start_date).home_unit
        secondment_id = cadre.new_id("secondment")
        cadre.record(
            self._ctx(by), ev.Seconded,
            secondment_id=secondment_id, home_unit=home,
            home_level=self._level(home) if home else None, host_unit=host_unit,
            host_level=self._level(host_unit), start_date=start_date,
            planned_end_date=planned_end_date, purpose=purpose,
            approval=approval.as_dict() if approval else None,
        )  # fmt: skip
        return self._save(cadre, expected_version=expected_version, secondment_id=secondment_id)

    @on_fresh_state
    def extend_secondment(
        self,
        by: By,
        code: str,
        secondment_id: str,
        *,
        new_planned_end_date: date,
        decided_on: date | None = None,
        approval: Approval | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Move the planned end of the active secondment."""
        return self._act(
            by, code, ev.SecondmentExtended, expected_version,
            secondment_id=secondment_id, decided_on=decided_on or self.clock.today(),
            new_planned_end_date=new_planned_end_date,
            approval=approval.as_dict() if approval else None,
        )  # fmt: skip

    @on_fresh_state
    def end_secondment(
        self,
        by: By,
        code: str,
        secondment_id: str,
        *,
        end_date: date,
        reason: str,
        expected_version: int | None = None,
    ) -> Written:
        """End the active secondment: completed, recalled or cleanup."""
        parse_enum(SecondmentEndReason, reason, "reason")
        return self._act(
            by, code, ev.SecondmentEnded, expected_version,
            secondment_id=secondment_id, end_date=end_date, reason=reason,
        )  # fmt: skip

    @on_fresh_state
    def dispatch(
        self,
        by: By,
        code: str,
        *,
        village_unit: str,
        role: str,
        start_date: date,
        planned_end_date: date,
        expected_version: int | None = None,
    ) -> Written:
        """派驻 to a village; returns the new dispatch_id."""
        parse_enum(DispatchRole, role, "role")
        if self._level(village_unit) != Level.VILLAGE.value:
            raise InvalidValue(f"unit {village_unit} is not a village-level unit")
        cadre = self.cadre(code)
        dispatch_id = cadre.new_id("dispatch")
        cadre.record(
            self._ctx(by), ev.Dispatched,
            dispatch_id=dispatch_id, village_unit=village_unit, role=role,
            start_date=start_date, planned_end_date=planned_end_date,
        )  # fmt: skip
        return self._save(cadre, expected_version=expected_version, dispatch_id=dispatch_id)

    @on_fresh_state
    def end_dispatch(
        self,
        by: By,
        code: str,
        dispatch_id: str,
        *,
        on: date,
        reason: str,
        recalled: bool,
        expected_version: int | None = None,
    ) -> Written:
        """End a dispatch as planned, or recall it early."""
        check_text(reason, "reason")
        event_class = ev.DispatchRecalled if recalled else ev.DispatchEnded
        return self._act(
            by, code, event_class, expected_version,
            dispatch_id=dispatch_id, end_date=on, reason=reason,
        )  # fmt: skip

    @on_fresh_state
    def admonish(
        self, by: By, code: str, *, on: date, authority: str, reason: str,
        expected_version: int | None = None,
    ) -> Written:  # fmt: skip
        """诫勉."""
        check_text(authority, "authority")
        check_text(reason, "reason", max_length=2000)
        return self._act(
            by, code, ev.Admonished, expected_version, date=on, authority=authority, reason=reason
        )

    @on_fresh_state
    def sanction(
        self, by: By, code: str, *, on: date, kind: str, authority: str, reason: str,
        term_months: int | None = None, expected_version: int | None = None,
    ) -> Written:  # fmt: skip
        """处分; 留党察看 (party probation) names its term, 12 or 24 months."""
        parse_enum(SanctionKind, kind, "kind")
        check_text(authority, "authority")
        check_text(reason, "reason", max_length=2000)
        if kind == SanctionKind.PARTY_PROBATION and term_months not in PROBATION_TERMS:
            raise InvalidValue("party_probation needs term_months: 12 or 24")
        if kind != SanctionKind.PARTY_PROBATION and term_months is not None:
            raise InvalidValue("only party_probation has a term (term_months)")
        return self._act(
            by, code, ev.Sanctioned, expected_version,
            date=on, kind=kind, authority=authority, reason=reason, term_months=term_months,
        )  # fmt: skip

    @on_fresh_state
    def open_investigation(
        self, by: By, code: str, *, opened_on: date, authority: str,
        expected_version: int | None = None,
    ) -> Written:  # fmt: skip
        """立案审查; returns the new investigation_id."""
        check_text(authority, "authority")
        cadre = self.cadre(code)
        investigation_id = cadre.new_id("investigation")
        cadre.record(
            self._ctx(by), ev.InvestigationOpened,
            investigation_id=investigation_id, opened_on=opened_on, authority=authority,
        )  # fmt: skip
        return self._save(
            cadre, expected_version=expected_version, investigation_id=investigation_id
        )

    @on_fresh_state
    def close_investigation(
        self, by: By, code: str, investigation_id: str, *, closed_on: date, outcome: str,
        expected_version: int | None = None,
    ) -> Written:  # fmt: skip
        """Close an open investigation."""
        check_text(outcome, "outcome", max_length=2000)
        return self._act(
            by, code, ev.InvestigationClosed, expected_version,
            investigation_id=investigation_id, closed_on=closed_on, outcome=outcome,
        )  # fmt: skip

    @on_fresh_state
    def record_review(
        self, by: By, code: str, *, year: int, rating: str, expected_version: int | None = None
    ) -> Written:
        """年度考核."""
        parse_enum(ReviewRating, rating, "rating")
        if not 1949 <= year <= self.clock.today().year:
            raise InvalidValue(f"year must be 1949 to {self.clock.today().year}")
        return self._act(
            by, code, ev.AnnualReviewRecorded, expected_version, year=year, rating=rating
        )

    @on_fresh_state
    def record_training(
        self, by: By, code: str, *, start_date: date, days: int, topic: str,
        expected_version: int | None = None,
    ) -> Written:  # fmt: skip
        """A training course."""
        check_text(topic, "topic")
        if not 1 <= days <= 366:
            raise InvalidValue("days must be 1 to 366")
        return self._act(
            by, code, ev.TrainingRecorded, expected_version,
            start_date=start_date, days=days, topic=topic,
        )  # fmt: skip

    @on_fresh_state
    def depart(
        self, by: By, code: str, *, effective_date: date, reason: str, kind: str | None = None,
        expected_version: int | None = None,
    ) -> Written:  # fmt: skip
        """The cadre leaves service; without a kind, it is read from the reason's words."""
        check_text(reason, "reason")
        if kind is not None:
            parse_enum(DepartureKind, kind, "kind")
        return self._act(
            by, code, ev.Departed, expected_version, effective_date=effective_date,
            reason=reason, kind=kind or departure_kind(reason),
        )  # fmt: skip

    @on_fresh_state
    def record_prior_service(
        self, by: By, code: str, *, unit_name: str, unit_level: str, from_date: date,
        to_date: date, source: str, expected_version: int | None = None,
    ) -> Written:  # fmt: skip
        """Service before the platform, from the personnel file (干部档案)."""
        check_text(unit_name, "unit_name", max_length=200)
        check_text(source, "source")
        if not unit_name.strip():
            raise InvalidValue("unit_name must not be blank")
        parse_enum(Level, unit_level, "unit_level")
        if to_date > self.clock.today():
            raise InvalidValue("prior service cannot end after today")
        return self._act(
            by, code, ev.PriorServiceRecorded, expected_version, unit_name=unit_name,
            unit_level=unit_level, from_date=from_date, to_date=to_date, source=source,
        )  # fmt: skip

    @on_fresh_state
    def retract(
        self, by: By, code: str, *, position: int, reason: str, expected_version: int | None = None
    ) -> Written:
        """更正: void the event at a global position; it must be this cadre's, and recorded
        under the retractor's role (another role's entry needs a lead's approval: see
        :meth:`request_retraction`)."""
        cadre = self.cadre(code)
        self._retract(cadre, code, self._ctx(by), position, _reason(reason))
        return self._save(cadre, expected_version=expected_version)

    @on_fresh_state
    def request_retraction(self, by: By, code: str, *, position: int, reason: str) -> Written:
        """Ask a lead to approve retracting an entry (any role's); ``request_id`` names it."""
        ctx = self._ctx(by)
        cadre = self.cadre(code)  # the retraction must be possible now: tried, never saved
        self._retract(cadre, code, ctx, position, _reason(reason), approved_by="(asked)")
        request = RetractionRequest.ask(
            ctx, request_id=uuid4(), cadre=code, position=position, reason=reason
        )
        return self.store.commit(request, request_id=str(request.id))

    @on_fresh_state
    def approve_retraction(
        self, by: By, code: str, request_id: str, *, expected_version: int | None = None
    ) -> Written:
        """A lead, not the asker, approves: the entry is retracted (recorded by the asker, with
        the approver kept), and the approval saved with it."""
        ctx = self._ctx(by)
        try:
            key = UUID(request_id)
        except ValueError:
            raise NotFound(f"retraction request {request_id!r:.40} not found") from None
        request = self.store.load(RetractionRequest, key, "retraction request")
        if request.cadre != code:
            raise NotFound("retraction request not found for this cadre")
        request.approve(ctx)
        cadre = self.cadre(code)
        self._retract(
            cadre, code, request.asker(ctx), request.position, request.reason, approved_by=ctx.by
        )
        return self.store.commit(cadre, request, expected_version=expected_version)

    def _retract(
        self, cadre: Cadre, code: str, ctx: Recording, position: int, reason: str,
        approved_by: str | None = None,
    ) -> None:  # fmt: skip
        try:
            notification = self.store.notification_at(position)
        except NotFound:
            # The cadre exists but the command names no event: an invariant (409), not a 404.
            raise InvariantViolated(f"no event at position {position} to retract") from None
        if notification.originator_id != cadre.id:
            raise InvariantViolated(f"the event at position {position} is not cadre {code}'s")
        cadre.retract(
            ctx,
            position=position,
            version=notification.originator_version,
            event_type=notification.topic.rsplit(":", 1)[-1],
            reason=reason,
            approved_by=approved_by,
        )


def _reason(reason: str) -> str:
    check_text(reason, "reason", max_length=2000)
    if not reason.strip():
        raise InvalidValue("a retraction needs a reason")
    return reason
