"""Lawful careers: recruitment, 职级 and leadership promotions, transfers after the minimum
service, 交流, approved secondments that end on time, village dispatches, retirements."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from demo import acts
from demo.acts import CadrePlan, Documents
from demo.county import Roster
from demo.dates import workday_on_or_after
from domain.rules.dates import add_months, add_years

TOPICS = (
    "习近平新时代中国特色社会主义思想专题培训班",
    "乡村振兴战略专题培训班",
    "基层干部依法行政能力提升培训班",
    "党纪学习教育专题读书班",
    "应急管理与安全生产专题培训班",
    "优化营商环境专题培训班",
)
TRAINING_FROM = 2015  # the first year R-TRAIN-01 judges (rules file: training.judged_from_year)
PURPOSES = (
    "借调参与全县重点项目谋划工作",
    "借调协助开展干部档案专项审核",
    "借调参与文明城市创建迎检工作",
    "借调参与第五次全国经济普查",
    "借调协助开展巡察工作",
)


@dataclass
class World:
    """The county as careers are planned in it."""

    today: date
    roster: Roster
    docs: Documents
    townships: dict[str, tuple[str, str]]  # government unit -> (government, party committee)
    organs: list[str]
    villages: dict[str, list[str]]  # government unit -> its villages and communities
    village_busy: dict[str, date] = field(default_factory=dict)  # first secretary until

    def units_of(self, home: str) -> list[str]:
        """The units whose posts a cadre of ``home`` may hold without a transfer."""
        return list(self.townships.get(home, (home,)))


@dataclass
class CareerPlanner:
    """One cadre's career, planned step by step from recruitment to today."""

    world: World
    plan: CadrePlan
    rng: random.Random
    recruited: date
    unit: str = ""
    post: str = ""
    rank: str = "ky"  # ky, zr4, zr2 (职级); deputy, head (领导职务)
    rank_since: date = date.min
    seconded: bool = False
    left: date | None = None  # the day the cadre left service

    @property
    def township(self) -> bool:
        """Whether the cadre's home unit is a township government."""
        return self.plan.home in self.world.townships

    def years(self, day: date) -> float:
        """Years of service at ``day``."""
        return (day - self.recruited).days / 365.25

    def start(self, unit: str, channel: str, *, village_stay: bool = True) -> None:
        """录用 with the first post; a new township recruit without village experience stays
        in a village within the year (驻村锻炼, R-TOWN-06), a 大学生村官 brings the years spent
        in a village on the personnel file."""
        self.unit = unit
        self.post = self.world.roster.take(unit, "ky", self.recruited)
        acts.recruit(self.plan, self.world.docs, day=self.recruited, unit=unit,
                     channel=channel, post=self.post)  # fmt: skip
        training = workday_on_or_after(add_months(self.recruited, 2))
        self.plan.add(training, "record_training", acts.HR, start_date=training, days=10,
                      topic="新录用公务员初任培训班")  # fmt: skip
        self.rank_since = self.recruited
        if self.township and channel == "targeted":
            village = self.rng.choice(self.world.villages[unit])
            self.plan.add(self.recruited, "record_prior_service", acts.HR,
                          unit_name=f"{village}（大学生村官）", unit_level="village",
                          from_date=add_years(self.recruited, -3),
                          to_date=self.recruited - timedelta(days=1),
                          source="干部人事档案：大学生村官聘用合同及考核材料")  # fmt: skip
        elif self.township and channel != "transfer_in" and village_stay:
            self.stay_in_a_village(unit)

    def stay_in_a_village(self, unit: str) -> None:
        """驻村锻炼: a year in a village work team of the home township, starting 3 to 9 months
        after recruitment (still under way for the latest recruits)."""
        today = self.world.today
        start = self.recruited + timedelta(days=self.rng.randint(90, 270))
        start = workday_on_or_after(min(start, today - timedelta(days=14)))
        end = add_months(start, 12)
        ended = (end, False, "驻村锻炼期满") if end < today - timedelta(days=7) else None
        village = self.rng.choice(self.world.villages[unit])
        acts.dispatch(self.plan, village=village, role="work_team", start=start, months=12,
                      ended=ended)  # fmt: skip

    def _move(self, day: date, unit: str, post: str, reason: str) -> None:
        self.world.roster.release(self.unit, self.post, day)
        acts.remove(self.plan, day=day, unit=self.unit, post=self.post, reason=reason)
        self.unit, self.post = unit, post

    def _home_for(self, unit: str) -> str:
        return next((gov for gov, pair in self.world.townships.items() if unit in pair), unit)

    def promote(
        self,
        decided: date,
        rank: str,
        candidates: list[tuple[str, str]] | None,
        *,
        public_notice: bool = True,
        kind: str = "promotion",
        skipped: tuple[str, ...] = (),
    ) -> bool:
        """提拔 (职级 when ``candidates`` is None) effective after the notice."""
        effective = acts.promotion_dates(workday_on_or_after(decided))[3]
        roster = self.world.roster
        if candidates is None:
            unit, post = self.unit, roster.take(self.unit, rank, effective)
        else:
            free = [c for c in candidates if roster.free(c[0], c[1], effective)]
            if not free:
                return False
            unit, post = self.rng.choice(free)
            roster.hold(unit, post, effective)
        home = self._home_for(unit)
        if home != self.plan.home:
            acts.transfer(self.plan, day=effective, to_unit=home)
        self._move(effective, unit, post, "提拔任用" if candidates else "职级晋升")
        acts.promote(self.plan, self.world.docs, decided=decided, unit=unit, post=post,
                     leadership=candidates is not None, public_notice=public_notice, kind=kind,
                     skipped=skipped)  # fmt: skip
        if candidates is not None:
            course = workday_on_or_after(add_months(effective, 2))
            self.plan.add(course, "record_training", acts.HR, start_date=course, days=5,
                          topic="科级领导干部任职培训班")  # fmt: skip
        self.rank, self.rank_since = rank, effective
        return True

    def leaders(self, *, principal: bool, elsewhere: bool) -> list[tuple[str, str]]:
        """Leadership posts at home, or in the other units of the same kind."""
        world = self.world
        pool = list(world.townships) if self.township else world.organs
        homes = [h for h in pool if h != self.plan.home] if elsewhere else [self.plan.home]
        units = [u for h in homes for u in world.units_of(h)]
        return [
            (u, p.code)
            for u in units
            for p in world.roster.units[u].posts
            if p.category == "leadership" and p.principal == principal
        ]

    def move_across(
        self, day: date, to_county: bool, to: str | None = None, *, integrity_talk: bool = True
    ) -> None:
        """调动 (township -> county organ after the minimum service) or 交流 between townships,
        keeping the grade; leaders take a free leadership post of the same rank."""
        world, roster = self.world, self.world.roster
        leader = self.rank in ("deputy", "head")
        homes = world.organs if to_county else [t for t in world.townships if t != self.plan.home]
        home = to or self.rng.choice(homes)
        if leader:
            free = roster.free_leadership(world.units_of(home), day, principal=self.rank == "head")
            if not free:
                return
            unit, post = self.rng.choice(free)
            roster.hold(unit, post, day)
        else:
            unit, post = home, roster.take(home, self.rank, day)
        approval = world.docs.approval(day - timedelta(days=7))
        acts.transfer(self.plan, day=day, to_unit=home, approval=approval)
        self._move(day, unit, post, "工作调动" if to_county else "交流任职")
        acts.lateral(self.plan, world.docs, day=day, unit=unit, post=post, leadership=leader,
                     integrity_talk=integrity_talk)  # fmt: skip

    def second_to_county(self, day: date) -> date:
        """An approved secondment of 3-5 months (sometimes extended) that ends on time."""
        host = self.rng.choice([o for o in self.world.organs if o != self.plan.home])
        start = workday_on_or_after(day)
        planned = add_months(start, self.rng.choice((3, 4, 5)))
        extension = None
        end = planned
        if self.rng.random() < 0.2:
            decided = planned - timedelta(days=10)
            end = add_months(start, 9)
            extension = (decided, end, self.world.docs.approval(decided))
        acts.second(self.plan, host=host, start=start, planned_end=planned,
                    purpose=self.rng.choice(PURPOSES), approval=self.world.docs.approval(start),
                    ended=(end, "completed"), extension=extension)  # fmt: skip
        self.seconded = True
        return end

    def dispatch(self, start: date, *, current: bool) -> date | None:
        """派驻 to a village (first secretary for 主任科员 and up, else the work team)."""
        world = self.world
        role = "work_team" if self.rank == "ky" else "first_secretary"
        villages = [v for vs in world.villages.values() for v in vs]
        if role == "first_secretary":
            villages = [v for v in villages if world.village_busy.get(v, date.min) < start]
        if not villages:
            return None
        village = self.rng.choice(villages)
        end = add_months(start, 24)
        ended = None if current else (end, False, "派驻期满")
        if not current and self.rng.random() < 0.08:
            end = add_months(start, self.rng.randint(5, 14))
            ended = (end, True, "因工作需要召回原单位，另行选派")
        if role == "first_secretary":
            world.village_busy[village] = end
        acts.dispatch(self.plan, village=village, role=role, start=start, months=24, ended=ended)
        return end

    def yearly_training(self, until: date, days: int | None = None) -> None:
        """年度轮训: a course of 12 to 15 days in each whole year of service before ``until``'s."""
        for year in range(max(self.recruited.year + 1, TRAINING_FROM), until.year):
            start = self._quiet_day(year)
            if start > self.world.today - timedelta(days=20):
                break
            self.plan.add(start, "record_training", acts.HR, start_date=start,
                          days=days or self.rng.randint(12, 15),
                          topic=self.rng.choice(TOPICS))  # fmt: skip

    def _quiet_day(self, year: int) -> date:
        """A working day of March to October at least a week from the cadre's other acts (a
        course recorded a few days late never lands between the end of a secondment and its
        recording)."""
        busy = [a.day for a in self.plan.acts]
        for _ in range(20):
            day = workday_on_or_after(date(year, 3, 1) + timedelta(days=self.rng.randrange(240)))
            if all(abs((day - other).days) > 7 for other in busy):
                return day
        return day

    def retire(self, day: date, reason: str) -> None:
        """退休 or 辞去公职: leave the post and the service."""
        self.left = day
        self.world.roster.release(self.unit, self.post, day)
        acts.remove(self.plan, day=day, unit=self.unit, post=self.post, reason=reason)
        self.plan.add(day, "depart", acts.HR, effective_date=day, reason=reason)

    def reviews(self, until: date) -> None:
        """年度考核 of each full year (the last eight), recorded in January; and the year's
        training, 12 days or more (R-TRAIN-01 judges the years from 2015)."""
        until = min(until, self.left or until)
        self.yearly_training(until)
        first = max(self.recruited.year + 1, self.world.today.year - 8)
        for year in range(first, until.year):
            # In early January: before the Spring Festival holidays, within 30 days of 31 Dec.
            recorded = date(year + 1, 1, 4) + timedelta(days=self.rng.randrange(10))
            if recorded > self.world.today:
                break
            roll = self.rng.random()
            rating = (
                "excellent"
                if roll < 0.15
                else "competent"
                if roll < 0.98
                else "basically_competent"
            )
            self.plan.add(recorded, "record_review", acts.HR, year=year, rating=rating)
