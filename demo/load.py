"""Record the planned county in the event store through the platform's own commands.

Careers go through :class:`PersonnelBatch` (one transaction per day of acts), the units
through their aggregates (one transaction), complaints through the ordinary service.

Each act is recorded soon after its effective date (within a clerk's working day or three), as
if the platform had been in use all along: nothing looks like a late entry (补录, R-DATA-01),
and "as known at" queries tell a true story. The acts of all cadres are recorded day by day in
the order of their recording moments, so positions follow time as they would have: what the
supervision process judges at a position is the county as it was that day, never a county where
some cadres' whole careers are recorded and others' not yet. No recording time is later than the
platform's now."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from demo import acts
from demo.acts import Act, CadrePlan
from demo.complaint_cases import ComplaintPlan
from demo.dates import office_instant, workday_on_or_after, workday_on_or_before
from demo.plan import Plan
from demo.planted_more import CampaignPlan
from domain.campaign import Target
from domain.errors import UnknownReference
from domain.importing import PersonnelBatch
from domain.rules import Candidate
from domain.services import Services
from domain.store import Store
from domain.supervision.evaluation import CareerMemo, Evaluator, candidate_id
from domain.supervision.histories import Histories
from domain.unit import Unit
from domain.values import (
    Approval,
    Level,
    PostCategory,
    Recording,
    UnitKind,
    check_code,
    check_text,
    parse_enum,
)
from domain.vault import Vault
from projections.unit_tree import UnitRow, UnitTree

LAGS = (0, 0, 1, 2, 3)  # days between an act and its recording
RECORDED_AHEAD = {"end_secondment"}
THREADED = {"extend_secondment": "secondment", "end_secondment": "secondment",
            "end_dispatch": "dispatch", "close_investigation": "investigation"}  # fmt: skip


ROLE_OF_UNITS = acts.ROLES[acts.UNITS]


class RecordingClock:
    """The clock the demo records with: set to each act's recording moment, never past now."""

    def __init__(self, ceiling: datetime) -> None:
        self.ceiling = ceiling
        self.instant = ceiling

    def at(self, instant: datetime) -> None:
        """Record the next events at ``instant`` (capped at the platform's now)."""
        self.instant = min(instant, self.ceiling)

    def now(self) -> datetime:
        return self.instant

    def today(self) -> date:
        return self.instant.date()


@dataclass
class Loaded:
    """What the load wrote."""

    units: int
    posts: int
    cadres: int
    complaints: int
    events: int
    position: int


@dataclass(frozen=True)
class Timed:
    """One act of one cadre and the moment it is recorded."""

    instant: datetime
    cadre: CadrePlan
    act: Act


