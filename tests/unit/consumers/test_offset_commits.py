"""When a member commits its applied offsets to Kafka: at most once a second for a sink that
stores its offsets with its effect, when idle and when it stops; every batch otherwise. A
clock the test moves and a commit that only records what it was given."""

from __future__ import annotations

import pytest

from consumers.commits import OffsetCommits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Kafka:
    """What reached Kafka, and which partitions this member holds."""

    def __init__(self) -> None:
        self.commits: list[dict[int, int]] = []
        self.assigned = {0, 1, 2}

    def commit(self, offsets: dict[int, int]) -> None:
        self.commits.append(offsets)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def kafka() -> Kafka:
    return Kafka()


@pytest.fixture
def commits(clock: Clock, kafka: Kafka) -> OffsetCommits:
    return OffsetCommits(kafka.commit, lambda: kafka.assigned, every_s=1.0, clock=clock)


def test_at_most_once_a_second_while_batches_arrive(
    commits: OffsetCommits, clock: Clock, kafka: Kafka
) -> None:
    commits.applied({0: 10}, every_batch=False)
    assert kafka.commits == [{0: 10}]  # the first batch: nothing committed before
    for offset, at in ((20, 0.3), (30, 0.6), (40, 0.999)):
        clock.now = 1000.0 + at
        commits.applied({0: offset, 1: offset + 1}, every_batch=False)
    assert kafka.commits == [{0: 10}]  # less than a second since the last commit
    clock.now = 1001.0
    commits.applied({2: 7}, every_batch=False)
    # One commit with the latest offset of every partition applied since the last one.
    assert kafka.commits == [{0: 10}, {0: 40, 1: 41, 2: 7}]
    clock.now = 1001.5
    commits.applied({0: 50}, every_batch=False)
    clock.now = 1002.0
    commits.applied({0: 60}, every_batch=False)
    assert kafka.commits[2:] == [{0: 60}]  # a second after the last commit, not the first batch


def test_idle_and_stopping_members_commit_what_is_pending_at_once(
    commits: OffsetCommits, clock: Clock, kafka: Kafka
) -> None:
    commits.applied({0: 10}, every_batch=False)
    clock.now += 0.1
    commits.applied({0: 20, 1: 5}, every_batch=False)
    assert len(kafka.commits) == 1
    commits.flush()  # a poll returned nothing, or the member stops
    assert kafka.commits[1:] == [{0: 20, 1: 5}]
    commits.flush()
    assert len(kafka.commits) == 2  # nothing pending: no round trip
    clock.now += 0.5
    commits.applied({1: 6}, every_batch=False)
    assert len(kafka.commits) == 2  # the flush counts as the last commit
    clock.now += 0.5
    commits.applied({1: 7}, every_batch=False)
    assert kafka.commits[2:] == [{1: 7}]


def test_revoked_partitions_are_never_committed(
    commits: OffsetCommits, clock: Clock, kafka: Kafka
) -> None:
    commits.applied({0: 10}, every_batch=False)
    clock.now += 0.1
    commits.applied({0: 20, 1: 5}, every_batch=False)
    commits.forget()  # partitions revoked: their next owner commits
    commits.flush()
    assert kafka.commits == [{0: 10}]
    commits.applied({0: 30, 2: 9}, every_batch=False)
    kafka.assigned = {2}  # partition 0 moved to another member meanwhile
    commits.flush()
    assert kafka.commits[1:] == [{2: 9}]
    commits.applied({0: 40}, every_batch=False)
    kafka.assigned = set()
    commits.flush()
    assert kafka.commits[2:] == []  # nothing of ours left to commit


def test_sinks_resuming_from_kafka_commit_every_batch(
    commits: OffsetCommits, clock: Clock, kafka: Kafka
) -> None:
    for offset in (10, 20, 30):
        commits.applied({1: offset}, every_batch=True)
    assert kafka.commits == [{1: 10}, {1: 20}, {1: 30}]  # the clock never moved
