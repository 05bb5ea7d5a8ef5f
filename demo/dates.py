"""The demo's calendar: China's working days (the rules' own calendar) and office hours.

Month and year arithmetic and working-day counting are the domain's (``domain.rules.dates``);
this module only adds what a demo needs on top: the first working day on or after a date, and a
plausible moment of office hours to record an act at.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.rules.dates import add_working_days
from projections.working_calendar import ChinaCalendar

BEIJING = ZoneInfo("Asia/Shanghai")
CALENDAR = ChinaCalendar()
"""The national schedule (holidays and 调休 days) the rules count working days with."""


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day in China (Monday to Friday where no schedule exists)."""
    return CALENDAR.is_working_day(day)


def workday_on_or_after(day: date) -> date:
    """The first working day on or after ``day``."""
    while not CALENDAR.is_working_day(day):
        day += timedelta(days=1)
    return day


def workday_on_or_before(day: date) -> date:
    """The last working day on or before ``day``."""
    while not CALENDAR.is_working_day(day):
        day -= timedelta(days=1)
    return day


def workdays_later(day: date, count: int) -> date:
    """The ``count``-th working day after ``day``."""
    return add_working_days(CALENDAR, day, count)


def office_instant(day: date, rng: random.Random) -> datetime:
    """A moment of office hours (Beijing) on ``day``, in UTC."""
    minutes = rng.randrange(8 * 60 + 30, 17 * 60 + 30)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), BEIJING)
    return local.astimezone(UTC)
