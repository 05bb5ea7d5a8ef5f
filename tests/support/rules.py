"""Builders of the rule tests: histories written event by event, each at its own position.

The rules are pure, so no store is involved: events are constructed as the aggregates would record
them, each recorded on its effective date unless a test says otherwise.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from typing import Any

from eventsourcing.utils import get_topic

from domain import cadre_events as ev
from domain import complaint as cp
from domain import unit as un
from domain.cadre import Cadre
from domain.complaint import Complaint
from domain.ids import cadre_id, unit_id
from domain.rules import (
    CadreHistory,
    Candidate,
    ComplaintHistory,
    Entry,
    Evaluation,
    RuleParameters,
    UnitHistory,
    evaluate_cadre,
    evaluate_complaint,
    evaluate_unit,
)
from domain.values import departure_kind
from projections.rules_config import load_parameters
from projections.working_calendar import ChinaCalendar

CLERK = "clerk-zhang"
COUNTY = {"level": "county", "authority": "县委组织部", "document_no": "县组〔2022〕5号"}
CITY = {"level": "city", "authority": "市委组织部", "document_no": "市组〔2022〕8号"}
PROVINCE = {"level": "province", "authority": "省委组织部", "document_no": "省组〔2022〕2号"}
PARAMS = load_parameters()
CALENDAR = ChinaCalendar()
STEPS = ("preview_notice", "democratic_evaluation", "individual_talks", "records_review")
_positions = itertools.count(100)
# Fields a test need not name: what the platform records when nobody says otherwise.
DEFAULTS: dict[type, dict[str, Any]] = {
    ev.Recruited: {"unit_kind": "government"},
    ev.Sanctioned: {"term_months": None},
}


def at(day: date) -> datetime:
    """Noon UTC of a day (when a test event is recorded)."""
    return datetime.combine(day, time(12), tzinfo=UTC)


def evaluation(as_of: date, params: RuleParameters = PARAMS) -> Evaluation:
    """The rules' context on a date, with the shipped parameters and China's calendar."""
    return Evaluation(as_of=as_of, params=params, calendar=CALENDAR)


def only(rule: str, found: list[Candidate]) -> list[Candidate]:
    """The candidates of one rule."""
    return [c for c in found if c.rule == rule]


class Record:
    """One aggregate's events being written; ``entries`` carry made-up global positions."""

    def __init__(self, originator_id: Any) -> None:
        self.id = originator_id
        self.entries: list[Entry] = []

    def _add(self, cls: type, recorded: date | datetime, **fields: Any) -> Entry:
        stamp = recorded if isinstance(recorded, datetime) else at(recorded)
        header = {"originator_id": self.id, "originator_version": len(self.entries) + 1}
        event = cls(**header, timestamp=stamp, recorded_by=fields.pop("by", CLERK), **fields)
        entry = Entry(next(_positions), event)
        self.entries.append(entry)
        return entry


