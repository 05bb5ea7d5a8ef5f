"""Parts that start at the same moment, as a deployment's processes do."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(count: int, start: Callable[[], object]) -> list[BaseException]:
    """Run ``start`` in ``count`` threads released together (a barrier); what each raised."""
    together = threading.Barrier(count)
    failures: list[BaseException] = []

    def part() -> None:
        together.wait()
        try:
            start()
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=part) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures
