"""A cadre's career as the rules see it: the facts in effect on a date, grouped by kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain import cadre_events as ev
from domain.cadre_state import CadreState, order_key
from domain.errors import InvariantViolated
from domain.rules.base import Entry
from domain.rules.history import CadreHistory
from domain.values import AppointmentKind, Level

PROMOTION_KINDS = {AppointmentKind.PROMOTION.value, AppointmentKind.EXCEPTIONAL.value}
TOWNSHIP = Level.TOWNSHIP.value


@dataclass
class Home:
    """A period in one home unit: from ``start`` until ``end`` (the next home's start)."""

    unit: str
    level: str | None
    start: date
    entry: Entry
    end: date | None = None


@dataclass
class SecondmentRecord:
    """One secondment: the event that started it, its extensions and its end."""

    started: Entry
    extensions: list[Entry] = field(default_factory=list)
    ended: Entry | None = None

    @property
    def event(self) -> ev.Seconded:
        """The Seconded event."""
        seconded: ev.Seconded = self.started.event
        return seconded

    @property
    def end_date(self) -> date | None:
        """When it ended (None while active)."""
        return self.ended.event.end_date if self.ended else None

    @property
    def planned_end(self) -> date | None:
        """The planned end, as extended."""
        if self.extensions:
            last: date = self.extensions[-1].event.new_planned_end_date
            return last
        return self.event.planned_end_date

    @property
    def positions(self) -> list[int]:
        """Every position the secondment rests on."""
        ended = [self.ended.position] if self.ended else []
        return [self.started.position, *(x.position for x in self.extensions), *ended]


@dataclass
class Career:
    """The live facts of a cadre effective on or before ``as_of``, in effective-date order."""

    code: str
    as_of: date
    state: CadreState
    facts: list[Entry] = field(default_factory=list)
    recruitment: Entry | None = None
    probation_completed: Entry | None = None
    homes: list[Home] = field(default_factory=list)
    appointments: list[Entry] = field(default_factory=list)
    transfers: list[Entry] = field(default_factory=list)
    secondments: list[SecondmentRecord] = field(default_factory=list)
    admonishments: list[Entry] = field(default_factory=list)
    sanctions: list[Entry] = field(default_factory=list)
    openings: dict[str, Entry] = field(default_factory=dict)
    closings: dict[str, Entry] = field(default_factory=dict)
    prior_service: list[Entry] = field(default_factory=list)
    dispatches: list[Entry] = field(default_factory=list)
    reviews: list[Entry] = field(default_factory=list)
    trainings: list[Entry] = field(default_factory=list)
    departed: Entry | None = None

    @classmethod
    def of(cls, history: CadreHistory, as_of: date) -> Career:
        """Fold the history leniently (as the platform does) and keep what each fact was."""
        state = CadreState(code=history.code, name=getattr(history.first, "name", ""))
        career = cls(code=history.code, as_of=as_of, state=state)
        for entry in sorted(history.live(), key=lambda e: order_key(e.event)):
            effective = entry.event.effective
            if effective is not None and effective > as_of:
                break
            try:
                entry.event.check(state)
            except InvariantViolated:
                continue
            entry.event.advance(state)
            career._note(entry)
        return career

    def _note(self, entry: Entry) -> None:
        self.facts.append(entry)
        event = entry.event
        if isinstance(event, ev.Recruited):
            self.recruitment = entry
            self._move(entry, event.unit, event.unit_level, event.effective_date)
        elif isinstance(event, ev.Transferred):
            self.transfers.append(entry)
            self._move(entry, event.to_unit, event.to_level, event.effective_date)
        elif isinstance(event, ev.Departed):
            self.departed = entry
            if self.homes:
                self.homes[-1].end = event.effective_date
        elif isinstance(event, ev.ProbationCompleted):
            self.probation_completed = entry
        elif isinstance(event, ev.Appointed):
            self.appointments.append(entry)
        elif isinstance(event, ev.Seconded):
            self.secondments.append(SecondmentRecord(entry))
        elif isinstance(event, ev.SecondmentExtended | ev.SecondmentEnded):
            self._secondment_step(entry)
        elif isinstance(event, ev.Admonished):
            self.admonishments.append(entry)
        elif isinstance(event, ev.Sanctioned):
            self.sanctions.append(entry)
        elif isinstance(event, ev.InvestigationOpened):
            self.openings[event.investigation_id] = entry
        elif isinstance(event, ev.InvestigationClosed):
            self.closings[event.investigation_id] = entry
        else:
            self._note_more(entry)

    def _note_more(self, entry: Entry) -> None:
        event = entry.event
        if isinstance(event, ev.PriorServiceRecorded):
            self.prior_service.append(entry)
        elif isinstance(event, ev.Dispatched):
            self.dispatches.append(entry)
        elif isinstance(event, ev.AnnualReviewRecorded):
            self.reviews.append(entry)
        elif isinstance(event, ev.TrainingRecorded):
            self.trainings.append(entry)

    def _move(self, entry: Entry, unit: str, level: str | None, start: date) -> None:
        if self.homes and self.homes[-1].end is None:
            self.homes[-1].end = start
        self.homes.append(Home(unit, level, start, entry))

    def _secondment_step(self, entry: Entry) -> None:
        for record in self.secondments:
            if record.event.secondment_id == entry.event.secondment_id:
                if isinstance(entry.event, ev.SecondmentEnded):
                    record.ended = entry
                else:
                    record.extensions.append(entry)

    # -- what several rules ask -----------------------------------------------------------

    def promotions(self) -> list[Entry]:
        """Appointments of kind promotion or exceptional."""
        return [a for a in self.appointments if a.event.kind in PROMOTION_KINDS]

    def home_on(self, day: date) -> Home | None:
        """The home unit in effect on ``day`` (the latest recruitment or transfer effective on
        or before it), folded from the history as known: never copied from another event."""
        found = None
        for home in self.homes:
            if home.start <= day:
                found = home
        return found
