"""Rebuilding in shares: several processes each fold a share of the aggregates.

A projection that is ``per_originator`` (the careers view: every row it writes for an event
belongs to that event's cadre, and it reads nothing else) can apply the events of different
originators in different processes, in any interleaving, as long as each process applies its
own originators' events in log order. A rebuild splits such projections by the originator id
into shares; the other projections all go with share 0. Each share reads the whole log but
decodes only the events it applies, so the reading is repeated and the decoding and folding
are divided. Each share keeps its own position record while it builds; when all reached the
same position, the rebuild records that position for the projections and carries on in one
process (a cadre of another share continues from its stored row).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, SafeUUID

from projections.decoding import event_class
from projections.following import Progress, Runner
from projections.framework import Projection, Projector, Share
from projections.recorders import PositionedSQLiteRecorder
from projections.source import StoreSource
from projections.sql import SqlViews


def share_of(projections: Sequence[Projection], share: Share) -> list[Projection]:
    """The projections a share builds: the per-originator ones, and in share 0 the rest too."""
    return [p for p in projections if p.per_originator or share.index == 0]


def handles_class(projection: Projection, cls: type) -> bool:
    """Whether a projection handles events of a class (``handles`` depends on the class only:
    it is asked with a bare instance)."""
    return projection.handles(object.__new__(cls))


class ShareSource:
    """The store's notification log, decoding only the events a share's projections apply.

    The last event of every read is decoded in any case: the runner learns from it how far
    the read got (the projector leaves it out if it is another share's)."""

    def __init__(self, source: StoreSource, projections: Sequence[Projection], share: Share):
        self.source = source
        self.projections = list(projections)
        self.share = share
        self._topics: dict[str, tuple[bool, bool]] = {}

    def position(self) -> int:
        return self.source.position()

    def history(self, originator_id: Any, upto_version: int) -> list[Any]:
        return self.source.history(originator_id, upto_version)

    def _wanted(self, topic: str) -> tuple[bool, bool]:
        """(wanted whoever the originator is, wanted if the share owns the originator)."""
        known = self._topics.get(topic)
        if known is None:
            cls = event_class(topic)
            takers = [p for p in self.projections if handles_class(p, cls)]
            known = self._topics[topic] = (
                any(not p.per_originator for p in takers),
                any(p.per_originator for p in takers),
            )
        return known

    def read(self, after: int, limit: int, upto: int | None = None) -> list[tuple[int, Any]]:
        recorder = self.source.store.recorder
        if isinstance(recorder, PositionedSQLiteRecorder):
            return self._read_rows(recorder.select_stored(after + 1, limit, upto))
        notifications = recorder.select_notifications(start=after + 1, limit=limit, stop=upto)
        decode, wanted, owns = self.source.decode, self._wanted, self.share.owns
        read = []
        for n in notifications:
            always, if_owned = wanted(n.topic)
            if always or (if_owned and owns(n.originator_id)):
                read.append((n.id, decode(n)))
        if notifications and (not read or read[-1][0] != notifications[-1].id):
            last = notifications[-1]
            read.append((last.id, decode(last)))
        return read

    def _read_rows(self, rows: list[Any]) -> list[tuple[int, Any]]:
        # The same as above over plain rows: the id's text becomes an integer only for the
        # topics a share may apply (to find its share), and a UUID only for the events decoded.
        decode, wanted, topics = self.source.decode.stored, self._wanted, self._topics
        count, index = self.share.count, self.share.index
        read = []
        for position, oid, version, topic, state in rows:
            always, if_owned = topics.get(topic) or wanted(topic)
            if always or if_owned:
                number = _id_number(oid)
                if always or number % count == index:
                    read.append((position, decode(topic, _uuid(number), version, state)))
        if rows and (not read or read[-1][0] != rows[-1][0]):
            position, oid, version, topic, state = rows[-1]
            read.append((position, decode(topic, UUID(oid), version, state)))
        return read


def _id_number(stored: str) -> int:
    """The integer of an originator id as the store keeps it (32 hex digits)."""
    try:
        return int(stored, 16)
    except ValueError:  # any other form a UUID reads
        return UUID(stored).int


def _uuid(number: int) -> UUID:
    """``UUID(int=number)`` without its checks (the number came from a stored id)."""
    made = object.__new__(UUID)
    object.__setattr__(made, "int", number)
    object.__setattr__(made, "is_safe", SafeUUID.unknown)
    return made


def build_share(
    source: StoreSource,
    views: SqlViews,
    projections: Sequence[Projection],
    share: Share,
    target: int,
    batch_size: int,
    on_progress: Callable[[Progress], None] | None = None,
) -> None:
    """Apply the log up to ``target`` to a share of the projections (their tables exist)."""
    mine = share_of(projections, share)
    for projection in mine:
        if projection.per_originator:
            projection.shared(share.count)
    projector = Projector(views, mine, source, indexes=False, share=share)
    runner = Runner(ShareSource(source, mine, share), projector, batch_size, horizon=lambda: target)
    runner.catch_up(on_progress)


@dataclass(frozen=True)
class ShareWork:
    """What a process needs to build one share: how to open the store and the views, the
    projections (by class and table suffix), the share, the position to reach."""

    open_source: Callable[[], StoreSource]
    open_views: Callable[[], SqlViews]
    kinds: Sequence[type[Projection]]
    suffix: str
    share: Share
    target: int
    batch_size: int

    def run(self) -> None:
        """``build_share`` over connections of this process's own."""
        source, views = self.open_source(), self.open_views()
        try:
            projections = [kind(self.suffix) for kind in self.kinds]
            build_share(source, views, projections, self.share, self.target, self.batch_size)
        finally:
            views.close()
            source.store.close()


class ShareProcess:
    """A share built by a fresh interpreter (``python -m projections.sharing``): it inherits no
    thread, lock or connection of this process, and runs no code of this process's main
    module. The work goes to it pickled on its standard input."""

    def __init__(self, work: ShareWork) -> None:
        self.work = work
        self.process = subprocess.Popen(
            [sys.executable, "-m", "projections.sharing"], stdin=subprocess.PIPE
        )
        assert self.process.stdin is not None
        self.pipe = self.process.stdin
        # The pipe stays open while the share works: if this process dies, the share sees its
        # end and stops too (``_work_while_watched``).
        pickle.dump(work, self.pipe)
        self.pipe.flush()

    def wait(self) -> None:
        """Return when the share is built; raise if its process failed."""
        code = self.process.wait()
        self.pipe.close()
        if code != 0:
            raise RuntimeError(
                f"share {self.work.share.index} of {self.work.share.count} of the rebuild "
                f"failed (exit status {code}; its error is logged above)"
            )

    def stop(self) -> None:
        """End the process if it still runs (this rebuild failed)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.pipe.close()


def _work_while_watched() -> None:
    """The share process: the work from standard input, stopped if the rebuild's process ends
    (its end of the pipe closes) before the work is done."""
    work: ShareWork = pickle.load(sys.stdin.buffer)

    def watch() -> None:
        # The file descriptor itself, not the buffered reader: a thread blocked in the reader
        # holds its lock, and the interpreter's shutdown waits for it.
        while os.read(sys.stdin.fileno(), 4096):
            pass  # the rebuild's process sends nothing more: only the pipe's end matters
        os._exit(3)

    threading.Thread(target=watch, daemon=True).start()
    work.run()


def hand_over(views: SqlViews, projections: Sequence[Projection], count: int, target: int) -> None:
    """Every share reached ``target``: bring the rows the other shares built apart into
    ``views`` (where share 0 built), record ``target`` as the projections' position and forget
    the shares' records."""
    tables = [t for p in projections if p.per_originator for t in p.table_map().values()]
    for index in range(1, count):
        views.take_share(index, count, tables)
    views.write({}, {}, {p.name + p.suffix: target for p in projections})
    for p in projections:
        for index in range(count):
            views.forget_position(Share(index, count).record(p.name + p.suffix))


if __name__ == "__main__":
    _work_while_watched()
