"""The clock port: the domain never reads the system clock, it is handed one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the time of recording and today's date (in the platform's calendar)."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...

    def today(self) -> date:
        """Today's date."""
        ...


@dataclass
class FixedClock:
    """A clock that says what it is told; tests and demos move it by hand."""

    instant: datetime

    def now(self) -> datetime:
        """The fixed instant."""
        return self.instant

    def today(self) -> date:
        """The date of the fixed instant."""
        return self.instant.date()

    def advance(self, **delta: float) -> None:
        """Move the clock forward (e.g. ``advance(days=1)``)."""
        self.instant = self.instant + timedelta(**delta)

    @classmethod
    def on(cls, day: date) -> FixedClock:
        """A clock standing at noon UTC of ``day``."""
        return cls(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
