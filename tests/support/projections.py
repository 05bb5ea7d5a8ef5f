"""Builders of the projection contract: the platform under test and the histories it projects.

``tests/integration/conftest.py`` turns the builders into fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.vault import AesGcmVault
from domain.clock import FixedClock
from domain.services import Services
from domain.store import Store, Written
from domain.values import Approval, Level
from projections.following import Runner
from projections.queries import ReadModels
from projections.registry import TABLES, read_models
from projections.source import StoreSource
from projections.sql import SqlViews

TODAY = date(2026, 11, 26)
CLERK = "clerk-zhang"
INSPECTOR = "inspector-wang"
COUNTY_APPROVAL = Approval(Level.COUNTY, "县委组织部", "县组通〔2022〕5号")
# A small batch makes every history cross batch boundaries, as a long-running follower does.
BATCH_SIZE = 7


@dataclass
class Platform:
    """The parts a projection test drives: commands, the follower, reads, views and the clock."""

    services: Services
    follower: Runner
    reads: ReadModels
    views: SqlViews
    store: Store
    clock: FixedClock

    def step(self, **delta: float) -> datetime:
        """Move the clock (one minute by default) so the next command is recorded later."""
        self.clock.advance(**(delta or {"minutes": 1}))
        return self.clock.now()

    def caught_up(self) -> Platform:
        """Apply every recorded event to the views."""
        self.follower.catch_up()
        return self


def open_platform(store_env: dict[str, str], views: SqlViews) -> Platform:
    """The platform over a store and a views database, with a clock standing at TODAY noon."""
    clock = FixedClock.on(TODAY)
    store = Store(env=dict(store_env))
    services = Services.over(store, clock, AesGcmVault.from_secret("projection-contract"))
    follower = read_models(StoreSource(store), views, batch_size=BATCH_SIZE)
    return Platform(services, follower, ReadModels(views, store), views, store, clock)


def table_contents(views: SqlViews) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table, as sorted tuples (order-free comparison)."""
    contents = {}
    for name, table in sorted(TABLES.items()):
        rows = views.query(f"SELECT {', '.join(table.columns)} FROM {name}")
        contents[name] = sorted((tuple(r.values()) for r in rows), key=repr)
    return contents


# -- the organisation ----------------------------------------------------------------------


def record_organisation(platform: Platform) -> None:
    """County C1 (organisation dept), county C2 (finance), townships T1 and T2, village V1."""
    org = platform.services.organisation
    org.register_unit(CLERK, code="C1", name="某县委组织部", level="county", kind="department")
    org.register_unit(CLERK, code="C2", name="某县财政局", level="county", kind="department")
    org.register_unit(
        CLERK, code="T1", name="某镇人民政府", level="township", kind="government", parent="C1"
    )
    org.register_unit(
        CLERK, code="T2", name="另一镇人民政府", level="township", kind="government", parent="C1"
    )
    org.register_unit(
        CLERK, code="V1", name="某村村委会", level="village", kind="village_committee", parent="T1"
    )
    org.establish_post(
        CLERK, "T1", code="P1", title="副镇长", category="leadership", team_member=True
    )
    org.establish_post(
        CLERK, "T1", code="P2", title="党委委员", category="leadership", team_member=True
    )
    org.establish_post(CLERK, "T1", code="P3", title="党政办科员", category="non_leadership")
    org.establish_post(CLERK, "C1", code="P9", title="科员", category="non_leadership")


def register(platform: Platform, code: str, name: str, *, unit: str, on: date) -> Written:
    """Register a cadre and recruit them into ``unit`` by exam."""
    personnel = platform.services.personnel
    personnel.register_cadre(
        CLERK, code=code, name=name, gender="male", birth_date=date(1990, 1, 1)
    )
    platform.step()
    return personnel.recruit(CLERK, code, effective_date=on, unit=unit, channel="exam")


# -- realistic careers ---------------------------------------------------------------------


@dataclass
class Careers:
    """What the realistic careers recorded: the ids the commands returned, by name."""

    ids: dict[str, str] = field(default_factory=dict)
    written: dict[str, Written] = field(default_factory=dict)
    at: dict[str, datetime] = field(default_factory=dict)


