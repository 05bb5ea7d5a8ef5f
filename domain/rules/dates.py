"""Calendar arithmetic of the rules: calendar months and years, and working days (工作日)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Protocol


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the month's end (2024-01-31 + 6 = 2024-07-31)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """``day`` plus calendar years (29 February becomes 28 February)."""
    return add_months(day, 12 * years)


class WorkingCalendar(Protocol):
    """Which days are working days: Monday to Friday, minus public holidays, plus 调休 days."""

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day."""
        ...

    def covers(self, day: date) -> bool:
        """Whether the official holiday schedule of ``day``'s year is known."""
        ...


class WeekdayCalendar:
    """Monday to Friday plus local extra days; knows no national holiday schedule."""

    def __init__(
        self,
        extra_holidays: frozenset[date] = frozenset(),
        extra_workdays: frozenset[date] = frozenset(),
    ) -> None:
        self.extra_holidays = extra_holidays
        self.extra_workdays = extra_workdays

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, unless the rules file says otherwise."""
        if day in self.extra_workdays:
            return True
        return day not in self.extra_holidays and day.weekday() < 5

    def covers(self, day: date) -> bool:
        """No year's national schedule is known."""
        return False


def working_days_between(cal: WorkingCalendar, start: date, end: date) -> int:
    """The number of working days from ``start`` to ``end``, both included."""
    count, day = 0, start
    while day <= end:
        count += cal.is_working_day(day)
        day += timedelta(days=1)
    return count


def add_working_days(cal: WorkingCalendar, day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself not counted)."""
    while count > 0:
        day += timedelta(days=1)
        count -= cal.is_working_day(day)
    return day


def uncovered_years(cal: WorkingCalendar, start: date, end: date) -> list[int]:
    """The years between two dates whose holiday schedule the calendar does not know."""
    return [y for y in range(start.year, end.year + 1) if not cal.covers(date(y, 1, 1))]


def calendar_note(cal: WorkingCalendar, start: date, end: date) -> dict[str, str]:
    """A finding detail saying when working days were counted as Monday to Friday only."""
    years = uncovered_years(cal, start, end)
    if not years:
        return {}
    listed = ", ".join(str(y) for y in years)
    return {
        "calendar": f"no holiday schedule for {listed}: working days counted Monday to Friday"
        + " (plus the rules file's local days)"
    }
