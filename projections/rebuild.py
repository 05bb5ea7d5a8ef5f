"""Rebuild a projection beside the live view, then swap it in when caught up.

Reads keep answering from the live tables during the rebuild; the live follower pauses only
for the final catch-up and the swap, which happen in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from projections.framework import EventSource, Follower, Progress
from projections.registry import PROJECTIONS
from projections.sql import SqlViews

log = logging.getLogger("jiandu.projections")
SUFFIX = "__rebuild"


def rebuild(
    name: str,
    source: EventSource,
    views: SqlViews,
    live: Follower | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    batch_size: int = 5000,
) -> int:
    """Rebuild projection ``name`` from position 0; returns the position it was swapped in at."""
    if name not in PROJECTIONS:
        raise KeyError(f"unknown projection {name!r}; known: {', '.join(sorted(PROJECTIONS))}")
    fresh = PROJECTIONS[name](SUFFIX)
    built = list(fresh.table_map().values())
    views.drop(built)
    views.write({}, {}, {name + SUFFIX: 0})
    follower = Follower(source, views, [fresh], batch_size=batch_size)
    follower.catch_up(on_progress)
    lock = live.lock if live is not None else follower.lock
    with lock:
        follower.catch_up(on_progress)  # what arrived meanwhile, with the live follower paused
        position = follower.positions()[name]
        views.replace([t for t in PROJECTIONS[name].tables], built, {name: position})
        views.forget_position(name + SUFFIX)
        if live is not None:
            for projection in live.projections:
                if projection.name == name:
                    projection.reset()
    log.info("projection rebuilt", extra={"projection": name, "position": position})
    return position
