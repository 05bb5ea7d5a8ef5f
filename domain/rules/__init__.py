"""The supervision rule catalogue (RULES.md): pure functions of a history and a date.

Each rule reads one subject's history (cadre, unit or complaint) as known at a time, with the
global position of every event, and yields candidate findings citing those positions.
"""

from __future__ import annotations

from domain.rules.base import Candidate, Entry, Evaluation, Rule
from domain.rules.catalogue import (
    CATALOGUE,
    RULE_IDS,
    check_parameters,
    describe,
    evaluate_cadre,
    evaluate_complaint,
    evaluate_unit,
)
from domain.rules.dates import WeekdayCalendar, WorkingCalendar, add_months, add_years
from domain.rules.history import CadreHistory, ComplaintHistory, UnitHistory, positioned
from domain.rules.parameters import RuleParameters

__all__ = [
    "CATALOGUE",
    "RULE_IDS",
    "CadreHistory",
    "Candidate",
    "ComplaintHistory",
    "Entry",
    "Evaluation",
    "Rule",
    "RuleParameters",
    "UnitHistory",
    "WeekdayCalendar",
    "WorkingCalendar",
    "add_months",
    "add_years",
    "check_parameters",
    "describe",
    "evaluate_cadre",
    "evaluate_complaint",
    "evaluate_unit",
    "positioned",
]
