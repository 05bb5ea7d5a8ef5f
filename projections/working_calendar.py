"""The working-day calendar adapter: China's State Council schedule from `chinesecalendar`.

The package carries public holidays and make-up working days (调休) through the latest
published year; the rules file adds local days. For a year the package does not cover, days
count Monday to Friday and :meth:`ChinaCalendar.covers` says so (findings note it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=256)
def _year_known(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=16384)  # the package validates its whole table on every call
def _national_working_day(day: date) -> bool:
    return bool(chinese_calendar.is_workday(day))


class ChinaCalendar:
    """National holidays and 调休 days, plus a province's own extra days."""

    def __init__(
        self, extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()
    ) -> None:
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)

    def is_working_day(self, day: date) -> bool:
        """Local days first, then the national schedule, else Monday to Friday."""
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if not _year_known(day.year):
            return day.weekday() < 5
        return _national_working_day(day)

    def covers(self, day: date) -> bool:
        """Whether the package knows the national schedule of ``day``'s year."""
        return _year_known(day.year)
