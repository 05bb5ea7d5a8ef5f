"""The one event store: every aggregate, one global position sequence.

An eventsourcing Application named ``jiandu``; the recorder (SQLite or PostgreSQL) is chosen
by the environment the composition root passes in, never by code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, TypeVar, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, EventSourcingError
from eventsourcing.persistence import (
    ApplicationRecorder,
    DatetimeAsISO,
    DecimalAsStr,
    IntegrityError,
    JSONTranscoder,
    Notification,
    Tracking,
    Transcoding,
    UUIDAsHex,
)

from domain.errors import ConcurrentWrite, HistoryBroken, LostRace, NotFound
from domain.idempotency import KeyTaken, current_claim

log = logging.getLogger("jiandu.store")

A = TypeVar("A", bound=Aggregate)


@runtime_checkable
class PositionedRecorder(Protocol):
    """A recorder that selects one aggregate's events with their notification ids."""

    def select_positioned(
        self, originator_id: UUID, upto: int | None = None
    ) -> Sequence[Notification]:
        """Every event of one aggregate (stored at or before ``upto``), in version order, each
        with its notification id."""
        ...


class DateAsISO(Transcoding):
    """Dates travel as ISO strings."""

    type = date
    name = "date"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def transcodings() -> list[Transcoding]:
    """How the store encodes values JSON lacks: the library's (UUIDs, decimals, datetimes) and
    dates. The transport decodes its envelopes with the same ones."""
    return [UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()]


@dataclass(frozen=True)
class Written:
    """What a command wrote: the global position of its last event and the aggregate version."""

    position: int
    version: int
    ids: Mapping[str, str] = field(default_factory=dict)


