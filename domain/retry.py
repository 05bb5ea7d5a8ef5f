"""A command that lost a race runs again on the fresh state (API.md, Conventions).

Two writers of one aggregate both read version n; the store saves the first and refuses the
second (LostRace). Without ``expected_version`` the second meant "do this to the record as it
is", so it runs again from a fresh load; with one, the fresh load finds another version and the
command fails with the 409 it asked for. An invariant that fails on the fresh state fails as
usual. Each round some writer wins, so ``ATTEMPTS`` bounds how many may contend at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from domain.errors import LostRace

P = ParamSpec("P")
R = TypeVar("R")
ATTEMPTS = 64


def on_fresh_state(command: Callable[P, R]) -> Callable[P, R]:
    """Run ``command`` again (from its own fresh load) while it loses races."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for _ in range(ATTEMPTS - 1):
            try:
                return command(*args, **kwargs)
            except LostRace:
                continue
        return command(*args, **kwargs)

    return run