class DemoLoader:
    """Writes a plan into a store; ``on_progress`` is told how many acts are recorded."""

    def __init__(
        self,
        store: Store,
        vault: Vault,
        now: datetime,
        seed: int = 0,
        evaluator: Evaluator | None = None,
    ) -> None:
        self.store = store
        self.clock = RecordingClock(now)
        self.services = Services.over(store, self.clock, vault)
        self.rng = random.Random(seed)
        self.evaluator = evaluator  # the rules, to fix a campaign's targets (none: no campaign)

    def load(self, plan: Plan, on_progress: Callable[[int], None] | None = None) -> Loaded:
        """Record units, careers and complaints; returns the figures."""
        start = self.store.position()
        epoch = min(a.day for c in plan.cadres for a in c.acts) - timedelta(days=30)
        self.units(plan, epoch)
        timed = sorted(
            (t for cadre in plan.cadres for t in self.moments(cadre)),
            key=lambda t: (t.instant, t.cadre.code),
        )
        batch = PersonnelBatch(self.services.personnel, {})
        threads: dict[str, dict[str, str]] = {}
        for done, t in enumerate(timed, start=1):
            self.record(batch, t, threads.setdefault(t.cadre.code, {}))
            if done == len(timed) or timed[done].instant.date() != t.instant.date():
                batch.commit(keep=True)  # one day's acts: positions follow the days
                if on_progress:
                    on_progress(done)
        for complaint in plan.complaints:
            self.complaint(complaint)
        if plan.campaign is not None and self.evaluator is not None:
            tree = UnitTree([UnitRow(u.code, u.name, u.level, u.kind, u.parent, u.joint_with)
                             for u in plan.units])  # fmt: skip
            scope = tree.scope(plan.campaign.unit)
            # the rules over the histories this loader wrote (a scratch store, in a load)
            rules = replace(self.evaluator, histories=Histories(self.store), careers=CareerMemo())
            self.campaign(plan.campaign, plan.cadres, rules, scope)
        position = self.store.position()
        return Loaded(
            units=len(plan.units),
            posts=sum(len(u.posts) for u in plan.units),
            cadres=len(plan.cadres),
            complaints=len(plan.complaints),
            events=position - start,
            position=position,
        )

    def _at(self, day: date, lag_days: int = 0) -> datetime:
        return office_instant(workday_on_or_after(day + timedelta(days=lag_days)), self.rng)

    def units(self, plan: Plan, epoch: date) -> None:
        """编办 registers every unit and establishes its posts at the start of the story, in one
        transaction (the organisation service would commit each post on its own)."""
        self.clock.at(self._at(epoch))
        ctx = Recording(
            by=acts.UNITS, at=self.clock.now(), today=self.clock.today(), role=ROLE_OF_UNITS
        )
        registered: list[Unit] = []
        for spec in plan.units:
            check_code(spec.code, "unit code")
            if spec.parent is not None and spec.parent not in {u.code for u in registered}:
                raise UnknownReference(f"unknown parent {spec.parent} of unit {spec.code}")
            unit = Unit.register(
                ctx, code=spec.code, name=check_text(spec.name, "name"),
                level=parse_enum(Level, spec.level, "level"),
                kind=parse_enum(UnitKind, spec.kind, "kind"), parent=spec.parent,
                joint_with=spec.joint_with,
            )  # fmt: skip
            for post in spec.posts:
                unit.establish_post(
                    ctx, code=check_code(post.code, "post code"), title=post.title,
                    category=parse_enum(PostCategory, post.category, "category"),
                    grade=post.grade, team_member=post.team_member, principal=post.principal,
                )  # fmt: skip
            registered.append(unit)
        self.store.commit(*registered)

    def moments(self, cadre: CadrePlan) -> list[Timed]:
        """When each act of a cadre is recorded: a day or so after it took effect, each after
        the one before. A secondment's end is recorded on the last working day on or before it
        (the office knows the return date), and nothing before it later than that, so no act is
        ever recorded while a secondment that has ended looks overdue."""
        found, last = [], datetime.min.replace(tzinfo=self.clock.ceiling.tzinfo)
        ordered = cadre.ordered()
        caps, cap = [], date.max  # the recording day of the next act recorded ahead
        for act in reversed(ordered):
            caps.append(cap)
            if act.verb in RECORDED_AHEAD:
                cap = min(cap, workday_on_or_before(act.day))
        for act, cap in zip(ordered, reversed(caps), strict=True):
            if act.late_by is not None:
                day = workday_on_or_after(act.day + timedelta(days=act.late_by))
            else:
                ahead = act.verb in RECORDED_AHEAD
                lag = timedelta(days=self.rng.choice(LAGS))
                day = workday_on_or_before(act.day) if ahead else workday_on_or_after(act.day + lag)
                day = min(day, cap)
            instant = max(office_instant(day, self.rng), last)
            last = instant + timedelta(minutes=1)
            found.append(Timed(min(instant, self.clock.ceiling), cadre, act))
        return found

    def record(self, batch: PersonnelBatch, timed: Timed, threads: dict[str, str]) -> None:
        """Record one act at its moment (``threads``: the cadre's open secondment, dispatch and
        investigation ids)."""
        act, code = timed.act, timed.cadre.code
        self.clock.at(timed.instant)
        args: dict[str, Any] = dict(act.args)
        if isinstance(args.get("approval"), dict):
            approval = args["approval"]
            args["approval"] = Approval(Level(approval["level"]), approval["authority"],
                                        approval["document_no"])  # fmt: skip
        method = getattr(batch, act.verb)
        if act.verb == "register_cadre":
            method(acts.recorder(act.by), code=code, **args)
            return
        ids = [threads[THREADED[act.verb]]] if act.verb in THREADED else []
        written = method(acts.recorder(act.by), code, *ids, **args)
        for kind in ("secondment", "dispatch", "investigation"):
            if f"{kind}_id" in written.ids:
                threads[kind] = written.ids[f"{kind}_id"]

    def campaign(
        self, plan: CampaignPlan, cadres: list[CadrePlan], rules: Evaluator, scope: set[str]
    ) -> None:
        """Open the cleanup under way on its first day, its targets the secondments active then
        with a secondment finding the rules raise as of that day about a unit of its scope."""
        opened = office_instant(plan.starts_on, self.rng)
        self.clock.at(opened)
        targets = []
        for cadre in cadres:
            if not any(a.verb == "second" and a.day <= plan.starts_on for a in cadre.acts):
                continue
            history = rules.histories.cadre(cadre.code)
            found: dict[str, list[Candidate]] = {}
            for c in rules.cadre(history, plan.starts_on, known_at=opened):
                about = set(c.details.get("units", ())) & scope
                if c.rule.startswith("R-SEC-") and about and _active(c.details, plan.starts_on):
                    sid = (c.details.get("period") or [c.anchor])[-1]
                    found.setdefault(sid, []).append(c)
            targets += [
                Target(cadre.code, sid, tuple(str(candidate_id(c)) for c in cs),
                       tuple(sorted({c.rule for c in cs})))
                for sid, cs in sorted(found.items())
            ]  # fmt: skip
        self.services.campaigns.open(
            acts.recorder(plan.by), code=plan.code, title=plan.title, kind="secondment_cleanup",
            unit=plan.unit, starts_on=plan.starts_on, due_on=plan.due_on, targets=targets,
        )  # fmt: skip

    def complaint(self, plan: ComplaintPlan) -> None:
        """File a complaint as received (by intake, or by the reporter on the web) and work it."""
        complaints = self.services.complaints
        lag = timedelta(0) if plan.by == acts.PUBLIC else timedelta(minutes=self.rng.randint(5, 90))
        self.clock.at(plan.received_at + lag)
        written = complaints.file(
            acts.recorder(plan.by), received_at=plan.received_at, **plan.fields
        )
        cid, receipt = written.ids["complaint_id"], written.ids["receipt"]
        for day, verb, args in plan.steps:
            self.clock.at(max(self._at(day), plan.received_at + lag))
            if verb == "message_from_reporter":
                complaints.message_from_reporter(receipt, **args)
            else:
                getattr(complaints, verb)(acts.recorder(acts.HANDLER), cid, **args)


def _active(details: Mapping[str, Any], day: date) -> bool:
    """Whether a secondment finding's secondment was under way on ``day``."""
    start, end = details.get("start_date"), details.get("end_date")
    return start is not None and start <= day.isoformat() and (end is None or end > day.isoformat())
