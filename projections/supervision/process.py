"""The supervision process: a follower of the log that records findings exactly once.

For each batch it re-evaluates, event by event, the cadre, unit or complaint each event touched
(its history up to that event, as of the day the event was recorded), and saves the resulting
Finding events together with a tracking record of the batch's last position, in one
transaction. A crash before the commit leaves neither, so the batch is processed again; a
concurrent supervisor or a finding changed meanwhile makes the commit fail whole, and the batch
is evaluated again. Finding events themselves are never evaluated.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
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
from projections.following import Batch, FollowerBase, Mark, Raced
from projections.supervision.evaluation import Evaluator
from projections.supervision.histories import CachedHistories
from projections.supervision.register import (
    SUPERVISOR,
    FindingIndex,
    FindingWork,
    Judged,
    Tally,
)

log = logging.getLogger("jiandu.supervision")


def _module(cls: type) -> str:
    return get_topic(cls).split(":")[0]


CADRE, UNIT, COMPLAINT = _module(ev.CadreEvent), _module(un.UnitEvent), _module(cp.Complaint)
TOWNSHIP = "township"


class Supervisor(FollowerBase):
    """Re-evaluates what each new event touches and records the findings' changes."""

    name = "supervision"
    attempts = 5  # evaluations of a batch whose commit lost a race, before giving up

    def __init__(self, store: Store, evaluator: Evaluator, clock: Clock) -> None:
        self.store = store
        self.evaluator = evaluator
        self.clock = clock
        self.index = FindingIndex(store)
        # The last date the sweep judged: events are never judged as of an earlier day.
        self.floor: Callable[[], date | None] = lambda: None
        self.tally = Tally()

    def position(self) -> int:
        """The last position processed (recorded atomically with the findings it caused)."""
        return self.store.tracked(SUPERVISOR)

    def positions(self) -> dict[str, int]:
        return {self.name: self.position()}

    def process(self, prepared: Batch, mark: Mark) -> dict[int, str]:
        """Reconcile what a batch touched and save the findings' changes with the mark; a batch
        whose commit lost a race on a finding is judged again."""
        batch = list(prepared)
        for attempt in range(1, self.attempts + 1):
            work = self.judge(batch, mark)
            try:
                self.save(work, mark)
            except ConcurrentWrite as conflict:
                if attempt == self.attempts:
                    raise
                log.info("supervision batch not saved; judged again", extra={"why": str(conflict)})
                continue
            return {}
        raise AssertionError("unreachable")  # pragma: no cover

    def judge(self, batch: Batch, mark: Mark) -> FindingWork:
        """The findings' changes a batch calls for (nothing is saved).

        In process each event is judged at its own position, as of the day it was recorded;
        from Kafka (no mark position: deliveries may repeat or come late) each subject is
        judged on its whole history as the store holds it now, so a repeat records nothing
        and an old delivery cannot undo what later events established."""
        if mark.position is None:
            head = self.store.position()
            touched = sorted({(head, _originator(e), _module(type(e))) for _, e in batch})
            floor = None
        else:
            touched = [(p, _originator(e), _module(type(e))) for p, e in batch]
            floor = self.floor() or date.min
        self.index.refresh()
        work = FindingWork(self.store, self.index, self.clock)
        self.reconcile(work, touched, self.clock.today(), floor=floor)
        return work

    def save(self, work: FindingWork, mark: Mark) -> None:
        """Save judged changes with the mark's tracking record, in one transaction. Raises
        :class:`Raced` when a rival process recorded the mark's position first (nothing is
        written), ConcurrentWrite when a finding changed meanwhile."""
        tracking = Tracking(SUPERVISOR, mark.position) if mark.position is not None else None
        try:
            self.store.commit_processed(*work.changed(), tracking=tracking)
        except ConcurrentWrite as conflict:
            if mark.position is not None and self.position() >= mark.position:
                raise Raced(str(conflict)) from None
            raise
        work.saved()
        self.tally.add(work.tally)

    def record(self, position: int) -> None:
        """Record ``position`` as processed (when it is past the tracked one)."""
        if position > self.position():
            # A ConcurrentWrite: another member recorded that position first.
            with contextlib.suppress(ConcurrentWrite):
                self.store.commit_processed(tracking=Tracking(SUPERVISOR, position))

    # -- evaluating what a batch touched -----------------------------------------------

    def reconcile(
        self,
        work: FindingWork,
        touched: Sequence[tuple[int, UUID, str]],
        today: date,
        floor: date | None = None,
    ) -> None:
        """Reconcile the subjects of (position, aggregate id, event module) triples.

        Each event is judged at its own position, in position order, whatever batch it came
        in: a subject's findings then depend only on its history, not on batch boundaries or
        on how events of other aggregates were interleaved with it. With a ``floor``, each is
        judged as of the day its event was recorded (never before the floor, the last sweep,
        nor after today), so catching up later finds what following live would have found;
        without one, as of ``today``.
        """
        judge = replace(self.evaluator, histories=CachedHistories(self.evaluator.histories))

        def day(history: History) -> date:
            if floor is None or not history:
                return today
            recorded: date = history.entries[-1].event.timestamp.date()
            return max(floor, min(recorded, today))

        for position, originator_id, module in sorted(set(touched)):
            if module == CADRE:
                cadre = judge.histories.cadre_by_id(originator_id).upto(position)
                self.cadre(work, judge, cadre, day(cadre))
                for code in sorted(_township_posts(cadre)):
                    self.unit(work, judge, unit_id(code), position, {originator_id}, day(cadre))
            elif module == UNIT:
                unit = judge.histories.unit_by_id(originator_id).upto(position)
                self.unit(work, judge, originator_id, position, set(), day(unit))
            elif module == COMPLAINT:
                complaint = judge.histories.complaint(str(originator_id)).upto(position)
                self.complaint(work, judge, complaint, day(complaint))

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


def _originator(event: Any) -> UUID:
    return UUID(str(event.originator_id))


def _township_posts(history: CadreHistory) -> set[str]:
    """Township units the cadre was ever appointed in (retracted appointments included)."""
    return {
        e.event.unit
        for e in history.entries
        if isinstance(e.event, ev.Appointed) and e.event.unit_level == TOWNSHIP
    }


def _remedied(developments: list[Entry], today: date) -> date:
    """When the condition stopped: the latest development in effect by today, else today."""
    days = [d for e in developments if (d := effective_of(e.event)) is not None and d <= today]
    return max(days) if days else today