class Store(Application[UUID]):
    """Jiandu's event store."""

    name = "jiandu"
    _positioned_recorder: bool | None = None  # whether the recorder is a PositionedRecorder
    _scan_warned = False  # Store.positioned's full-log scan has been reported

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        for transcoding in transcodings():
            transcoder.register(transcoding)

    def construct_recorder(self) -> ApplicationRecorder:
        # A process recorder: the same events table, plus tracking records that processes
        # (the supervision process) save atomically with the events they write.
        return self.factory.process_recorder()

    def load(self, cls: type[A], aggregate_id: UUID, what: str, version: int | None = None) -> A:
        """The aggregate of that id (at ``version``, default the latest), or NotFound naming
        ``what``; HistoryBroken when its stored history no longer folds."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"{what} not found") from None
        except (EventSourcingError, AssertionError, AttributeError, TypeError):
            self.history(aggregate_id, version)  # raises HistoryBroken naming the version
            raise
        if not isinstance(aggregate, cls):
            raise NotFound(f"{what} not found")
        return aggregate

    def history(self, aggregate_id: UUID, upto_version: int | None = None) -> list[Any]:
        """An aggregate's events (up to a version), checked to fold: versions 1, 2, 3... with
        none missing; HistoryBroken names the first that is missing."""
        events = list(self.events.get(aggregate_id, lte=upto_version))
        for expected, event in enumerate(events, start=1):
            if event.originator_version != expected:
                raise HistoryBroken(aggregate_id, expected)
        return events

    def version(self, aggregate_id: UUID) -> int:
        """The version of an aggregate's last recorded event (0 when none): one indexed row."""
        last = self.recorder.select_events(aggregate_id, desc=True, limit=1)
        return last[0].originator_version if last else 0

    def exists(self, aggregate_id: UUID) -> bool:
        """Whether any event was recorded for that id."""
        return aggregate_id in self.repository

    def commit(
        self, *aggregates: Aggregate, expected_version: int | None = None, **ids: str
    ) -> Written:
        """Append the aggregates' new events atomically; a lost race is LostRace."""
        main = aggregates[0]
        if expected_version is not None:
            before = main.version - len(main.pending_events)
            if before != expected_version:
                raise ConcurrentWrite(
                    f"expected version {expected_version}, but the record is at version {before}"
                )
        claim = current_claim()
        extra: dict[str, Any] = {}
        if claim is not None and not claim.recorded:
            if not getattr(self.recorder, "records_idempotency", False):
                raise RuntimeError("this store's recorder does not record idempotency keys")
            extra["idempotency"] = claim.record(main.version, ids)
        try:
            recordings = self.save(*aggregates, **extra)
        except IntegrityError:
            if claim is not None and extra and self.idempotent_answer(claim.scope, claim.key):
                raise KeyTaken("another request recorded a write under this key") from None
            raise LostRace(
                "another change to the same record was saved first; reload and retry"
            ) from None
        if claim is not None and extra:
            claim.recorded = True
        position = max((r.notification.id for r in recordings), default=self.position())
        return Written(position=position, version=main.version, ids=ids)

    def idempotent_answer(self, scope: str, key: str) -> dict[str, Any] | None:
        """The record kept for an idempotency key (None when unused or not recorded here)."""
        lookup = getattr(self.recorder, "idempotent_answer", None)
        found: dict[str, Any] | None = lookup(scope, key) if lookup is not None else None
        return found

    def append_all(self, other: Store, batch: int = 5000) -> int:
        """Append every event of ``other`` (in its order) to this store in ONE transaction:
        all of them or, on any failure, none. Their positions here follow this store's head."""
        stored: list[Notification] = []
        start = 1
        while found := other.recorder.select_notifications(start=start, limit=batch):
            stored += found
            start = found[-1].id + 1
        if stored:
            try:
                self.recorder.insert_events(stored)
            except IntegrityError:
                raise ConcurrentWrite(
                    "some of these records exist in the store already; nothing was written"
                ) from None
        return len(stored)

    def keep_answer_body(self, scope: str, key: str, body: str) -> None:
        """Keep a keyed command's answer as sent, beside the record made with its write."""
        self.recorder.keep_body(scope, key, body)  # type: ignore[attr-defined]

    def commit_processed(self, *aggregates: Aggregate, tracking: Tracking | None) -> None:
        """Append the aggregates' new events and a tracking record in one transaction.

        A process records how far it got in the notification log of ``tracking``'s
        application together with what processing wrote, so it writes each effect exactly
        once. A tracking position already recorded, or a lost race on an aggregate, is
        ConcurrentWrite and nothing is written.
        """
        processing = ProcessingEvent[UUID](tracking)
        processing.collect_events(*aggregates)
        try:
            self._record(processing)
        except IntegrityError:
            raise ConcurrentWrite(
                "the position was processed already, or a record changed meanwhile"
            ) from None

    def tracked(self, application_name: str) -> int:
        """The last notification position a process recorded as processed (0 when none)."""
        recorder: Any = self.recorder
        return int(recorder.max_tracking_id(application_name) or 0)

    def position(self) -> int:
        """The global position of the last recorded event (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def notification_at(self, position: int) -> Notification:
        """The stored event at a global position, or NotFound."""
        found = self.recorder.select_notifications(start=position, limit=1)
        if not found or found[0].id != position:
            raise NotFound(f"no event at position {position}")
        return found[0]

    def decode(self, notification: Notification) -> Any:
        """The domain event of a stored notification (upcast to the current version)."""
        return self.mapper.to_domain_event(notification)

    def positioned(self, originator_id: UUID, upto: int | None = None) -> list[tuple[int, Any]]:
        """Every event of one aggregate (stored at or before ``upto``), in version order, with
        its global position (HistoryBroken names the first version missing).

        The store's recorder answers this with one indexed query when it can (a
        :class:`PositionedRecorder`, as the composition root configures); otherwise the
        notification log is scanned, which only suits small stores (tests in memory): the
        first scan logs a warning, once per store."""
        if self._positioned_recorder is None:  # a Protocol check is slow: once per store
            self._positioned_recorder = isinstance(self.recorder, PositionedRecorder)
        if self._positioned_recorder:
            recorder: Any = self.recorder
            found: Sequence[Notification] = recorder.select_positioned(originator_id, upto)
        else:
            found = self._scan(originator_id, upto)
        return self._decoded(originator_id, found)

    def positioned_many(
        self, originator_ids: Sequence[UUID], upto: int | None = None
    ) -> dict[UUID, list[tuple[int, Any]]]:
        """:meth:`positioned` for several aggregates, in one query when the recorder has one
        (``select_positioned_many``); every id asked is in the answer (empty when none)."""
        select = getattr(self.recorder, "select_positioned_many", None)
        if select is None:
            return {i: self.positioned(i, upto) for i in originator_ids}
        found: dict[UUID, list[Notification]] = {i: [] for i in originator_ids}
        for n in select(originator_ids, upto):
            found[n.originator_id].append(n)
        return {i: self._decoded(i, notifications) for i, notifications in found.items()}

    def _decoded(self, originator_id: UUID, found: Sequence[Notification]) -> list[tuple[int, Any]]:
        for expected, n in enumerate(found, start=1):
            if n.originator_version != expected:
                raise HistoryBroken(originator_id, expected)
        decode = self.mapper.to_domain_event
        return [(n.id, decode(n)) for n in found]

    def _scan(self, originator_id: UUID, upto: int | None) -> list[Notification]:
        if not self._scan_warned:
            self._scan_warned = True
            recorder = type(self.recorder)
            log.warning(
                "history reads scan the whole event log: this store's recorder cannot select "
                "one aggregate's events with their positions (build the store through the "
                "composition root)",
                extra={
                    "recorder": f"{recorder.__module__}.{recorder.__qualname__}",
                    "events": self.position(),
                },
            )
        found, start = [], 1
        while batch := self.recorder.select_notifications(start=start, limit=1000, stop=upto):
            found += [n for n in batch if n.originator_id == originator_id]
            start = batch[-1].id + 1
        return found
