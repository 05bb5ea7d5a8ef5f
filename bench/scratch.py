"""A stop asked with SIGTERM (``kill``, ``timeout``) unwinds a benchmark as Ctrl-C does.

Python ends on SIGTERM at once, running no ``finally`` and no ``with`` exit: the temporary
folders, schemas, topics and indices a run made would stay. Raised as ``SystemExit`` instead,
they are removed as on an error (a phase's process is killed and waited for first, as
``subprocess.run`` does on any exception).
"""

from __future__ import annotations

import signal
from types import FrameType


def stop_cleanly_on_sigterm() -> None:
    """From now on SIGTERM raises ``SystemExit(143)`` in this process's main thread."""
    signal.signal(signal.SIGTERM, _exit)


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
