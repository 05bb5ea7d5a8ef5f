"""Supervision wired together: the process (on the write side, ``domain.supervision``) as a
follower of the log, gated by the read models it consults, the sweep, back-testing, and the
findings register's reads and commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.clock import Clock
from domain.findings import FindingsRegister
from domain.rules import RuleParameters, WorkingCalendar, describe
from domain.store import Store
from domain.supervision.evaluation import Evaluator, candidate_id
from domain.supervision.histories import Histories
from domain.supervision.process import Supervisor
from domain.supervision.register import SUPERVISOR, Tally
from projections.finding_reads import FindingReads
from projections.following import Runner
from projections.source import StoreSource
from projections.sql import SqlViews
from projections.supervision.follower import SupervisionFollower
from projections.supervision.histories import joint_by_views, linked_by_views
from projections.supervision.sweep import DailySweep, Sweeper
from projections.working_calendar import ChinaCalendar

__all__ = ["SUPERVISOR", "Supervision", "Tally"]

READ_MODELS = ("organisation", "careers", "complaints")


@dataclass
class Supervision:
    """Everything the findings and rules routes and commands use."""

    params: RuleParameters
    evaluator: Evaluator
    supervisor: Supervisor
    follower: SupervisionFollower
    runner: Runner
    gate: Callable[[], int]
    """How far the process may judge: as far as the read models it consults have applied (so a
    unit's cadres are known), in process and fed from Kafka alike."""
    sweeper: Sweeper
    daily: DailySweep
    register: FindingsRegister
    reads: FindingReads

    @classmethod
    def build(
        cls,
        store: Store,
        views: SqlViews,
        clock: Clock,
        params: RuleParameters,
        calendar: WorkingCalendar | None = None,
        horizon: Callable[[], int] | None = None,
        *,
        passive: bool = False,
    ) -> Supervision:
        """Wire supervision over a store and its views.

        ``horizon`` bounds how far the process reads (by default: as far as the read models
        it consults have applied, so a unit's linked cadres are known); ``passive``: another
        process (the Kafka supervisor group) runs it, this one only reports and waits.
        """
        cal = calendar or ChinaCalendar(
            params.calendar.extra_holidays, params.calendar.extra_workdays
        )
        histories = Histories(store, linked_by_views(views), joint_by_views(views))
        evaluator = Evaluator(histories, params, cal)
        supervisor = Supervisor(store, evaluator, clock)
        follower = SupervisionFollower(supervisor)
        gate = horizon or _read_models(views)
        runner = Runner(
            StoreSource(store), follower, batch_size=500, passive=passive, horizon=gate,
            interval=0.5,
        )  # fmt: skip
        sweeper = Sweeper(runner, supervisor, views, clock)
        supervisor.floor = sweeper.last
        supervisor.consulted = gate
        return cls(
            params=params,
            evaluator=evaluator,
            supervisor=supervisor,
            follower=follower,
            runner=runner,
            gate=gate,
            sweeper=sweeper,
            daily=DailySweep(sweeper, clock),
            register=FindingsRegister(store, clock),
            reads=FindingReads(views),
        )

    def start(self) -> None:
        """Run the process and the daily sweep in background threads."""
        self.runner.start()
        self.daily.start()

    def stop(self) -> None:
        """Stop both threads."""
        self.daily.stop()
        self.runner.stop()

    def sweep(
        self, as_of: date | None = None, on_progress: Callable[[int, int], None] | None = None
    ) -> Tally:
        """Sweep now (as of today, or an earlier date); ``on_progress``: (judged, to judge)."""
        return self.sweeper.run(as_of, on_progress)

    def catalogue(self) -> dict[str, Any]:
        """The rules with their current parameters."""
        return {
            "source": self.params.source,
            "disabled": sorted(self.params.disabled),
            "calendar": self.params.as_dict()["calendar"],
            "rules": describe(self.params),
        }

    def evaluate(
        self, kind: str, code: str, as_of: date, known_at: datetime | None
    ) -> list[dict[str, Any]]:
        """Back-testing: the findings that would hold, recording nothing."""
        return [
            {
                "finding_id": str(candidate_id(c)), "rule": c.rule, "severity": c.severity,
                "subject": {"kind": c.subject_kind, "code": c.subject_code},
                "anchor": c.anchor, "evidence": list(c.evidence), "details": dict(c.details),
            }
            for c in self.evaluator.subject(kind, code, as_of, known_at)
        ]  # fmt: skip


def _read_models(views: SqlViews) -> Callable[[], int]:
    def horizon() -> int:
        positions = views.positions()
        return min(positions.get(name, 0) for name in READ_MODELS)

    return horizon