def record_careers(platform: Platform) -> Careers:
    """Three careers over the organisation, each command recorded a minute after the last.

    A001 李四: township cadre; promoted, seconded to C1 (approved, extended, completed),
    moved from post P1 to P2, admonished, now seconded to C2 without approval. Her 2023
    review is entered last (补录), so recording order and effective-date order differ.
    B002 王五: transferred from T2 to T1, holds P1, now first secretary in village V1.
    D003 赵六: county cadre once seconded down to T1 (recalled late), dispatched to V1 in a
    work team (ended as planned), retired this year.
    """
    record_organisation(platform)
    p, out, step = platform.services.personnel, Careers(), platform.step

    def note(name: str, written: Written) -> None:
        out.written[name] = written
        out.at[name] = platform.clock.now()
        out.ids.update({f"{name}.{k}": v for k, v in written.ids.items()})
        step()

    p.register_cadre(CLERK, code="A001", name="李四", gender="female", birth_date=date(1995, 3, 4))
    step()
    p.recruit(CLERK, "A001", effective_date=date(2019, 7, 1), unit="T1", channel="exam")
    step()
    p.complete_probation(CLERK, "A001", effective_date=date(2020, 7, 1))
    step()
    p.appoint(
        CLERK, "A001", unit="T1", post="P1", effective_date=date(2021, 1, 5), kind="promotion",
        decided_on=date(2020, 12, 28), document_no="镇委〔2021〕1号",
    )  # fmt: skip
    step()
    note("a_second_c1", p.second(
        CLERK, "A001", host_unit="C1", start_date=date(2022, 3, 1),
        planned_end_date=date(2022, 9, 1), purpose="脱贫攻坚专项", approval=COUNTY_APPROVAL,
    ))  # fmt: skip
    sid1 = out.ids["a_second_c1.secondment_id"]
    p.extend_secondment(
        CLERK, "A001", sid1, new_planned_end_date=date(2023, 3, 1),
        decided_on=date(2022, 8, 20), approval=COUNTY_APPROVAL,
    )  # fmt: skip
    step()
    p.end_secondment(CLERK, "A001", sid1, end_date=date(2023, 2, 15), reason="completed")
    step()
    note("a_removed_p1", p.remove(
        CLERK, "A001", unit="T1", post="P1", effective_date=date(2024, 1, 10), reason="改任",
    ))  # fmt: skip
    note("a_appointed_p2", p.appoint(
        CLERK, "A001", unit="T1", post="P2", effective_date=date(2024, 1, 10), kind="lateral",
        decided_on=date(2024, 1, 5), document_no="镇委〔2024〕2号",
    ))  # fmt: skip
    note("a_admonished", p.admonish(
        INSPECTOR, "A001", on=date(2024, 5, 6), authority="县纪委", reason="履职不力",
    ))  # fmt: skip
    note("a_second_c2", p.second(CLERK, "A001", host_unit="C2", start_date=date(2025, 6, 1)))
    note("a_review_2023", p.record_review(CLERK, "A001", year=2023, rating="excellent"))

    register(platform, "B002", "王五", unit="T2", on=date(2018, 7, 1))
    step()
    p.transfer(
        CLERK, "B002", to_unit="T1", effective_date=date(2023, 1, 1), approval=COUNTY_APPROVAL
    )
    step()
    p.appoint(
        CLERK, "B002", unit="T1", post="P1", effective_date=date(2024, 2, 1), kind="promotion",
        decided_on=date(2024, 1, 20), document_no="镇委〔2024〕3号",
    )  # fmt: skip
    step()
    note("b_dispatch", p.dispatch(
        CLERK, "B002", village_unit="V1", role="first_secretary",
        start_date=date(2024, 3, 1), planned_end_date=date(2027, 3, 1),
    ))  # fmt: skip

    register(platform, "D003", "赵六", unit="C2", on=date(2010, 7, 1))
    step()
    note("d_second_t1", p.second(
        CLERK, "D003", host_unit="T1", start_date=date(2020, 1, 1),
        planned_end_date=date(2020, 12, 31), purpose="驻镇帮扶",
    ))  # fmt: skip
    p.end_secondment(
        CLERK, "D003", out.ids["d_second_t1.secondment_id"], end_date=date(2021, 1, 10),
        reason="recalled",
    )  # fmt: skip
    step()
    note("d_dispatch", p.dispatch(
        CLERK, "D003", village_unit="V1", role="work_team",
        start_date=date(2021, 3, 1), planned_end_date=date(2023, 3, 1),
    ))  # fmt: skip
    p.end_dispatch(
        CLERK, "D003", out.ids["d_dispatch.dispatch_id"], on=date(2023, 3, 1),
        reason="期满", recalled=False,
    )  # fmt: skip
    step()
    p.depart(CLERK, "D003", effective_date=date(2026, 6, 30), reason="退休")
    step()
    return out


# -- the complaint queue -------------------------------------------------------------------


def received(day: date, hour: int = 9) -> datetime:
    """An instant of receipt on ``day``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class Queue:
    """The filed complaints' ids, by name."""

    ids: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


