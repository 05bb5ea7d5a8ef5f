"""The supervision process: follows the notification log and records findings exactly once.

For each batch of notifications it re-evaluates, event by event, the cadre, unit or complaint
each event touched (its history up to that event, as of the day the event was recorded), and
saves the resulting Finding events together with a tracking record of the batch's last position,
in one transaction. A crash before the commit leaves neither, so the batch is processed again;
a concurrent supervisor or a finding changed meanwhile makes the commit fail whole, and the
batch is retried from the tracked position. Finding events themselves are never evaluated.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, Tracking
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
from projections.background import Background
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


class Supervisor:
    """Re-evaluates what each new event touches and records the findings' changes."""

    def __init__(
        self,
        store: Store,
        evaluator: Evaluator,
        clock: Clock,
        horizon: Callable[[], int] | None = None,
        batch_size: int = 500,
    ) -> None:
        self.store = store
        self.evaluator = evaluator
        self.clock = clock
        self.horizon = horizon or store.position
        self.batch_size = batch_size
        self.index = FindingIndex(store)
        # The last date the sweep judged: events are never judged as of an earlier day.
        self.floor: Callable[[], date | None] = lambda: None
        self.lock = threading.RLock()
        self.tally = Tally()
        self._worker: Background | None = None

    def position(self) -> int:
        """The last position processed (recorded atomically with the findings it caused)."""
        return self.store.tracked(SUPERVISOR)

    def lag(self) -> dict[str, int]:
        """Position and lag behind the store."""
        position = self.position()
        return {"position": position, "lag": max(self.store.position() - position, 0)}

    def run_once(self) -> int:
        """Process one batch; returns the number of notifications processed."""
        with self.lock:
            start, stop = self.position(), self.horizon()
            if stop <= start:
                return 0
            batch = self.store.recorder.select_notifications(
                start=start + 1, limit=self.batch_size, stop=stop
            )
            if not batch:
                return 0
            self.index.refresh()
            work = FindingWork(self.store, self.index, self.clock)
            self.evaluate(work, batch, self.clock.today())
            try:
                self.store.commit_processed(
                    *work.changed(), tracking=Tracking(SUPERVISOR, batch[-1].id)
                )
            except ConcurrentWrite as conflict:
                log.info("supervision batch not saved; retrying", extra={"why": str(conflict)})
                return 0
            work.saved()
            self.tally.add(work.tally)
            return len(batch)

    def catch_up(self) -> int:
        """Process batches until the horizon at the start is reached."""
        target, processed = self.horizon(), 0
        while self.position() < target:
            count = self.run_once()
            if count == 0:
                break
            processed += count
        return processed

    # -- evaluating what a batch touched -----------------------------------------------

    def evaluate(self, work: FindingWork, batch: Sequence[Notification], today: date) -> None:
        """Reconcile every subject the batch touched, each as of the day its event was recorded."""
        touched = [(n.id, UUID(str(n.originator_id)), n.topic.split(":")[0]) for n in batch]
        self.reconcile(work, touched, today, floor=self.floor() or date.min)

    def observe(self, events: Sequence[tuple[int, Any]]) -> None:
        """Reconcile what delivered (position, event) pairs touched (the Kafka supervisor group).

        Deliveries may repeat or come late, so each subject they touch is judged on its whole
        history as the store holds it now, never at an older position: a repeat records
        nothing, and an old delivery cannot undo what later events established.
        """
        with self.lock:
            head = self.store.position()
            touched = {(head, UUID(str(e.originator_id)), _module(type(e))) for _, e in events}
            for attempt in range(5):
                self.index.refresh()
                work = FindingWork(self.store, self.index, self.clock)
                self.reconcile(work, sorted(touched), self.clock.today())
                try:
                    self.store.commit_processed(*work.changed(), tracking=None)
                except ConcurrentWrite:
                    if attempt == 4:
                        raise
                    continue
                work.saved()
                self.tally.add(work.tally)
                return

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

    # -- following the log in the background --------------------------------------------

    def start(self, interval: float = 0.5) -> None:
        """Follow the log in a background thread, polling every ``interval`` seconds."""
        if self._worker is None:
            self._worker = Background(
                "jiandu-supervision", lambda: self.run_once() > 0, interval=interval
            )
            self._worker.start()

    def stop(self) -> None:
        """Stop following; returns once the current batch is done."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None


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
