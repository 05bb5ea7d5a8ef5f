"""The Cadre aggregate (干部): a career as immutable, bitemporal events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import NAMESPACE_OID, uuid5

from eventsourcing.domain import Aggregate

from domain import cadre_events as ev
from domain.cadre_state import CadreState, fold, order_key
from domain.errors import ApprovalNeeded, InvariantViolated
from domain.ids import cadre_id
from domain.values import Recording, check_effective_date


class Cadre(Aggregate):
    """A cadre's record; state is the fold of its non-retracted events."""

    def __init__(
        self,
        recorded_by: str,
        code: str,
        name: str,
        gender: str,
        birth_date: date,
        growth_place: str,
    ) -> None:
        self.code = code
        self.name = name
        self.gender = gender
        self.birth_date = birth_date
        self.growth_place = growth_place
        self.facts: list[ev.CadreEvent] = []
        self.retracted: dict[int, int] = {}
        self.state = CadreState(code=code, name=name)
        self._last_key: tuple[date, int] = (date.min, 0)

    @classmethod
    def register(
        cls,
        ctx: Recording,
        *,
        code: str,
        name: str,
        gender: str,
        birth_date: date,
        growth_place: str = "",
    ) -> Cadre:
        """Open a cadre's record under its personnel code (the id derives from the code)."""
        check_effective_date(birth_date, ctx.today, "birth_date")
        return cls._create(
            ev.CadreRegistered,
            id=cadre_id(code),
            timestamp=ctx.at,
            recorded_by=ctx.by,
            code=code,
            name=name,
            gender=gender,
            birth_date=birth_date,
            growth_place=growth_place,
        )

    # -- commands -------------------------------------------------------------------------

    def record(self, ctx: Recording, event_class: type[ev.CadreEvent], **fields: Any) -> None:
        """Record one event after checking it against the history it joins."""
        if event_class is ev.EntryRetracted:
            raise TypeError("use retract() to record a retraction")
        event = event_class(**self._header(ctx), **fields)
        # Every recordable career event has an effective date (only retractions have none).
        check_effective_date(event.effective, ctx.today)
        if event.neutral or order_key(event) >= self._last_key:
            event.check(self.state)
        else:
            # A back-dated entry (补录): the whole history must still fold with it inserted.
            fold(self._fresh_state(), [*self._live_facts(), event], strict=True)
        self._commit(event, ctx)

    def state_on(self, day: date) -> CadreState:
        """The state an event effective on ``day`` joins: it folds after that day's events, so
        a back-dated entry (补录) sees the home unit of its own date, not today's."""
        if type(day) is not date or day >= self._last_key[0]:
            return self.state  # nothing live is effective later (record() rejects non-dates)
        return fold(self._fresh_state(), self._live_facts(), strict=False, as_of=day)

    def new_id(self, kind: str) -> str:
        """A server-made id for a secondment, dispatch or investigation recorded next."""
        return str(uuid5(NAMESPACE_OID, f"{self.id}/{kind}/{self.version + 1}"))

    def retract(
        self, ctx: Recording, *, position: int, version: int, event_type: str, reason: str,
        approved_by: str | None = None,
    ) -> None:  # fmt: skip
        """Void the event of ``version`` (global ``position``) without deleting it.

        An entry recorded under another role than the retractor's is retracted only with a
        lead's approval (``approved_by``, from an approved retraction request)."""
        target = next((f for f in self.facts if f.originator_version == version), None)
        if target is None or isinstance(target, ev.EntryRetracted):
            raise InvariantViolated(
                f"position {position} is not a retractable event of cadre {self.code}"
            )
        recorded_as = ev.role_of(target)
        if approved_by is None and recorded_as != ctx.role:
            raise ApprovalNeeded(
                f"the event at position {position} was recorded under the role "
                f"{recorded_as or '(not kept)'}, not {ctx.role or '(none)'}: retracting it needs "
                f"a lead's approval (POST /cadres/{self.code}/retraction-requests)"
            )
        if version in self.retracted:
            raise InvariantViolated(f"the event at position {position} is retracted already")
        remaining = [f for f in self._live_facts() if f.originator_version != version]
        try:
            fold(self._fresh_state(), remaining, strict=True)
        except InvariantViolated as exc:
            raise InvariantViolated(
                f"later events rest on the event at position {position} ({exc}); retract them first"
            ) from None
        self._commit(
            ev.EntryRetracted(
                **self._header(ctx),
                **_fields(
                    position=position,
                    retracted_version=version,
                    retracted_type=event_type,
                    reason=reason,
                ),
            ),
            ctx,
            approved_by=approved_by,
        )

    # -- evolving state -------------------------------------------------------------------

    def absorb(self, event: ev.CadreEvent) -> None:
        """Fold one stored or new event into the state (called by the event's apply)."""
        self.facts.append(event)
        if isinstance(event, ev.EntryRetracted):
            self.retracted[event.retracted_version] = event.originator_version
            self._refold()
        elif event.neutral:
            pass
        elif order_key(event) >= self._last_key:
            try:
                event.check(self.state)
            except InvariantViolated:
                return  # a stored event that no longer fits is skipped, as in lenient folds
            event.advance(self.state)
            self._last_key = order_key(event)
        else:
            self._refold()

    def _header(self, ctx: Recording) -> dict[str, Any]:
        return {
            "originator_id": self.id,
            "originator_version": self.version + 1,
            "timestamp": ctx.at,
            "recorded_by": ctx.by,
        }

    def _commit(
        self, event: ev.CadreEvent, ctx: Recording | None = None, approved_by: str | None = None
    ) -> None:
        if ctx is not None and ctx.role:
            ev.stamp(event, recorded_role=ctx.role)
        if approved_by is not None:
            ev.stamp(event, approved_by=approved_by)
        event.mutate(self)
        self.pending_events.append(event)

    def _live_facts(self) -> list[ev.CadreEvent]:
        return [
            f
            for f in self.facts
            if not isinstance(f, ev.EntryRetracted) and f.originator_version not in self.retracted
        ]

    def _fresh_state(self) -> CadreState:
        return CadreState(code=self.code, name=self.name)

    def _refold(self) -> None:
        live = self._live_facts()
        self.state = fold(self._fresh_state(), live, strict=False)
        self._last_key = max((order_key(f) for f in live if not f.neutral), default=(date.min, 0))


def _fields(**fields: Any) -> dict[str, Any]:
    # Event classes become dataclasses at run time; mypy sees only the base signature.
    return fields


def state_as_of(
    registered: ev.CadreRegistered, events: Iterable[ev.CadreEvent], as_of: date | None
) -> CadreState:
    """State from a (known-at filtered) history, honouring its retractions, up to ``as_of``."""
    events = list(events)
    retracted = {e.retracted_version for e in events if isinstance(e, ev.EntryRetracted)}
    live = [
        e
        for e in events
        if not isinstance(e, ev.EntryRetracted) and e.originator_version not in retracted
    ]
    return fold(
        CadreState(code=registered.code, name=registered.name), live, strict=False, as_of=as_of
    )