class CadreFile(Record):
    """A cadre's record: ``add`` any career event; shortcuts for the common ones."""

    def __init__(self, code: str = "A1", opened: date = date(2000, 1, 1)) -> None:
        super().__init__(cadre_id(code))
        self.code = code
        self._add(
            ev.CadreRegistered, opened, originator_topic=get_topic(Cadre), code=code,
            name=f"干部{code}", gender="female", birth_date=date(1990, 1, 1), growth_place="",
        )  # fmt: skip

    def add(self, cls: type, recorded: date | datetime | None = None, **fields: Any) -> Entry:
        """Record a career event (on its effective date unless ``recorded`` says when)."""
        fields = {**DEFAULTS.get(cls, {}), **fields}
        if cls is ev.Departed:
            fields.setdefault("kind", departure_kind(fields["reason"]))
        probe = {k: v for k, v in fields.items() if isinstance(v, date)}
        day = recorded or next(iter(probe.values()), date(2000, 1, 1))
        return self._add(cls, day, **fields)

    def recruited(self, day: date, unit: str = "T1", level: str = "township", **kw: Any) -> Entry:
        fields = {"channel": "exam", "probation_months": 12, **kw}
        return self.add(ev.Recruited, effective_date=day, unit=unit, unit_level=level, **fields)

    def transferred(
        self, day: date, to_unit: str = "C2", to_level: str = "county", approval: Any = None,
        from_unit: str = "T1", from_level: str = "township",
    ) -> Entry:  # fmt: skip
        return self.add(
            ev.Transferred, effective_date=day, from_unit=from_unit, from_level=from_level,
            to_unit=to_unit, to_level=to_level, approval=approval,
        )  # fmt: skip

    def seconded(
        self, start: date, planned_end: date | None, host: str = "C2", host_level: str = "county",
        approval: Any = COUNTY, home: str = "T1", home_level: str = "township", sid: str = "",
    ) -> Entry:  # fmt: skip
        return self.add(
            ev.Seconded, secondment_id=sid or f"s{len(self.entries) + 1}", home_unit=home,
            home_level=home_level, host_unit=host, host_level=host_level, start_date=start,
            planned_end_date=planned_end, purpose="专项工作", approval=approval,
        )  # fmt: skip

    def extended(self, sid: str, on: date, until: date, approval: Any = None) -> Entry:
        return self.add(
            ev.SecondmentExtended, secondment_id=sid, decided_on=on,
            new_planned_end_date=until, approval=approval,
        )  # fmt: skip

    def ended(self, sid: str, day: date, reason: str = "completed") -> Entry:
        return self.add(ev.SecondmentEnded, secondment_id=sid, end_date=day, reason=reason)

    def appointed(
        self, effective: date, *, kind: str = "promotion", unit: str = "T1", post: str = "P1",
        category: str = "leadership", level: str = "township", team_member: bool = False,
        decided_on: date | None = None, steps: dict[str, date | None] | None = None,
        notice: dict[str, date] | None = None, talk: Any = "on effect",
    ) -> Entry:  # fmt: skip
        """An appointment that is procedurally clean unless a test overrides a part."""
        decided = decided_on or date.fromordinal(effective.toordinal() - 30)
        return self.add(
            ev.Appointed, effective_date=effective, unit=unit, unit_level=level, post=post,
            post_category=category, team_member=team_member, kind=kind, decided_on=decided,
            document_no="镇委〔2024〕1号",
            procedure=steps if steps is not None else {s: decided for s in STEPS},
            public_notice=notice if notice is not None else {
                "start": decided, "end": date.fromordinal(decided.toordinal() + 10)},
            integrity_talk=effective if talk == "on effect" else talk,
            recorded=effective,
        )  # fmt: skip

    def retract(self, entry: Entry, on: date) -> Entry:
        return self._add(
            ev.EntryRetracted, on, position=entry.position, retracted_version=entry.version,
            retracted_type=type(entry.event).__name__, reason="误录",
        )  # fmt: skip

    def history(self) -> CadreHistory:
        return CadreHistory(self.code, tuple(self.entries))

    def evaluate(self, as_of: date, params: RuleParameters = PARAMS) -> list[Candidate]:
        return evaluate_cadre(self.history(), evaluation(as_of, params))


class UnitFile(Record):
    """A unit's record with its posts."""

    def __init__(
        self, code: str = "T1", level: str = "township", joint_with: str | None = None
    ) -> None:
        super().__init__(unit_id(code))
        self.code = code
        self._add(
            un.UnitRegistered, date(2000, 1, 1), originator_topic=get_topic(un.Unit), code=code,
            name=f"单位{code}", level=level, kind="government", parent=None,
            joint_with=joint_with,
        )  # fmt: skip

    def post(
        self, code: str, team_member: bool = True, category: str = "leadership", quota: int = 1
    ) -> Entry:
        return self._add(
            un.PostEstablished, date(2000, 1, 2), post_code=code, title=f"职位{code}",
            category=category, grade="", team_member=team_member, principal=False,
            sensitive=False, quota=quota,
        )  # fmt: skip

    def history(self) -> UnitHistory:
        return UnitHistory(self.code, tuple(self.entries))

    def evaluate(
        self, cadres: list[CadreFile], as_of: date, partners: tuple[UnitFile, ...] = ()
    ) -> list[Candidate]:
        return evaluate_unit(
            self.history(), [c.history() for c in cadres], evaluation(as_of),
            [p.history() for p in partners],
        )  # fmt: skip


class ComplaintFile(Record):
    """A complaint's record and its handling steps."""

    def __init__(self, received: date, named: bool = True) -> None:
        super().__init__(cadre_id(f"complaint-{next(_positions)}"))
        self._add(
            cp.ComplaintFiled, received, originator_topic=get_topic(Complaint),
            receipt_fingerprint="f", received_at=at(received), channel="letter", named=named,
            reporter_sealed="sealed" if named else None, subject_cadres=["A1"],
            subject_units=["T1"], category="作风", title="反映问题", body="……",
        )  # fmt: skip

    def step(self, cls: type, day: date, **fields: Any) -> Entry:
        """A dated handling step (accepted, declined, forwarded, concluded, notified)."""
        return self._add(cls, day, date=day, **fields)

    def accepted(self, day: date) -> Entry:
        return self.step(cp.ComplaintAccepted, day, handler_unit="县纪委")

    def concluded(self, day: date) -> Entry:
        return self.step(cp.ComplaintConcluded, day, finding="substantiated", summary="属实")

    def notified(self, day: date) -> Entry:
        return self.step(cp.ReporterNotified, day, method="电话")

    def extended(self, days: int, on: date) -> Entry:
        return self._add(cp.ComplaintDeadlineExtended, on, days=days, reason="案情复杂")

    def history(self) -> ComplaintHistory:
        return ComplaintHistory(str(self.id), tuple(self.entries))

    def evaluate(self, as_of: date) -> list[Candidate]:
        return evaluate_complaint(self.history(), evaluation(as_of))