def record_complaints(platform: Platform) -> Queue:
    """Complaints in every state, some overdue on TODAY (needs the careers' cadres and units).

    filed_late: received 2026-10-01, undecided (decide_by 10-16: overdue), about A001 and T1.
    filed_fresh: received 2026-11-20, undecided (decide_by 12-05).
    extended_late: accepted 2026-08-10 and extended 30 days that day (recorded then: an
        extension is recorded before the date it extends; conclude_by 11-08: overdue), about C2.
    accepted_fresh: accepted 2026-10-01 (conclude_by 11-30), about B002.
    declined / concluded: settled, never overdue.
    twin_a, twin_b: received at the same instant (keyset pagination breaks the tie by id).
    """
    complaints, queue = platform.services.complaints, Queue()

    def file(name: str, day: date, hour: int = 9, **subjects: list[str]) -> str:
        written = complaints.file(
            "public", category="违规借调", title=f"反映{name}", body="某镇干部长期借调不归",
            named=False, received_at=received(day, hour), **subjects,
        )  # fmt: skip
        queue.ids[name] = written.ids["complaint_id"]
        platform.step()
        return queue.ids[name]

    file("filed_late", date(2026, 10, 1), subject_cadres=["A001"], subject_units=["T1"])
    file("filed_fresh", date(2026, 11, 20))
    now = platform.clock.instant
    platform.clock.instant = received(date(2026, 8, 10), 15)
    late = file("extended_late", date(2026, 8, 1), subject_units=["C2"])
    complaints.accept(CLERK, late, on=date(2026, 8, 10), handler_unit="县纪委")
    complaints.extend(CLERK, late, days=30, reason="案情复杂")
    platform.clock.instant = now
    fresh = file("accepted_fresh", date(2026, 9, 15), subject_cadres=["B002"])
    complaints.accept(CLERK, fresh, on=date(2026, 10, 1), handler_unit="县纪委")
    declined = file("declined", date(2026, 7, 1))
    complaints.decline(CLERK, declined, on=date(2026, 7, 5), reason="不属于受理范围")
    concluded = file("concluded", date(2026, 6, 1))
    complaints.accept(CLERK, concluded, on=date(2026, 6, 2), handler_unit="县纪委")
    complaints.conclude(
        CLERK, concluded, on=date(2026, 7, 1), finding="substantiated", summary="属实"
    )
    file("twin_a", date(2026, 11, 25), hour=10)
    file("twin_b", date(2026, 11, 25), hour=10)
    return queue


# -- a corrected career (time travel) ------------------------------------------------------


@dataclass
class Correction:
    """E005's history: when each step was recorded, and the mistaken transfer's position."""

    wrong_transfer: int
    secondment_id: str
    at: dict[str, datetime]


def record_correction(platform: Platform) -> Correction:
    """E005 钱七, one command a day: recruited into T1 (2020), appointed to T1/P3 (2021),
    transferred to C1 by mistake, the transfer retracted, transferred to T2 (2022-05-01), then
    a 2021 secondment to C2 entered late (补录: before the transfer in effective-date order)."""
    p, at = platform.services.personnel, {}

    def recorded(name: str) -> None:
        at[name] = platform.clock.now()
        platform.step(days=1)

    register(platform, "E005", "钱七", unit="T1", on=date(2020, 7, 1))
    recorded("recruited")
    p.appoint(
        CLERK, "E005", unit="T1", post="P3", effective_date=date(2021, 3, 1), kind="lateral",
        decided_on=date(2021, 2, 20), document_no="镇委〔2021〕9号",
    )  # fmt: skip
    recorded("appointed")
    wrong = p.transfer(CLERK, "E005", to_unit="C1", effective_date=date(2022, 5, 1))
    recorded("transferred")
    p.retract(CLERK, "E005", position=wrong.position, reason="调错单位")
    recorded("retracted")
    p.transfer(CLERK, "E005", to_unit="T2", effective_date=date(2022, 5, 1))
    recorded("retransferred")
    secondment_id = p.second(
        CLERK, "E005", host_unit="C2", start_date=date(2021, 6, 1),
        planned_end_date=date(2021, 12, 31), purpose="财政专项",
    ).ids["secondment_id"]  # fmt: skip
    recorded("backdated")
    p.end_secondment(CLERK, "E005", secondment_id, end_date=date(2021, 12, 31), reason="completed")
    recorded("backdated_end")
    return Correction(wrong.position, secondment_id, at)


def days(start: date, end: date) -> int:
    """Whole days from ``start`` to ``end``."""
    return (end - start).days


def minus(instant: datetime, seconds: float = 1) -> datetime:
    """An instant ``seconds`` before another."""
    return instant - timedelta(seconds=seconds)
