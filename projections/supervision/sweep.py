"""The sweep: re-evaluates what time alone can change, daily and on demand.

Time-based rules (overdue secondments and complaints, secondments growing too long, township
teams whose service grows) and entries recorded ahead of their effective date change their
findings without any new event. The sweep re-evaluates those subjects as of a date:

- cadres with a secondment active on that date, or an entry recorded in advance that took
  effect since the previous sweep;
- complaints not yet closed (filed, accepted, or concluded and not yet notified);
- every subject with a finding that holds;
- what the calendar made due since the previous sweep (`domain.rules.due`): every active cadre
  after a year ended (R-TRAIN-01), every township unit once a year's reviews are due (R-REV-01),
  cadres whose recruitment's village-stay deadline passed (R-TOWN-06).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from typing import TypeVar
from uuid import UUID

from domain.clock import Clock
from domain.errors import ConcurrentWrite, InvalidValue
from domain.ids import cadre_id, unit_id
from domain.rules.due import Due, due_between
from domain.supervision.process import CADRE, COMPLAINT, UNIT, Supervisor, Touch, Units
from domain.supervision.register import FindingWork, Tally
from projections.background import Background
from projections.following import Runner
from projections.sql import SqlViews
from projections.view import Table

log = logging.getLogger("jiandu.supervision")

SWEEPS = Table(
    "rule_sweeps",
    {
        "as_of": "DATE", "swept_at": "TIMESTAMP", "position": "BIGINT", "raised": "INTEGER",
        "remedied": "INTEGER", "withdrawn": "INTEGER",
    },
    key=("as_of",),
)  # fmt: skip
CHUNK = 200
T = TypeVar("T")
Judging = Callable[[FindingWork, int], None]
"""Judges a chunk into a finding work at a position."""


class Sweeper:
    """Runs sweeps through the supervision process and keeps a log of them."""

    chunk = CHUNK  # subjects judged and saved together

    def __init__(
        self, runner: Runner, supervisor: Supervisor, views: SqlViews, clock: Clock
    ) -> None:
        self.runner = runner
        self.supervisor = supervisor
        self.views = views
        self.clock = clock
        views.ensure([SWEEPS])

    def last(self) -> date | None:
        """The latest date swept."""
        rows = self.views.query(f"SELECT MAX(as_of) AS day FROM {SWEEPS.name}")
        return date.fromisoformat(rows[0]["day"]) if rows and rows[0]["day"] else None

    def run(
        self, as_of: date | None = None, on_progress: Callable[[int, int], None] | None = None
    ) -> Tally:
        """Sweep as of a date (today when None; never a future date). ``on_progress`` is told
        (subjects judged, subjects to judge) after each chunk: the cadres and complaints first,
        then the township units, whose number grows as the cadres judged name theirs."""
        today = self.clock.today()
        day = as_of or today
        if day > today:
            raise InvalidValue(f"a sweep cannot run as of {day}, after today ({today})")
        supervisor = self.supervisor
        with self.runner.lock:
            before = replace(supervisor.tally)
            self.runner.catch_up()  # what the process had still to record counts as this run's
            tally = supervisor.tally.since(before)
            # The sweep reads and folds every subject afresh: the histories and facts the
            # process keeps between its batches go first, so the sweep's own working set takes
            # their place instead of coming on top of them (docs/benchmarks.md, the 2 M phase).
            supervisor.known.release()
            upto = self._upto()
            subjects = self._subjects(day)
            units: Units = {uid: (0, set()) for uid, module in subjects if module == UNIT}
            others = [s for s in subjects if s[1] != UNIT]
            done, told = 0, on_progress or (lambda done, total: None)
            for chunk in _chunks(others, self.chunk):
                judged, upto = self._reconcile(partial(self._judge_chunk, chunk, day, units))
                tally.add(judged)
                done += len(chunk)
                told(done, len(others) + len(units))
            # Each township once, after every cadre: the units the cadres gathered and those due.
            for part in _chunks(sorted(units.items(), key=lambda kv: str(kv[0])), self.chunk):
                moved = [(uid, cadres) for uid, (_, cadres) in part]
                judged, upto = self._reconcile(partial(self._judge_units, moved, day))
                tally.add(judged)
                done += len(part)
                told(done, len(others) + len(units))
            row = {"as_of": day, "swept_at": self.clock.now(), "position": upto}
            self.views.write({SWEEPS: [{**row, **tally.as_dict()}]}, {}, {})
        log.info("rules swept", extra={"as_of": day.isoformat(), **tally.as_dict()})
        return tally

    def _upto(self) -> int:
        """Where the sweep judges histories: where the process got to. When a Kafka group runs
        the process, it judges every subject at the process's head (``Supervisor.head``), and
        so does the sweep, read again for every chunk after the finding index's refresh:
        judging a history older than the one a finding the index knows was raised on would
        withdraw what the group raised (meanwhile, while the sweep ran), which the group would
        then raise again."""
        if self.runner.passive:
            return self.supervisor.head()
        return self.supervisor.position()

    def _judge_chunk(
        self,
        chunk: Sequence[tuple[UUID, str]],
        day: date,
        units: Units,
        work: FindingWork,
        upto: int,
    ) -> None:
        """Judge a chunk of cadres and complaints; the township units they touch are added to
        ``units`` (judged after every cadre, each once). A chunk judged again after a rival's
        write adds the same units again, or more: a cadre's townships only grow with its log."""
        touched = [Touch(upto, key, module) for key, module in chunk]
        self.supervisor.reconcile(work, touched, day, gather=units)

    def _judge_units(
        self, moved: list[tuple[UUID, set[UUID]]], day: date, work: FindingWork, upto: int
    ) -> None:
        """Judge a chunk of township units (with the cadres that moved in or out of each)."""
        self.supervisor.reconcile_units(work, moved, day, upto)

    def _reconcile(self, judging: Judging) -> tuple[Tally, int]:
        """Judge a chunk and save what it changed; what it changed and the position it judged
        at (judged again on a rival's concurrent write, at most five times)."""
        supervisor = self.supervisor
        for attempt in range(5):
            supervisor.index.refresh()
            upto = self._upto()  # after the refresh: no finding it knows is newer
            work = FindingWork(supervisor.store, supervisor.index, self.clock)
            judging(work, upto)
            try:
                supervisor.store.commit_processed(*work.changed(), tracking=None)
            except ConcurrentWrite:
                if attempt == 4:
                    raise
                continue
            work.saved()
            return work.tally, upto
        raise AssertionError("unreachable")  # pragma: no cover

    def _due(self, since: date, day: date, tables: set[str], found: dict[UUID, str]) -> None:
        params = self.supervisor.evaluator.params
        _due_subjects(self.views, due_between(since, day, params), tables, found)

    def _subjects(self, day: date) -> list[tuple[UUID, str]]:
        rows = self.views.query(
            f"SELECT MAX(as_of) AS day FROM {SWEEPS.name} WHERE as_of < ?", [day]
        )
        since = rows[0]["day"] if rows and rows[0]["day"] else "0001-01-01"
        found: dict[UUID, str] = {}
        tables = self.views.existing_tables()
        if "secondments" in tables:
            for r in self.views.query(
                "SELECT DISTINCT cadre_id FROM secondments WHERE start_date <= ? "
                "AND (end_date IS NULL OR end_date > ?)",
                [day, day],
            ):
                found[UUID(r["cadre_id"])] = CADRE
        if "timeline" in tables:
            for r in self.views.query(
                "SELECT DISTINCT cadre_id FROM timeline WHERE effective_date > ? "
                "AND effective_date <= ? AND effective_date > substr(recorded_at, 1, 10)",
                [since, day],
            ):
                found[UUID(r["cadre_id"])] = CADRE
        self._due(date.fromisoformat(since), day, tables, found)
        if "complaints" in tables:
            for r in self.views.query(
                "SELECT complaint_id FROM complaints "
                "WHERE status IN ('filed', 'accepted', 'concluded')"
            ):
                found[UUID(r["complaint_id"])] = COMPLAINT
        if "findings" in tables:
            for r in self.views.query(
                "SELECT DISTINCT subject_kind, subject_code FROM findings "
                "WHERE status IN ('open', 'acknowledged')"
            ):
                found.update([_subject(r["subject_kind"], r["subject_code"])])
        return sorted(found.items(), key=lambda kv: (kv[1], str(kv[0])))


