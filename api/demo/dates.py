"""Calendar arithmetic for the demo: months, working days, office-hour recording instants."""

from __future__ import annotations

import calendar
import random
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

BEIJING = ZoneInfo("Asia/Shanghai")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (or earlier), clamped to the month end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    return add_months(day, 12 * years)


@lru_cache(maxsize=16384)  # the package validates its whole table on each call
def is_workday(day: date) -> bool:
    """China's working days (holidays and make-up days); Monday to Friday where no data exists."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def workday_on_or_after(day: date) -> date:
    """The first working day on or after ``day``."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def workdays_later(day: date, count: int) -> date:
    """The ``count``-th working day after ``day``."""
    while count > 0:
        day += timedelta(days=1)
        count -= is_workday(day)
    return day


def office_instant(day: date, rng: random.Random) -> datetime:
    """A moment of office hours (Beijing) on ``day``, in UTC."""
    minutes = rng.randrange(8 * 60 + 30, 17 * 60 + 30)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), BEIJING)
    return local.astimezone(UTC)
