"""The rules' parameters: one value built from the parsed rules configuration file.

The defaults ship as ``domain/rules/defaults.toml``; a province edits its own copy. The domain
never reads files: the composition root parses the file and hands the mapping to
:meth:`RuleParameters.from_mapping`, which refuses unknown, missing or ill-typed keys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from domain.errors import InvalidValue
from domain.values import Level, SanctionKind


@dataclass(frozen=True)
class CalendarParameters:
    """Local days on top of the national working-day calendar."""

    extra_holidays: frozenset[date]
    extra_workdays: frozenset[date]


@dataclass(frozen=True)
class TownshipParameters:
    """R-TOWN-01..04: minimum service of township recruits and township leadership teams."""

    transfer_ban_years: int
    approval_window_years: int
    transfer_approval_level: str
    non_leadership_promotion_years: int
    team_service_years: int
    team_share: Fraction
    village_stay_within_years: int


@dataclass(frozen=True)
class SecondmentParameters:
    """R-SEC-01..07: secondments (借调)."""

    recruit_wait_years: int
    months_without_extension: int
    months_without_higher_approval: int
    period_gap_days: int
    years_between: int
    upward_warning_from: date


@dataclass(frozen=True)
class AppointmentParameters:
    """R-APPT-01..04: the appointment procedure."""

    public_notice_working_days: int
    procedure_steps: tuple[str, ...]
    exceptional_years_since_promotion: int


@dataclass(frozen=True)
class DisciplineParameters:
    """R-DISC-01..03: influence periods of admonishments and sanctions, in months."""

    admonishment_months: int
    sanction_months: Mapping[str, int]
    party_probation_after_months: int
    permanent_kinds: frozenset[str]


@dataclass(frozen=True)
class ComplaintParameters:
    """R-PET-01..03: complaint handling deadlines."""

    decide_within_days: int
    conclude_within_days: int
    max_extension_days: int
    notify_within_working_days: int


@dataclass(frozen=True)
class TrainingParameters:
    """R-TRAIN-01: training days per year (每年累计不少于12天)."""

    days_per_year: int
    judged_from_year: int


@dataclass(frozen=True)
class ReviewParameters:
    """R-REV-01: the share of excellent ratings in a unit's annual review (优秀比例)."""

    excellent_share: Fraction
    complete_by_month: int


@dataclass(frozen=True)
class DataParameters:
    """R-DATA-01/02: late entries (补录) and posts outside the home unit."""

    late_entry_days: int
    exempt_types: frozenset[str]
    exempt_recorders: frozenset[str]


_SECTIONS: dict[str, type[Any]] = {
    "calendar": CalendarParameters,
    "township": TownshipParameters,
    "secondment": SecondmentParameters,
    "appointment": AppointmentParameters,
    "discipline": DisciplineParameters,
    "complaints": ComplaintParameters,
    "training": TrainingParameters,
    "reviews": ReviewParameters,
    "data": DataParameters,
}


@dataclass(frozen=True)
class RuleParameters:
    """Every parameter of the catalogue, and the rules a province switched off."""

    disabled: frozenset[str]
    calendar: CalendarParameters
    township: TownshipParameters
    secondment: SecondmentParameters
    appointment: AppointmentParameters
    discipline: DisciplineParameters
    complaints: ComplaintParameters
    training: TrainingParameters
    reviews: ReviewParameters
    data: DataParameters
    source: str = "defaults"

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any], source: str = "defaults") -> RuleParameters:
        """Parse the rules file's mapping; unknown, missing or ill-typed keys are refused."""
        unknown = set(doc) - set(_SECTIONS) - {"disabled"}
        if unknown:
            raise InvalidValue(f"unknown rules file keys: {', '.join(sorted(unknown))}")
        sections = {name: _section(name, kind, doc.get(name)) for name, kind in _SECTIONS.items()}
        params = cls(
            disabled=frozenset(_strings(doc.get("disabled", []), "disabled")),
            source=source,
            **sections,
        )
        params.check()
        return params

    def check(self) -> None:
        """Refuse values no province can mean (negative periods, unknown levels or kinds)."""
        if self.township.transfer_approval_level not in {lv.value for lv in Level}:
            raise InvalidValue("township.transfer_approval_level must be a unit level")
        if not 0 < self.township.team_share <= 1:
            raise InvalidValue('township.team_share must be a fraction in (0, 1], e.g. "2/3"')
        kinds = {k.value for k in SanctionKind}
        bad = (set(self.discipline.sanction_months) | self.discipline.permanent_kinds) - kinds
        if bad:
            raise InvalidValue(f"unknown sanction kinds: {', '.join(sorted(bad))}")
        if not 1 <= self.reviews.complete_by_month <= 12:
            raise InvalidValue("reviews.complete_by_month must be a month, 1 to 12")
        if not 0 < self.reviews.excellent_share <= 1:
            raise InvalidValue('reviews.excellent_share must be a fraction in (0, 1], e.g. "1/5"')
        for section in _SECTIONS:
            for name, value in dataclasses.asdict(getattr(self, section)).items():
                if isinstance(value, int) and value < 0:
                    raise InvalidValue(f"{section}.{name} must not be negative")

    def as_dict(self) -> dict[str, Any]:
        """The parameters as JSON-ready data (``GET /rules`` shows them)."""
        doc: dict[str, Any] = {"disabled": sorted(self.disabled), "source": self.source}
        for section in _SECTIONS:
            doc[section] = {
                f.name: _plain(getattr(getattr(self, section), f.name))
                for f in dataclasses.fields(getattr(self, section))
            }
        return doc


def _section(name: str, kind: type[Any], data: Any) -> Any:
    if not isinstance(data, Mapping):
        raise InvalidValue(f"the rules file needs a [{name}] table")
    fields = {f.name: str(f.type) for f in dataclasses.fields(kind)}
    unknown, missing = set(data) - set(fields), set(fields) - set(data)
    if unknown or missing:
        problems = [f"unknown {name}.{k}" for k in sorted(unknown)]
        problems += [f"missing {name}.{k}" for k in sorted(missing)]
        raise InvalidValue("rules file: " + "; ".join(problems))
    return kind(**{k: _value(f"{name}.{k}", t, data[k]) for k, t in fields.items()})


def _value(where: str, kind: str, value: Any) -> Any:
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValue(f"{where} must be a whole number")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise InvalidValue(f"{where} must be text")
        return value
    if kind == "Fraction":
        try:
            return Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            raise InvalidValue(f'{where} must be a fraction such as "2/3"') from None
    if kind == "date":
        return _day(where, value)
    if kind == "frozenset[date]":
        return frozenset(_day(where, v) for v in _list(value, where))
    if kind in {"frozenset[str]", "tuple[str, ...]"}:
        items = _strings(value, where)
        return frozenset(items) if kind.startswith("frozenset") else tuple(items)
    if kind == "Mapping[str, int]":
        if not isinstance(value, Mapping):
            raise InvalidValue(f"{where} must be a table")
        return {str(k): _value(f"{where}.{k}", "int", v) for k, v in value.items()}
    raise TypeError(f"no parser for {kind}")  # pragma: no cover - a new field type


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise InvalidValue(f"{where} must be a list")
    return list(value)


def _strings(value: Any, where: str) -> list[str]:
    items = _list(value, where)
    if not all(isinstance(v, str) for v in items):
        raise InvalidValue(f"{where} must be a list of text")
    return items


def _day(where: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidValue(f"{where} holds {value!r:.20}, not a date YYYY-MM-DD") from None


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value
