"""A cadre's planned record: personnel acts in date order, built the way an organisation
department does them (procedure steps, public notice, integrity talk, approvals, 文号)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from demo.dates import workday_on_or_after, workdays_later
from domain.rules.dates import add_months

# Who records what (the authenticated subjects of a county's offices).
ORG = "组织部-王科长"
HR = "人社局-陈干事"
CASES = "纪委监委案管室-周干事"
SUPERVISOR = "纪委监委干部监督室-孙主任"
UNITS = "编办-赵科长"
INTAKE = "信访室-李干事"
HANDLER = "信访室-刘主任"
PUBLIC = "public"

ROLES = {ORG: "clerk", HR: "clerk", UNITS: "clerk", CASES: "inspector", SUPERVISOR: "inspector",
         INTAKE: "intake", HANDLER: "inspector"}  # fmt: skip
"""The role each office records under (the discipline commission's case office as inspector)."""


@dataclass(frozen=True)
class Recorder:
    """An office recording an act, with the role it acts under (kept on the event)."""

    subject: str
    role: str


def recorder(by: str) -> Recorder | str:
    """The office ``by`` with its role (a name without one stays a name)."""
    return Recorder(by, ROLES[by]) if by in ROLES else by


COUNTY_ORG = "中共清河县委组织部"
CITY_ORG = "中共云州市委组织部"
DISCIPLINE = "中共清河县纪律检查委员会 清河县监察委员会"


@dataclass(frozen=True)
class Act:
    """One personnel command: recorded soon after ``day`` by ``by``."""

    day: date
    verb: str  # a method of domain.personnel.Personnel
    by: str
    args: dict[str, Any]
    late_by: int | None = None  # days after ``day`` it is recorded (补录), when not soon after


class Documents:
    """Document numbers (文号) in sequence per series and year: 清组干〔2021〕15号."""

    def __init__(self) -> None:
        self._next: Counter[tuple[str, int]] = Counter()

    def number(self, series: str, day: date) -> str:
        """The next number of a series in the year of ``day``."""
        self._next[(series, day.year)] += 1
        return f"{series}〔{day.year}〕{self._next[(series, day.year)]}号"

    def approval(self, day: date, level: str = "county") -> dict[str, str]:
        """An organisation department's written consent."""
        if level == "county":
            return {
                "level": "county",
                "authority": COUNTY_ORG,
                "document_no": self.number("清组函", day),
            }
        return {"level": level, "authority": CITY_ORG, "document_no": self.number("云组函", day)}


@dataclass
class CadrePlan:
    """A cadre and the acts of the career, to be recorded in order."""

    code: str
    name: str
    gender: str
    birth_date: date
    growth_place: str
    home: str = ""
    acts: list[Act] = field(default_factory=list)

    def add(self, day: date, verb: str, by: str, **args: Any) -> None:
        """Plan one act."""
        self.acts.append(Act(day, verb, by, args))

    def add_late(self, day: date, late_by: int, verb: str, by: str, **args: Any) -> None:
        """Plan one act recorded ``late_by`` days after ``day`` (补录)."""
        self.acts.append(Act(day, verb, by, args, late_by))

    def ordered(self) -> list[Act]:
        """The acts in date order (a stable sort keeps same-day acts as planned)."""
        return sorted(self.acts, key=lambda a: a.day)

    def promotions(self) -> list[date]:
        """Decision dates of the planned promotions."""
        kinds = ("promotion", "exceptional")
        return [a.args["decided_on"] for a in self.acts if a.args.get("kind") in kinds]

    def last_move(self) -> date:
        """The last appointment, removal, transfer or secondment/dispatch act."""
        moves = (
            "appoint",
            "remove",
            "transfer",
            "second",
            "extend_secondment",
            "end_secondment",
            "dispatch",
            "end_dispatch",
        )
        return max((a.day for a in self.acts if a.verb in moves), default=date.min)


def recruit(
    plan: CadrePlan, docs: Documents, *, day: date, unit: str, channel: str, post: str
) -> None:
    """Register, 录用 with a year's probation, the first post (试用), and 转正."""
    plan.home = unit
    plan.add(day, "register_cadre", HR, name=plan.name, gender=plan.gender,
             birth_date=plan.birth_date, growth_place=plan.growth_place)  # fmt: skip
    plan.add(day, "recruit", HR, effective_date=day, unit=unit, channel=channel,
             probation_months=12)  # fmt: skip
    plan.add(day, "appoint", ORG, unit=unit, post=post, effective_date=day, kind="trial",
             decided_on=day - timedelta(days=14),
             document_no=docs.number("清人社录", day))  # fmt: skip
    plan.add(add_months(day, 12), "complete_probation", HR, effective_date=add_months(day, 12))


def promotion_dates(decided: date) -> tuple[date, date, date, date]:
    """Public notice start and end (7 working days, both included), integrity talk, effective
    date of a promotion decided on a working day."""
    notice_start = workdays_later(decided, 1)
    notice_end = workdays_later(notice_start, 6)
    return notice_start, notice_end, workdays_later(notice_end, 1), workdays_later(notice_end, 2)


def promote(
    plan: CadrePlan,
    docs: Documents,
    *,
    decided: date,
    unit: str,
    post: str,
    leadership: bool,
    public_notice: bool = True,
    kind: str = "promotion",
    skipped: tuple[str, ...] = (),
) -> date:
    """提拔 (or 破格提拔, ``kind="exceptional"``) after the four procedure steps (but the
    ``skipped`` ones), a 7-working-day notice and an integrity talk; returns the effective
    date."""
    decided = workday_on_or_after(decided)
    notice_start, notice_end, talk, effective = promotion_dates(decided)
    procedure = {
        "preview_notice": decided - timedelta(days=42),
        "democratic_evaluation": decided - timedelta(days=35),
        "individual_talks": decided - timedelta(days=34),
        "records_review": decided - timedelta(days=30),
    }
    procedure = {step: day for step, day in procedure.items() if step not in skipped}
    plan.add(
        effective, "appoint", ORG, unit=unit, post=post, effective_date=effective,
        kind=kind, decided_on=decided, document_no=docs.number("清组干", decided),
        procedure=procedure,
        public_notice={"start": notice_start, "end": notice_end} if public_notice else None,
        integrity_talk=talk if leadership else None,
    )  # fmt: skip
    return effective


def lateral(
    plan: CadrePlan, docs: Documents, *, day: date, unit: str, post: str, leadership: bool,
    integrity_talk: bool = True,
) -> None:  # fmt: skip
    """平级 appointment (交流 or a post at a new unit), with an integrity talk for leaders
    (unless ``integrity_talk`` is False)."""
    decided = day - timedelta(days=10)
    talk = day - timedelta(days=2) if leadership and integrity_talk else None
    plan.add(day, "appoint", ORG, unit=unit, post=post, effective_date=day, kind="lateral",
             decided_on=decided, document_no=docs.number("清组干", decided),
             integrity_talk=talk)  # fmt: skip


def remove(plan: CadrePlan, *, day: date, unit: str, post: str, reason: str) -> None:
    """免职."""
    plan.add(day, "remove", ORG, unit=unit, post=post, effective_date=day, reason=reason)


def transfer(
    plan: CadrePlan, *, day: date, to_unit: str, approval: dict[str, str] | None = None
) -> None:
    """调动 to a new home unit."""
    plan.home = to_unit
    plan.add(day, "transfer", ORG, to_unit=to_unit, effective_date=day, approval=approval)


def second(
    plan: CadrePlan,
    *,
    host: str,
    start: date,
    planned_end: date | None,
    purpose: str,
    approval: dict[str, str] | None,
    ended: tuple[date, str] | None = None,
    extension: tuple[date, date, dict[str, str] | None] | None = None,
) -> None:
    """借调, maybe extended, maybe ended (the loader threads the secondment id)."""
    plan.add(start, "second", ORG, host_unit=host, start_date=start,
             planned_end_date=planned_end, purpose=purpose, approval=approval)  # fmt: skip
    if extension is not None:
        decided, new_end, extension_approval = extension
        plan.add(decided, "extend_secondment", ORG, decided_on=decided,
                 new_planned_end_date=new_end, approval=extension_approval)  # fmt: skip
    if ended is not None:
        plan.add(ended[0], "end_secondment", ORG, end_date=ended[0], reason=ended[1])


def dispatch(
    plan: CadrePlan,
    *,
    village: str,
    role: str,
    start: date,
    months: int,
    ended: tuple[date, bool, str] | None = None,
) -> None:
    """派驻 to a village for ``months``; ``ended`` = (date, recalled, reason)."""
    plan.add(start, "dispatch", ORG, village_unit=village, role=role, start_date=start,
             planned_end_date=add_months(start, months))  # fmt: skip
    if ended is not None:
        plan.add(ended[0], "end_dispatch", ORG, on=ended[0], recalled=ended[1], reason=ended[2])
