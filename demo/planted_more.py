"""The planted cases of the rules that had none in the first demo: township service, repeated
secondments, the appointment procedure, discipline effects, training, reviews and records.

Each builder plans one cadre's career (or a few, for a township team) that breaks exactly the
rules its :class:`demo.planted.Planted` entry names; everything else about it is lawful.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from demo import acts
from demo.careers import CareerPlanner, World
from demo.dates import workday_on_or_after
from domain.rules.dates import add_months, add_years

Make = Callable[[str, float, str, str, bool], CareerPlanner]
"""(code, years of service, home unit, channel, grade up at 6 years) -> a started career"""

TEAM_NEWCOMERS = {  # county cadres made leaders of 杨庄乡 ten months ago (R-TOWN-04)
    "QH00494": ("QHX-NYJ", ("QHX-YZX", "fz-1")),
    "QH00495": ("QHX-ZRJ", ("QHX-YZX", "fz-2")),
    "QH00496": ("QHX-MZJ", ("QHX-YZX-DW", "zzwy")),
    "QH00497": ("QHX-WJJ", ("QHX-YZX-DW", "xcwy")),
}
SHORT_TEAM = "QHX-YZX"
CLEANUP_RETURN = timedelta(days=10)  # how long ago the cleanup sent QH00482 back
TOO_MANY_EXCELLENT = "QHX-BMX"


def build(world: World, make: Make, rng: random.Random) -> list[CareerPlanner]:
    """Plan the second wave's planted careers."""
    today = world.today
    careers = []

    def months_ago(months: int) -> date:
        return workday_on_or_after(add_months(today, -months))

    # R-TOWN-02: out of the townships in year three with the county's consent only.
    c = make("QH00141", 4, "QHX-HXX", "exam", False)
    c.move_across(workday_on_or_after(add_years(c.recruited, 3)), to_county=True, to="QHX-NYJ")
    careers.append(c)
    # R-TOWN-03: a 职级 promotion in the township after four years.
    c = make("QH00187", 5.5, "QHX-QSZ", "exam", False)
    c.promote(add_years(c.recruited, 4), "zr4", None)
    careers.append(c)
    # R-TOWN-04: four county cadres without township service made leaders of one township.
    for code, (home, post) in TEAM_NEWCOMERS.items():
        c = make(code, 10, home, "exam", True)
        c.promote(months_ago(11), "deputy", [post])
        careers.append(c)
    # R-TOWN-05: a township recruit resigns in year four.
    c = make("QH00219", 3.5, "QHX-DGZ", "exam", False)
    c.retire(months_ago(2), "辞去公职")
    careers.append(c)
    # R-TOWN-06: a new township recruit never stationed in a village.
    careers.append(make("QH00246", 2.5, "QHX-MJZ", "exam", False))
    # R-SEC-06: seconded again ten months after the last secondment ended.
    c = make("QH00263", 7, "QHX-NYJ", "exam", True)
    first = months_ago(14)
    acts.second(c.plan, host="QHX-ZFB", start=first, planned_end=add_months(first, 4),
                purpose="借调参与政府工作报告起草", approval=world.docs.approval(first),
                ended=(add_months(first, 4), "completed"))  # fmt: skip
    again = months_ago(2)
    acts.second(c.plan, host="QHX-FGJ", start=again, planned_end=add_months(again, 4),
                purpose="借调参与重大项目谋划", approval=world.docs.approval(again))  # fmt: skip
    careers.append(c)
    # R-APPT-02: promoted without a democratic evaluation (民主测评).
    c = make("QH00305", 9, "QHX-LLZ", "exam", True)
    c.promote(months_ago(6), "deputy", [("QHX-LLZ", "fz-2")], skipped=("democratic_evaluation",))
    careers.append(c)
    # R-APPT-03: a deputy head moved to another county organ without an integrity talk.
    c = make("QH00330", 12, "QHX-ZJJ", "exam", True)
    c.promote(add_years(c.recruited, 9), "deputy", [("QHX-ZJJ", "fz-1")])
    c.move_across(months_ago(4), to_county=True, to="QHX-MZJ", integrity_talk=False)
    careers.append(c)
    # R-APPT-04: 破格提拔 eight months after the previous promotion.
    c = make("QH00368", 10, "QHX-SQZ", "exam", True)
    c.promote(months_ago(10), "zr2", None)
    c.promote(months_ago(2), "deputy", [("QHX-SQZ-DW", "jw")], kind="exceptional")
    careers.append(c)
    # R-DISC-02: promoted while 留党察看 (one year) and the year after it still count.
    c = make("QH00389", 11, "QHX-JTJ", "exam", True)
    sanctioned = months_ago(20)
    c.plan.add(sanctioned, "sanction", acts.CASES, on=sanctioned, kind="party_probation",
               term_months=12, authority=acts.DISCIPLINE,
               reason="违规插手工程项目招投标")  # fmt: skip
    c.promote(months_ago(3), "zr2", None)
    careers.append(c)
    # R-DISC-03: transferred while an investigation (立案审查) of the cadre is open.
    c = make("QH00426", 8, "QHX-SJJ", "exam", True)
    opened = months_ago(4)
    c.plan.add(opened, "open_investigation", acts.CASES, opened_on=opened,
               authority=acts.DISCIPLINE)  # fmt: skip
    c.move_across(months_ago(1), to_county=True, to="QHX-ZRJ")
    careers.append(c)
    # R-TRAIN-01: eight training days last year (see short_training).
    careers.append(make("QH00441", 6, "QHX-WJJ", "exam", True))
    # R-DATA-01: a course recorded forty days after it began (补录).
    c = make("QH00453", 6, "QHX-XFJ", "exam", True)
    course = months_ago(4)
    c.plan.add_late(course, 40, "record_training", acts.HR, start_date=course, days=3,
                    topic="信访工作法治化专题培训")  # fmt: skip
    careers.append(c)
    # The cleanup campaign's work (see campaign()): one secondee sent back, one sent back and
    # seconded again since.
    c = make("QH00482", 7, "QHX-HXX", "exam", True)
    start = months_ago(5)
    acts.second(c.plan, host="QHX-ZJJ", start=start, planned_end=add_months(start, 5),
                purpose="借用参与城市更新项目", approval=None,
                ended=(workday_on_or_after(today - CLEANUP_RETURN), "cleanup"))  # fmt: skip
    careers.append(c)
    c = make("QH00483", 9, "QHX-LQZ", "exam", True)
    start = months_ago(8)
    acts.second(c.plan, host="QHX-NYJ", start=start, planned_end=add_months(start, 10),
                purpose="借调参与高标准农田建设", approval=world.docs.approval(start),
                ended=(workday_on_or_after(today - 2 * CLEANUP_RETURN), "cleanup"))  # fmt: skip
    again = workday_on_or_after(today - CLEANUP_RETURN // 2)
    acts.second(c.plan, host="QHX-FGJ", start=again, planned_end=add_months(again, 3),
                purpose="借调参与项目申报", approval=world.docs.approval(again))  # fmt: skip
    careers.append(c)
    # R-DATA-02: a township cadre given a post of a county organ without a transfer.
    c = make("QH00472", 10, "QHX-QSZ", "exam", True)
    held = months_ago(5)
    pooled = world.roster.take("QHX-NYJ", "zr4", held)
    acts.lateral(c.plan, world.docs, day=held, unit="QHX-NYJ", post=pooled, leadership=False)
    careers.append(c)
    return careers


def short_training(careers: list[CareerPlanner], code: str, days: int = 8) -> None:
    """Cut the yearly course of last year to ``days`` for one cadre (R-TRAIN-01)."""
    career = next(c for c in careers if c.plan.code == code)
    year = career.world.today.year - 1
    plan = career.plan
    for i, act in enumerate(plan.acts):
        if act.verb == "record_training" and act.args["start_date"].year == year:
            plan.acts[i] = replace(act, args={**act.args, "days": days})


def not_in_a_village(code: str) -> bool:
    """Whether a planted new township recruit is to skip the village stay (R-TOWN-06)."""
    return code == "QH00246"


def codes() -> set[str]:
    """Personnel codes of this module's planted careers."""
    return {"QH00141", "QH00187", "QH00219", "QH00246", "QH00263", "QH00305", "QH00330",
            "QH00368", "QH00389", "QH00426", "QH00441", "QH00453", "QH00472", "QH00482",
            "QH00483", *TEAM_NEWCOMERS}  # fmt: skip


@dataclass(frozen=True)
class CampaignPlan:
    """The cleanup campaign under way: opened by the county's discipline commission over the
    county party committee's units (townships included), its targets the secondments with a
    secondment finding holding when it opened."""

    code: str
    title: str
    unit: str
    starts_on: date
    due_on: date
    by: str


def campaign(today: date) -> CampaignPlan:
    """The campaign opened 45 days before ``today``, due in four months."""
    starts = workday_on_or_after(today - timedelta(days=45))
    return CampaignPlan(
        code=f"QHX-JDQL-{starts.year}", title=f"清河县{starts.year}年违规借调干部专项清理",
        unit="QHX", starts_on=starts, due_on=add_months(starts, 4), by=acts.SUPERVISOR,
    )  # fmt: skip
