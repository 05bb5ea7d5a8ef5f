"""The supervision process: a policy over the event log that records findings exactly once.

As a process application's policy does, it turns the events of a batch into new events (the
findings' changes) that are saved together with a tracking record of the batch's position, in
one transaction of the one event store: a crash before the commit leaves neither, so the batch
is judged again; a rival process or a finding changed meanwhile makes the commit fail whole.

A cadre or a complaint is judged at each of its events, as of the day the event was recorded, so
that findings depend on histories only, never on batch boundaries. A township unit, whose rules
read every cadre linked to it, is judged once per batch, after the last event its rules read
(an appointment, a transfer, a review; not a training record). Fed from Kafka,
where deliveries may repeat or come late, each subject is judged on the log as it stands at the
process's head (``Supervisor.head``): the store's head, but no further than the read models that
say which cadres a township unit has, so that a unit is never judged over part of its cadres. A
repeat records nothing, and an old delivery cannot undo what later events established. Finding
events themselves are never judged.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.utils import get_topic

from domain import cadre_events as ev
from domain import complaint as cp
from domain import unit as un
from domain.clock import Clock
from domain.errors import ConcurrentWrite
from domain.ids import unit_id
from domain.rules import CadreHistory, ComplaintHistory, Entry
from domain.rules.history import History, effective_of
from domain.store import Store
from domain.supervision.evaluation import Evaluator
from domain.supervision.histories import CachedHistories, KnownHistories
from domain.supervision.register import SUPERVISOR, FindingIndex, FindingWork, Judged, Tally

log = logging.getLogger("jiandu.supervision")


def _module(cls: type) -> str:
    return get_topic(cls).split(":")[0]


CADRE, UNIT, COMPLAINT = _module(ev.CadreEvent), _module(un.UnitEvent), _module(cp.Complaint)
TOWNSHIP = "township"
Units = dict[UUID, tuple[int, set[UUID]]]
"""Township units to judge: unit -> (the position judged at, the cadres that moved)."""

# Cadre events that change nothing a unit's rules read (the team's holders and their service,
# the unit's reviews): judging the cadre is enough.
UNIT_NEUTRAL = (
    ev.TrainingRecorded, ev.Admonished, ev.Sanctioned, ev.InvestigationOpened,
    ev.InvestigationClosed, ev.Dispatched, ev.DispatchEnded, ev.ProbationCompleted,
)  # fmt: skip


@dataclass(frozen=True)
class Touch:
    """An event's mark on a subject: at a position, of an aggregate (by its event module), and
    whether the units the subject belongs to are to be judged again."""

    position: int
    subject: UUID
    module: str
    units: bool = True


def touches(batch: Iterable[tuple[int, Any]], head: int | None = None) -> list[Touch]:
    """What a batch of (position, event) touched; with ``head``, every subject at the head."""
    found = [
        Touch(
            p if head is None else head,
            UUID(str(e.originator_id)),
            _module(type(e)),
            not isinstance(e, UNIT_NEUTRAL),
        )
        for p, e in batch
    ]
    return found


class Supervisor:
    """Judges what the log's events touched and saves the findings' changes with a tracking
    record (the policy of the supervision process; a runner feeds it)."""

    def __init__(self, store: Store, evaluator: Evaluator, clock: Clock) -> None:
        self.store = store
        self.evaluator = evaluator
        self.clock = clock
        self.index = FindingIndex(store)
        # The last date the sweep judged: events are never judged as of an earlier day.
        self.floor: Callable[[], date | None] = lambda: None
        # How far the read models the rules consult (a township unit's cadres) have applied.
        self.consulted: Callable[[], int] = store.position
        self.tally = Tally()
        self.known = KnownHistories()

    def position(self) -> int:
        """The last position processed (recorded atomically with the findings it caused)."""
        return self.store.tracked(SUPERVISOR)

    def head(self) -> int:
        """Where a subject is judged when the log is not followed in order (Kafka deliveries,
        a sweep beside the consumer group): the store's head, but no further than the read
        models consulted. Past them, a township unit's cadres recorded since are not known yet,
        and the unit would be judged over some of its cadres only, on a state the log never
        had: findings raised there are withdrawn once the read models catch up, and raised
        again. Read it after the finding index's refresh: it is then at or past the history
        every finding the index knows was judged on."""
        return min(self.store.position(), self.consulted())

    def judge(self, batch: Sequence[tuple[int, Any]], *, in_order: bool) -> FindingWork:
        """The findings' changes a batch calls for (nothing is saved). ``in_order``: the batch
        is the log's next stretch (in process); otherwise deliveries judged at the head."""
        self.index.refresh()
        work = FindingWork(self.store, self.index, self.clock)
        if in_order:
            if self.known.through != self.position():
                self.known.forget()  # batches went by that this process did not see
            self.known.extend(batch)
            floor = self.floor() or date.min
            last = batch[-1][0] if batch else None
            self.reconcile(work, touches(batch), self.clock.today(), floor, self.known, last)
        else:
            # Never before a delivery's own event (the consumer group's gate sees to it).
            head = max(self.head(), max((p for p, _ in batch), default=0))
            self.reconcile(work, touches(batch, head), self.clock.today())
        return work

    def save(self, work: FindingWork, tracking: Tracking | None) -> None:
        """Save judged changes with a tracking record, in one transaction; ConcurrentWrite
        (nothing written) when the position was recorded already or a finding changed."""
        self.store.commit_processed(*work.changed(), tracking=tracking)
        work.saved()
        self.tally.add(work.tally)
        if tracking is not None:
            self.known.through = tracking.notification_id

    def record(self, position: int) -> None:
        """Record ``position`` as processed (when it is past the tracked one)."""
        if position > self.position():
            # A ConcurrentWrite: another process recorded that position first.
            with contextlib.suppress(ConcurrentWrite):
                self.store.commit_processed(tracking=Tracking(SUPERVISOR, position))

    # -- judging what a batch touched ----------------------------------------------------

    def reconcile(
        self,
        work: FindingWork,
        touched: Sequence[Touch],
        today: date,
        floor: date | None = None,
        known: KnownHistories | None = None,
        upto: int | None = None,
        *,
        gather: Units | None = None,
    ) -> None:
        """Reconcile the subjects touched.

        A cadre or a complaint is judged at each of its events, in position order, whatever
        batch it came in: its findings then depend only on its history, not on batch
        boundaries nor on how other aggregates' events were interleaved with it. A township
        unit, whose rules read every cadre linked to it, is judged once, after the last event
        that touched it. With a ``floor``, each is judged as of the day its (last) event was
        recorded (never before the floor, the last sweep, nor after today), so catching up
        later finds what following live would have found; without one, as of ``today``.
        With ``upto`` (no touch is past it), histories are read only that far. With
        ``gather`` (a sweep), the township units to judge are added to it instead of judged
        here: a sweep judges each once, after all its cadres (``reconcile_units``), where
        judging them with each chunk of cadres would judge a township again for every chunk
        holding one of its cadres, a cost growing with the square of the province.
        """
        histories = CachedHistories(self.evaluator.histories, known, upto)
        judge = replace(self.evaluator, histories=histories, kept=known)

        def day(history: History) -> date:
            if floor is None or not history:
                return today
            recorded: date = history.entries[-1].event.timestamp.date()
            return max(floor, min(recorded, today))

        units: Units = {} if gather is None else gather
        for touch in sorted(set(touched), key=lambda t: (t.position, str(t.subject))):
            if touch.module == CADRE:
                cadre = judge.histories.cadre_by_id(touch.subject).upto(touch.position)
                self.cadre(work, judge, cadre, day(cadre))
                townships = township_units(cadre) if touch.units else set()
                for code in {j for u in townships for j in judge.histories.joint(u)}:
                    at, cadres = units.get(unit_id(code), (0, set()))
                    units[unit_id(code)] = (max(at, touch.position), cadres | {touch.subject})
            elif touch.module == UNIT:
                at, cadres = units.get(touch.subject, (0, set()))
                units[touch.subject] = (max(at, touch.position), cadres)
            elif touch.module == COMPLAINT:
                complaint = judge.histories.complaint(str(touch.subject)).upto(touch.position)
                self.complaint(work, judge, complaint, day(complaint))
        if gather is not None:
            return
        for uid, (upto, cadres) in sorted(units.items(), key=lambda kv: (kv[1][0], str(kv[0]))):
            unit = judge.histories.unit_by_id(uid).upto(upto)
            self.unit(work, judge, uid, upto, cadres, day(_last_of(judge, unit, cadres, upto)))

    def reconcile_units(
        self, work: FindingWork, units: Iterable[tuple[UUID, set[UUID]]], today: date, upto: int
    ) -> None:
        """Reconcile township units (with the cadres that moved in or out of each) as of a
        day, on the log up to ``upto``: a sweep's units, gathered by ``reconcile``."""
        histories = CachedHistories(self.evaluator.histories, None, upto)
        judge = replace(self.evaluator, histories=histories, kept=None)
        for uid, cadres in units:
            self.unit(work, judge, uid, upto, cadres, today)

    def cadre(
        self, work: FindingWork, judge: Evaluator, history: CadreHistory, today: date
    ) -> None:
        """Reconcile one cadre's findings."""
        self._reconcile(work, "cadre", judge.cadre, history, today)

    def unit(
        self,
        work: FindingWork,
        judge: Evaluator,
        uid: UUID,
        upto: int,
        also: set[UUID],
        today: date,
    ) -> None:
        """Reconcile one unit's findings (township units only have any)."""
        history = judge.histories.unit_by_id(uid).upto(upto)
        if not history or getattr(history.first, "level", None) != TOWNSHIP:
            return
        evaluate = judge.unit
        work.reconcile(
            ("unit", history.code),
            Judged(
                today, upto, evaluate(history, today, upto=upto, also=also),
                before=lambda pos, day: evaluate(
                    history, day, upto=upto, also=also, settled=(pos, day)
                ),
                remedied_on=lambda pos, day: today,
            ),
        )  # fmt: skip

    def complaint(
        self, work: FindingWork, judge: Evaluator, history: ComplaintHistory, today: date
    ) -> None:
        """Reconcile one complaint's findings."""
        self._reconcile(work, "complaint", judge.complaint, history, today)

    def _reconcile(
        self,
        work: FindingWork,
        kind: str,
        evaluate: Callable[[Any, date], Any],
        history: CadreHistory | ComplaintHistory,
        today: date,
    ) -> None:
        if not history:
            return
        upto = history.entries[-1].position
        work.reconcile(
            (kind, history.code),
            Judged(
                today, upto, evaluate(history, today),
                before=lambda pos, day: evaluate(history.before_developments(pos, day), day),
                remedied_on=lambda pos, day: _remedied(history.developments(pos, day), today),
            ),
        )  # fmt: skip