def _due_subjects(views: SqlViews, due: Due, tables: set[str], found: dict[UUID, str]) -> None:
    """Add the subjects time made due (year end, review due, recruitment anniversaries)."""
    if due.every_cadre and "cadres" in tables:
        for r in views.query("SELECT cadre_id FROM cadres WHERE status = 'active'"):
            found[UUID(r["cadre_id"])] = CADRE
    if due.township_units and "units" in tables:
        for r in views.query("SELECT unit_id FROM units WHERE level = 'township'"):
            found[UUID(r["unit_id"])] = UNIT
    if due.recruited_from < due.recruited_until and "timeline" in tables:
        for r in views.query(
            "SELECT DISTINCT cadre_id FROM timeline WHERE type = 'Recruited' AND retracted = 0 "
            "AND effective_date >= ? AND effective_date < ?",
            [due.recruited_from, due.recruited_until],
        ):
            found[UUID(r["cadre_id"])] = CADRE


def _subject(kind: str, code: str) -> tuple[UUID, str]:
    if kind == "cadre":
        return cadre_id(code), CADRE
    if kind == "unit":
        return unit_id(code), UNIT
    return UUID(code), COMPLAINT


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class DailySweep:
    """Sweeps once a day inside ``jiandu serve``: at start, then whenever the date changes."""

    def __init__(self, sweeper: Sweeper, clock: Clock, check_every: float = 60.0) -> None:
        self.sweeper = sweeper
        self.clock = clock
        self.check_every = check_every
        self._worker = Background(
            "jiandu-daily-sweep", self._sweep_if_due, interval=check_every,
            retry_after=check_every, join_timeout=60,
        )  # fmt: skip

    def due(self) -> bool:
        """Whether today has not been swept yet."""
        last = self.sweeper.last()
        return last is None or last < self.clock.today()

    def start(self) -> None:
        """Start the background thread."""
        self._worker.start()

    def stop(self) -> None:
        """Stop the thread (waits for a sweep in progress)."""
        self._worker.stop()

    def _sweep_if_due(self) -> bool:
        if self.due():
            self.sweeper.run()
        return False  # wait check_every either way
