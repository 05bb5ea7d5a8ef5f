"""Rebuild a projection beside the live view, then swap it in when caught up.

Reads keep answering from the live tables during the rebuild; the live follower pauses only
for the final catch-up and the swap, which happen in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from projections.following import EventSource, Progress, Runner
from projections.framework import Projector
from projections.registry import PROJECTIONS
from projections.sql import SqlViews

log = logging.getLogger("jiandu.projections")
SUFFIX = "__rebuild"


def rebuild(
    names: str | Sequence[str],
    source: EventSource,
    views: SqlViews,
    live: Runner | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    batch_size: int = 5000,
) -> int:
    """Rebuild projections from position 0 in one pass; returns the position they were swapped
    in at (all of them at once, in one transaction)."""
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