def _last_of(judge: Evaluator, unit: History, cadres: set[UUID], upto: int) -> History:
    """Of a unit's history and its moved cadres' histories, the one with the latest event up
    to ``upto`` (its day is the day the unit is judged as of)."""
    histories = [unit, *(judge.histories.cadre_by_id(c).upto(upto) for c in sorted(cadres))]
    return max((h for h in histories if h), key=lambda h: h.entries[-1].position, default=unit)


def township_units(history: CadreHistory) -> set[str]:
    """Township units the cadre was ever appointed in or belonged to (retracted events
    included): their team (R-TOWN-04) and annual review (R-REV-01) may change with it."""
    units = set()
    for e in history.entries:
        event = e.event
        if isinstance(event, ev.Appointed | ev.Recruited) and event.unit_level == TOWNSHIP:
            units.add(event.unit)
        elif isinstance(event, ev.Transferred):
            units.update(u for u, level in ((event.to_unit, event.to_level),
                                            (event.from_unit, event.from_level))
                         if u and level == TOWNSHIP)  # fmt: skip
    return units


def _remedied(developments: list[Entry], today: date) -> date:
    """When the condition stopped: the latest development in effect by today, else today."""
    days = [d for e in developments if (d := effective_of(e.event)) is not None and d <= today]
    return max(days) if days else today
