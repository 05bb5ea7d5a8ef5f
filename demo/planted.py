"""The deliberately illegal cases of the demo county, each with the rules (RULES.md) it breaks.

Supervision must raise a finding for each of them, and none for the lawful rest of the county.
Township cadres seconded to a higher organ also meet the R-SEC-07 warning (上级机关原则上不得
从县及以下单位借调干部): it is listed as ``warnings``, not as the case's violation.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from demo import acts
from demo import planted_more as more
from demo.acts import CadrePlan
from demo.careers import CareerPlanner, World
from demo.county import PROVINCE_DEPT
from demo.dates import workday_on_or_after
from domain.rules.dates import add_months, add_years


@dataclass(frozen=True)
class Planted:
    """One illegal case: the cadre code or complaint title it concerns, and what it breaks."""

    key: str
    rules: tuple[str, ...]
    subject: str  # cadre | unit | complaint
    ref: str  # personnel code, unit code, or the complaint's title
    story: str
    warnings: tuple[str, ...] = ()


# Complaints handled too slowly (titles identify them; complaint ids are made at filing).
UNDECIDED_1 = "反映桃园街道办事处干部受诫勉后不久即被提拔"
UNDECIDED_2 = "反映青山镇青龙村干部侵占村集体资金"
UNCONCLUDED_1 = "反映东岗镇农业综合服务站违规收取办证费用"
UNCONCLUDED_2 = "反映河西乡产业扶贫项目资金使用不规范"
UNNOTIFIED = "反映城关镇北街社区违规发放临时救助金"

SEC = ("R-SEC-07",)
PLANTED: tuple[Planted, ...] = (
    Planted("early-secondment", ("R-SEC-03",), "cadre", "QH00417",
            "柳林镇录用不满2年的公务员被借调到县委办公室", SEC),
    Planted("unapproved-secondment", ("R-SEC-01", "R-SEC-04"), "cadre", "QH00126",
            "石桥镇干部被县发展和改革局借用7个月、计划借用一年，没有任何审批", SEC),
    Planted("low-approval-secondment", ("R-SEC-01",), "cadre", "QH00233",
            "河西乡干部借调到省自然资源厅，只有县委组织部同意", SEC),
    Planted("open-ended-secondment", ("R-SEC-02",), "cadre", "QH00351",
            "东岗镇干部借调到县信访局，没有明确借调期限", SEC),
    Planted("long-secondment", ("R-SEC-04",), "cadre", "QH00288",
            "白马乡干部借调到县财政局，计划期限10个月且未办理延期", SEC),
    Planted("overdue-secondment", ("R-SEC-05",), "cadre", "QH00164",
            "青山镇干部借调到县委组织部，期满2个月仍未回原单位", SEC),
    Planted("unreturned-secondee", ("R-SEC-04", "R-SEC-05"), "cadre", "QH00402",
            "龙泉镇干部借调到县委宣传部近两年不回原单位（群众已来信反映）", SEC),
    Planted("early-transfer", ("R-TOWN-01",), "cadre", "QH00459",
            "马集镇新录用公务员16个月即调入县财政局"),
    Planted("promoted-after-admonishment", ("R-DISC-01",), "cadre", "QH00312",
            "桃园街道干部受诫勉4个月后被提拔为办事处副主任"),
    Planted("promotion-without-notice", ("R-APPT-01",), "cadre", "QH00375",
            "城关镇干部提拔为副镇长，任前没有公示"),
    Planted("undecided-complaint", ("R-PET-01",), "complaint", UNDECIDED_1,
            "网上举报20天未作受理、不予受理或转送决定"),
    Planted("undecided-named-complaint", ("R-PET-01",), "complaint", UNDECIDED_2,
            "实名电话举报45天未作决定"),
    Planted("unconcluded-complaint", ("R-PET-02",), "complaint", UNCONCLUDED_1,
            "受理105天仍未办结"),
    Planted("unconcluded-extended-complaint", ("R-PET-02",), "complaint", UNCONCLUDED_2,
            "受理140天仍未办结（已延期30天）"),
    Planted("unnotified-reporter", ("R-PET-03",), "complaint", UNNOTIFIED,
            "实名举报办结40天未向举报人反馈"),
    Planted("transfer-without-city-approval", ("R-TOWN-02",), "cadre", "QH00141",
            "河西乡新录用公务员第3年调入县农业农村局，只有县委组织部同意"),
    Planted("early-promotion", ("R-TOWN-03",), "cadre", "QH00187",
            "石桥镇公务员在乡镇工作4年即晋升四级主任科员"),
    Planted("short-team", ("R-TOWN-04",), "unit", more.SHORT_TEAM,
            "杨庄乡领导班子9个职位中4名成员由县直单位调任，均无乡镇工作经历"),
    Planted("resigned-early", ("R-TOWN-05",), "cadre", "QH00219",
            "东岗镇新录用公务员工作3年半辞去公职"),
    Planted("no-village-stay", ("R-TOWN-06",), "cadre", "QH00246",
            "马集镇新录用公务员录用2年半从未驻村锻炼"),
    Planted("seconded-again", ("R-SEC-06",), "cadre", "QH00263",
            "县农业农村局干部借调结束10个月又被借调到县发改局"),
    Planted("no-democratic-evaluation", ("R-APPT-02",), "cadre", "QH00305",
            "柳林镇干部提拔为副镇长，未经民主测评"),
    Planted("no-integrity-talk", ("R-APPT-03",), "cadre", "QH00330",
            "县住建局副局长交流任县民政局副局长，任前未进行廉政谈话"),
    Planted("exceptional-too-soon", ("R-APPT-04",), "cadre", "QH00368",
            "石桥镇干部晋升二级主任科员8个月后被破格提拔为纪委书记"),
    Planted("promoted-under-party-probation", ("R-DISC-02",), "cadre", "QH00389",
            "县教体局干部受留党察看一年处分，影响期内晋升二级主任科员"),
    Planted("transfer-under-investigation", ("R-DISC-03",), "cadre", "QH00426",
            "县审计局干部被立案审查期间调动到县自然资源和规划局"),
    Planted("short-training", ("R-TRAIN-01",), "cadre", "QH00441",
            "县卫健局干部去年参加培训累计仅8天"),
    Planted("too-many-excellent", ("R-REV-01",), "unit", more.TOO_MANY_EXCELLENT,
            "白马乡去年年度考核优秀等次超过20%"),
    Planted("late-entry", ("R-DATA-01",), "cadre", "QH00453",
            "县信访局干部参加专题培训的记录在40天后才补录"),
    Planted("cleanup-returned", ("R-SEC-01",), "cadre", "QH00482",
            "河西乡干部未经审批被县住建局借用，专项清理中退回原单位", SEC),
    Planted("cleanup-seconded-again", ("R-SEC-04", "R-SEC-06"), "cadre", "QH00483",
            "龙泉镇干部借调8个月未办延期，专项清理退回后半个月又被借调到县发改局", SEC),
    Planted("post-outside-home", ("R-DATA-02",), "cadre", "QH00472",
            "青山镇干部未办理调动或借调，被任命为县农业农村局四级主任科员"),
)  # fmt: skip
EXAMPLE_CADRE = "QH00402"  # the secondee who never returned: what the README's curl shows


def planted_codes() -> set[str]:
    """Personnel codes the planted cases use (regular cadres get other numbers)."""
    return {p.ref for p in PLANTED if p.subject == "cadre"} | more.codes()


NewPerson = Callable[[str, date, str], CadrePlan]  # (code, recruited, channel) -> a new cadre


def _secondee(
    home: str, years: float, channel: str, grade_up: bool
) -> Callable[..., CareerPlanner]:
    def make(world: World, code: str, new_person: NewPerson, rng: random.Random) -> CareerPlanner:
        recruited = workday_on_or_after(world.today - timedelta(days=int(years * 365.25)))
        career = CareerPlanner(world, new_person(code, recruited, channel), rng, recruited)
        career.start(home, channel, village_stay=not more.not_in_a_village(code))
        if grade_up:
            career.promote(add_years(recruited, 6), "zr4", None)
        return career

    return make


def _second(career: CareerPlanner, host: str, months_ago: int, planned: int | None, purpose: str,
            approval: str | None) -> None:  # fmt: skip
    start = workday_on_or_after(add_months(career.world.today, -months_ago))
    acts.second(
        career.plan, host=host, start=start,
        planned_end=add_months(start, planned) if planned is not None else None,
        purpose=purpose, approval=career.world.docs.approval(start) if approval else None,
    )  # fmt: skip


def build(world: World, new_person: NewPerson, rng: random.Random) -> list[CareerPlanner]:
    """Plan the careers of the planted cases (before anyone else takes their posts)."""
    make = {
        "QH00417": _secondee("QHX-LLZ", 20 / 12, "exam", False),
        "QH00126": _secondee("QHX-SQZ", 7, "exam", True),
        "QH00233": _secondee("QHX-HXX", 9, "selected_graduate", True),
        "QH00351": _secondee("QHX-DGZ", 6, "exam", False),
        "QH00288": _secondee("QHX-BMX", 8.1, "targeted", True),
        "QH00164": _secondee("QHX-QSZ", 10, "exam", True),
        "QH00402": _secondee("QHX-LQZ", 12, "exam", True),
        "QH00459": _secondee("QHX-MJZ", 22 / 12, "exam", False),
        "QH00312": _secondee("QHX-TYJD", 11, "exam", True),
        "QH00375": _secondee("QHX-CGZ", 10, "exam", True),
    }
    careers = {code: make[code](world, code, new_person, rng) for code in make}
    _second(careers["QH00417"], "QHX-XWB", 3, 4, "借调协助县委办公室文稿起草工作", "county")
    # The headline inspector query: a township cadre at a county organ > 180 days, unapproved.
    _second(careers["QH00126"], "QHX-FGJ", 7, 12, "借用参与重点项目谋划申报", None)
    _second(careers["QH00233"], PROVINCE_DEPT, 4, 5, "借调参加全省国土空间规划编制工作", "county")
    _second(careers["QH00351"], "QHX-XFJ", 3, None, "借调协助信访积案化解", "county")
    _second(careers["QH00288"], "QHX-CZJ", 8, 10, "借调参与预算绩效评价工作", "county")
    _second(careers["QH00164"], "QHX-ZZB", 5, 3, "借调参与乡镇换届考察工作", "county")
    _second(careers["QH00402"], "QHX-XCB", 22, 6, "借调参与县融媒体中心建设", "county")
    early = careers["QH00459"]
    early.move_across(
        workday_on_or_after(add_months(early.recruited, 16)), to_county=True, to="QHX-CZJ"
    )
    admonished = careers["QH00312"]
    warned = workday_on_or_after(add_months(world.today, -8))
    admonished.plan.add(warned, "admonish", acts.CASES, on=warned, authority=acts.DISCIPLINE,
                        reason="落实辖区安全生产监管责任不力")  # fmt: skip
    admonished.promote(add_months(warned, 4), "deputy", [("QHX-TYJD", "fz-1")])
    careers["QH00375"].promote(
        add_months(world.today, -5), "deputy", [("QHX-CGZ", "fz-1")], public_notice=False
    )

    def started(code: str, years: float, home: str, channel: str, up: bool) -> CareerPlanner:
        return _secondee(home, years, channel, up)(world, code, new_person, rng)

    planned = [*careers.values(), *more.build(world, started, rng)]
    for career in planned:
        career.reviews(world.today)
    more.short_training(planned, "QH00441")
    return planned
