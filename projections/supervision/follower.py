"""The supervision process as a follower of the log (what a runner or a consumer group feeds).

The process itself is on the write side (``domain.supervision.process``): it judges a batch and
saves the findings' changes with a tracking record. This adapter gives it the follower's shape:
its position record is that tracking record; a batch whose commit lost a race on a finding is
judged again; one whose position a rival process recorded first is a race lost for good.
"""

from __future__ import annotations

from eventsourcing.persistence import Tracking

from domain.errors import ConcurrentWrite
from domain.supervision.process import Supervisor
from domain.supervision.register import SUPERVISOR
from projections.following import Batch, FollowerBase, Mark, Raced


class SupervisionFollower(FollowerBase):
    """Feeds batches to the supervision process."""

    name = "supervision"
    attempts = 5  # judgements of a batch whose commit lost a race on a finding, before failing

    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor

    def positions(self) -> dict[str, int]:
        return {self.name: self.supervisor.position()}

    def process(self, prepared: Batch, mark: Mark) -> dict[int, str]:
        batch = list(prepared)
        tracking = None if mark.position is None else Tracking(SUPERVISOR, mark.position)
        for attempt in range(1, self.attempts + 1):
            work = self.supervisor.judge(batch, in_order=mark.position is not None)
            try:
                self.supervisor.save(work, tracking)
            except ConcurrentWrite as conflict:
                if mark.position is not None and self.supervisor.position() >= mark.position:
                    raise Raced(str(conflict)) from None  # a rival process recorded it
                if attempt == self.attempts:
                    raise
                continue
            return {}
        raise AssertionError("unreachable")  # pragma: no cover

    def record(self, position: int) -> None:
        self.supervisor.record(position)
