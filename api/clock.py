"""The system clock adapter; ``JIANDU_TODAY`` pins the date (demos, tests) while time runs."""

from __future__ import annotations

from datetime import UTC, date, datetime


class SystemClock:
    """Now from the system; today from settings when pinned."""

    def __init__(self, today: date | None = None) -> None:
        self.pinned = today

    def now(self) -> datetime:
        instant = datetime.now(UTC)
        if self.pinned is None:
            return instant
        # Keep the time of day running so successive events keep their recording order.
        return datetime.combine(self.pinned, instant.timetz())

    def today(self) -> date:
        return self.pinned or datetime.now(UTC).date()
