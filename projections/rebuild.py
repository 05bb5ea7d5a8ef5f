"""Rebuild a projection beside the live view, then swap it in when caught up.

Reads keep answering from the live tables during the rebuild; the live follower pauses only
for the final catch-up and the swap, which happen in one transaction.

A large rebuild over the event store uses more than one processor: the careers view (most of
the work) is built in shares of the cadres, one process each (``projections.sharing``), up to
the position the store had at the start; then one process carries on from there.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence

from projections.following import EventSource, Progress, Runner
from projections.framework import Projection, Projector, Share
from projections.registry import PROJECTIONS
from projections.sharing import ShareProcess, ShareWork, build_share, hand_over
from projections.source import StoreSource
from projections.sql import SqlViews

log = logging.getLogger("jiandu.projections")
SUFFIX = "__rebuild"
SHARED_FROM = 100_000  # events: below, starting another process costs more than it saves


def rebuild(
    names: str | Sequence[str],
    source: EventSource,
    views: SqlViews,
    live: Runner | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    batch_size: int = 5000,
    processes: int | None = None,
) -> int:
    """Rebuild projections from position 0 in one pass; returns the position they were swapped
    in at (all of them at once, in one transaction).

    ``processes``: how many processes build the per-originator projections in shares (by
    default two on a machine with two processors or more when the log holds at least
    ``SHARED_FROM`` events, else one). Only a rebuild from the event store into views that
    another process can open is shared."""
    wanted = [names] if isinstance(names, str) else list(names)
    for name in wanted:
        if name not in PROJECTIONS:
            known = ", ".join(sorted(PROJECTIONS))
            raise KeyError(f"unknown projection {name!r}; known: {known}")
    fresh = [PROJECTIONS[name](SUFFIX) for name in wanted]
    built = {p.name: list(p.table_map().values()) for p in fresh}
    views.ensure([])  # the positions table
    views.drop([t for tables in built.values() for t in tables])
    views.write({}, {}, {name + SUFFIX: 0 for name in wanted})
    count = _processes(processes, source)
    if count > 1 and isinstance(source, StoreSource) and any(p.per_originator for p in fresh):
        _build_in_shares(fresh, source, views, count, batch_size, on_progress)
    builder = Runner(source, Projector(views, fresh, source, indexes=False), batch_size=batch_size)
    builder.catch_up(on_progress)
    lock = live.lock if live is not None else builder.lock
    with lock:
        builder.catch_up(on_progress)  # what arrived meanwhile, with the live follower paused
        reached = builder.positions()
        position = min(reached.values())
        live_tables = [t for name in wanted for t in PROJECTIONS[name].tables]
        views.replace(live_tables, [t for name in wanted for t in built[name]], reached)
        for name in wanted:
            views.forget_position(name + SUFFIX)
        if live is not None and isinstance(live.follower, Projector):
            for projection in live.follower.projections:
                if projection.name in wanted:
                    projection.reset()
    log.info("projections rebuilt", extra={"projections": wanted, "position": position})
    return position


def _processes(processes: int | None, source: EventSource) -> int:
    if processes is not None:
        return max(processes, 1)
    if (os.cpu_count() or 1) < 2 or source.position() < SHARED_FROM:
        return 1
    return 2


def _build_in_shares(
    fresh: Sequence[Projection],
    source: StoreSource,
    views: SqlViews,
    count: int,
    batch_size: int,
    on_progress: Callable[[Progress], None] | None,
) -> None:
    """Build up to the store's present position in ``count`` shares: share 0 here, the others
    each in a process of its own; then record the position reached."""
    # Share 0 builds here, into these views (with every projection that is not per
    # originator); the others each into views ``views.share_opener`` gives them.
    open_source = source.opener()
    maybe = [views.opener(), *(views.share_opener(i, count) for i in range(1, count))]
    openers = [opener for opener in maybe if opener is not None]
    if open_source is None or len(openers) < count:
        return  # in memory: another process cannot open it
    # Every share starts from 0 (a rebuild that died left its shares' records behind).
    views.write(
        {}, {}, {Share(i, count).record(p.name + p.suffix): 0 for p in fresh for i in range(count)}
    )
    target = source.position()
    kinds = [type(p) for p in fresh if p.per_originator]
    apart = [
        ShareProcess(
            ShareWork(
                open_source, opener, kinds, fresh[0].suffix, Share(i, count), target, batch_size
            )
        )
        for i, opener in enumerate(openers[1:], start=1)
    ]
    mine = openers[0]()  # with the small page cache of a share's process
    try:
        build_share(source, mine, fresh, Share(0, count), target, batch_size, on_progress)
        for share in apart:
            share.wait()
    finally:
        mine.close()
        for share in apart:
            share.stop()
    hand_over(views, fresh, count, target)
    log.info("projections built in shares", extra={"shares": count, "position": target})
