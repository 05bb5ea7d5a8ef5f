"""A small county for the search contract: secondments legal and not, words to find, findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from api.vault import AesGcmVault
from domain.clock import FixedClock
from domain.finding import Finding
from domain.services import Services
from domain.store import Store
from domain.values import Approval, Level, Recording

TODAY = date(2026, 11, 26)
CLERK = "clerk-zhang"
INSPECTOR = "inspector-wang"
COUNTY_APPROVAL = Approval(Level.COUNTY, "县委组织部", "县组通〔2026〕5号")
HEADLINE = {  # township cadres seconded to county-or-higher organs > 180 days without approval
    "home_levels": ("township",),
    "host_levels": ("county", "city", "province"),
    "active": True,
    "approved": False,
    "min_days": 180,
}


@dataclass
class County:
    """What the county recorded: secondment ids by cadre code, and other ids by name."""

    secondments: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    illegal: set[str] = field(default_factory=set)
    position: int = 0


def record_county(store_env: dict[str, str]) -> County:
    """Record the county into the store at ``store_env``."""
    clock = FixedClock.on(TODAY - timedelta(days=30))
    store = Store(env=dict(store_env))
    try:
        services = Services.over(store, clock, AesGcmVault.from_secret("search"))
        county = County()
        _organisation(services)
        _secondments(services, clock, county)
        _words(services, clock, county)
        _findings(store, clock, county)
        county.position = store.position()
        return county
    finally:
        store.close()


def _organisation(services: Services) -> None:
    org = services.organisation
    org.register_unit(CLERK, code="CITY", name="某市委办公室", level="city", kind="department")
    org.register_unit(CLERK, code="C-ORG", name="某县委组织部", level="county", kind="department")
    org.register_unit(CLERK, code="C-FIN", name="某县财政局", level="county", kind="department")
    for code, name in (("T1", "东镇人民政府"), ("T2", "西镇人民政府")):
        org.register_unit(
            CLERK, code=code, name=name, level="township", kind="government", parent="C-ORG"
        )
    org.establish_post(CLERK, "T1", code="P1", title="副镇长", category="leadership")


# code, name, home unit, host unit, start, end (None: active), approval, expected in headline
SECONDMENTS: list[tuple[str, str, str, str, date, date | None, bool, bool]] = [
    ("S01", "张伟", "T1", "C-ORG", date(2026, 3, 1), None, False, True),
    ("S02", "李娜", "T1", "C-ORG", date(2026, 3, 1), None, True, False),  # approved
    ("S03", "王芳", "T1", "C-FIN", date(2026, 8, 1), None, False, False),  # 117 days
    ("S04", "刘洋", "T2", "CITY", date(2025, 6, 1), None, False, True),
    ("S05", "陈静", "T2", "C-FIN", date(2025, 1, 1), date(2025, 12, 31), False, False),  # ended
    ("S06", "杨磊", "C-FIN", "CITY", date(2025, 1, 1), None, False, False),  # county cadre
    ("S07", "赵敏", "T1", "T2", date(2025, 1, 1), None, False, False),  # township host
    ("S09", "周杰", "T1", "C-ORG", TODAY - timedelta(days=180), None, False, False),  # = 180
    ("S11", "孙丽", "T2", "CITY", date(2026, 1, 10), date(2026, 12, 31), False, True),  # ends later
]
PURPOSES = {
    "S01": "抽调借调人员参与巡察整改",
    "S04": "借调至市委办公室跟班学习",
    "S07": "借用车辆调度",
}


def _secondments(services: Services, clock: FixedClock, county: County) -> None:
    p = services.personnel
    for code, name, home, host, start, end, approved, illegal in SECONDMENTS:
        p.register_cadre(CLERK, code=code, name=name, gender="male", birth_date=date(1990, 1, 1))
        p.recruit(CLERK, code, effective_date=date(2015, 7, 1), unit=home, channel="exam")
        written = p.second(
            CLERK, code, host_unit=host, start_date=start,
            planned_end_date=date(2026, 12, 31), purpose=PURPOSES.get(code, "专项工作"),
            approval=COUNTY_APPROVAL if approved else None,
        )  # fmt: skip
        county.secondments[code] = written.ids["secondment_id"]
        county.names[code] = name
        if end is not None:
            p.end_secondment(CLERK, code, written.ids["secondment_id"], end_date=end,
                             reason="completed")  # fmt: skip
        if illegal:
            county.illegal.add(written.ids["secondment_id"])
        clock.advance(minutes=1)
    # S08: seconded without approval for long, but the entry was wrong and is retracted.
    p.register_cadre(CLERK, code="S08", name="黄强", gender="male", birth_date=date(1990, 1, 1))
    p.recruit(CLERK, "S08", effective_date=date(2015, 7, 1), unit="T2", channel="exam")
    wrong = p.second(CLERK, "S08", host_unit="C-ORG", start_date=date(2025, 2, 1))
    county.secondments["S08"] = wrong.ids["secondment_id"]
    county.names["S08"] = "黄强"
    clock.advance(minutes=1)
    p.retract(CLERK, "S08", position=wrong.position, reason="录入错误")


def _words(services: Services, clock: FixedClock, county: County) -> None:
    p, complaints = services.personnel, services.complaints
    p.admonish(INSPECTOR, "S06", on=date(2026, 6, 1), authority="县纪委", reason="违规借调下级干部")
    p.appoint(
        CLERK, "S01", unit="T1", post="P1", effective_date=date(2024, 1, 5), kind="promotion",
        decided_on=date(2024, 1, 1), document_no="镇委〔2024〕1号",
    )  # fmt: skip
    clock.advance(minutes=1)
    filed = complaints.file(
        "intake-li", category="personnel", title="关于违规借调的举报",
        body="西镇长期违规借调干部到县直部门，镇里工作无人承担。", named=True,
        reporter={"name": "钱多多", "phone": "13900001111"},
        subject_cadres=["S04"], subject_units=["T2"], channel="letter",
    )  # fmt: skip
    county.ids["complaint_secondment"] = filed.ids["complaint_id"]
    cid = filed.ids["complaint_id"]
    complaints.accept(INSPECTOR, cid, on=clock.today(), handler_unit="C-ORG")
    complaints.message_reporter(INSPECTOR, cid, text="钱多多您好，已受理")
    other = complaints.file(
        "intake-li", category="discipline", title="反映某局公车私用",
        body="某县财政局公车周末借用于私事。", named=False, subject_units=["C-FIN"], channel="web",
    )  # fmt: skip
    county.ids["complaint_car"] = other.ids["complaint_id"]


def _findings(store: Store, clock: FixedClock, county: County) -> None:
    ctx = Recording(by="supervision", at=clock.now(), today=clock.today())
    for rule, code in (("R-SEC-01", "S01"), ("R-SEC-04", "S04"), ("R-DATA-01", "S03")):
        finding = Finding.raise_(
            ctx, rule=rule, severity="violation", subject_kind="cadre", subject_code=code,
            anchor=county.secondments[code], evidence=[1], details={"note": f"{code} 借调超期"},
        )  # fmt: skip
        store.commit(finding)
        county.ids[f"finding_{rule}"] = str(finding.id)
    finding = store.load(Finding, finding.id, "finding")  # R-DATA-01 about S03: resolved
    finding.resolve(ctx, resolution="false_positive", note="数据已更正", approval=None)
    store.commit(finding)


def batches(store: Store, size: int) -> list[list[tuple[int, Any]]]:
    """Every event of the store as (position, event) batches of ``size``, in order."""
    decode = store.mapper.to_domain_event
    notifications = store.recorder.select_notifications(start=1, limit=100_000)
    pairs = [(n.id, decode(n)) for n in notifications]
    return [pairs[i : i + size] for i in range(0, len(pairs), size)]
