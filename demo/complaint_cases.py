"""Complaints (信访举报) received by the county's discipline office, and how each was handled:
most on time, a few deliberately late (see ``planted``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from demo import acts
from demo import planted as p
from demo.dates import office_instant
from demo.names import reporters

ORG_SUPERVISION = "县委组织部干部监督科"
OFFICES = ("县纪委监委第一监督检查室", "县纪委监委第二监督检查室", "县纪委监委第三监督检查室")
PROGRESS = "您反映的问题已受理，正在调查核实中，办结后将及时向您反馈。"

# days ago, channel, named, category, title, body, subject cadres (codes or roles), units,
# handling: (days after receipt, verb, arguments)
COMPLAINTS: tuple[tuple[Any, ...], ...] = (
    (40, "letter", True, "借调借用", "反映龙泉镇干部借调县委宣传部近两年不回原单位",
     "龙泉镇干部{name}被借调到县委宣传部，当时说借调半年，到现在快两年了一直没有回镇里上班，"
     "工资仍在镇里领取。镇里工作人手紧张，其他同志意见很大，请组织上核实处理。",
     ["QH00402"], ["QHX-LQZ", "QHX-XCB"],
     [(3, "accept", {"handler_unit": ORG_SUPERVISION}),
      (10, "add_note", {"text": "已调取借调审批材料：借调期限6个月，未见延期手续。"}),
      (12, "message_reporter", {"text": PROGRESS})]),
    (20, "web", False, "选人用人", p.UNDECIDED_1,
     "桃园街道办事处{name}前不久因安全生产监管不力被诫勉，没过几个月就被提拔为办事处副主任，"
     "这符合规定吗？群众议论很多。", ["QH00312"], ["QHX-TYJD"], []),
    (12, "phone", True, "选人用人", "反映城关镇新任副镇长任职前未经公示",
     "城关镇{name}提拔为副镇长，我们一直没有看到任前公示，请核实选拔程序是否规范。",
     ["QH00375"], ["QHX-CGZ"], []),
    (30, "letter", False, "借调借用", "反映县发改局借用石桥镇干部未办理借调手续",
     "石桥镇干部{name}两个月前被县发改局借走，镇里说没有任何借调手续，也不知道什么时候回来。",
     ["QH00126"], ["QHX-FGJ", "QHX-SQZ"], [(5, "forward", {"to_authority": "中共清河县委组织部"})]),
    (120, "visit", True, "惠民政策", "反映白马乡朱家沟村低保评定优亲厚友",
     "朱家沟村低保评定时，村干部把自己的亲戚评上了低保，真正困难的群众却没有评上。",
     [], ["QHX-BMX-02"],
     [(4, "accept", {"handler_unit": OFFICES[2]}),
      (20, "add_note", {"text": "已入户走访12户，调取近三年低保评议记录。"}),
      (49, "conclude", {"finding": "partly_substantiated",
                        "summary": "经查，该村2户低保对象不符合条件，已取消低保并追回资金；"
                                   "对村委会主任批评教育。"}),
      (54, "notify_reporter", {"method": "电话"})]),
    (95, "hotline", False, "工作作风", "反映县信访局接访窗口工作人员态度生硬",
     "到县信访局反映问题时，窗口工作人员态度生硬，不耐心解释政策。", [], ["QHX-XFJ"],
     [(2, "accept", {"handler_unit": OFFICES[0]}),
      (22, "conclude", {"finding": "unsubstantiated",
                        "summary": "经调阅接访录音录像，未发现态度生硬问题。"})]),
    (150, "web", False, "违反中央八项规定精神", "反映县直单位干部工作日午间饮酒",
     "{name}多次在工作日中午到单位附近饭店饮酒，下午带着酒气上班。", ["drinker"], [],
     [(3, "accept", {"handler_unit": OFFICES[1]}),
      (60, "extend", {"days": 30, "reason": "需调取监控录像并询问多名证人"}),
      (88, "conclude", {"finding": "substantiated", "summary": "经查属实，对{name}进行诫勉。"})]),
    (200, "letter", True, "征地拆迁", "反映龙泉镇征地补偿款发放不及时",
     "龙泉镇去年征收我村土地，补偿款至今没有全部发放到户。", [], ["QHX-LQZ"],
     [(1, "forward", {"to_authority": "清河县自然资源和规划局"}),
      (4, "notify_reporter", {"method": "书面告知"})]),
    (110, "visit", True, "违规收费", p.UNCONCLUDED_1,
     "东岗镇农业综合服务站办理农机补贴手续时收取所谓“工本费”200元，没有任何票据。",
     [], ["QHX-DGZ"],
     [(5, "accept", {"handler_unit": OFFICES[1]}),
      (30, "add_note", {"text": "已约谈服务站负责人，待调取收费台账。"}),
      (70, "message_from_reporter", {"text": "已经过去三个多月了，请问调查有进展吗？"}),
      (72, "message_reporter", {"text": PROGRESS})]),
    (150, "letter", False, "惠民政策", p.UNCONCLUDED_2,
     "河西乡产业扶贫项目的资金去向不明，合作社分红没有按约定发放给脱贫户。", [], ["QHX-HXX"],
     [(10, "accept", {"handler_unit": OFFICES[2]}),
      (55, "extend", {"days": 30, "reason": "涉及项目较多，需审计部门配合"})]),
    (45, "phone", True, "侵占集体资产", p.UNDECIDED_2,
     "青龙村干部把村集体鱼塘承包费用于个人开支，账目不公开。", [], ["QHX-QSZ-03"], []),
    (100, "letter", True, "惠民政策", p.UNNOTIFIED,
     "北街社区把临时救助金发给了不符合条件的人，有的人根本不困难。", [], ["QHX-CGZ-03"],
     [(3, "accept", {"handler_unit": OFFICES[0]}),
      (60, "conclude", {"finding": "partly_substantiated",
                        "summary": "经查，1户救助对象不符合条件，已追回救助金，"
                                   "并批评教育经办人员。"})]),
    (8, "web", False, "选人用人", "反映马集镇新录用公务员不满两年即调入县财政局",
     "马集镇录用不到两年的{name}，还没干满两年就调到县财政局去了，乡镇最低服务年限规定还算不算数？",
     ["QH00459"], ["QHX-MJZ", "QHX-CZJ"], []),
    (60, "hotline", False, "工作作风", "反映县住建局办理房屋产权手续推诿拖延",
     "到县住建局办理房屋产权手续，跑了五六趟都没有办成。", [], ["QHX-ZJJ"],
     [(2, "accept", {"handler_unit": OFFICES[0]}),
      (32, "conclude", {"finding": "unsubstantiated",
                        "summary": "经核实，系申请材料不全，已一次性告知补正。"})]),
    (50, "web", True, "选人用人", "反映县教育和体育局股室负责人长期由借调人员代行",
     "县教体局有的股室负责人岗位长期空缺，由借调来的人代行职责。", [], ["QHX-JTJ"],
     [(6, "decline", {"reason": "所反映问题不属于纪检监察机关受理范围，已告知向县委组织部反映"}),
      (8, "notify_reporter", {"method": "短信"})]),
    (3, "web", False, "其他", "反映某乡镇干部在网络平台发表不当言论",
     "有乡镇干部在短视频平台发表不当言论，影响干部形象。", [], [], []),
    (25, "hotline", True, "借调借用", "反映白马乡干部被县财政局借调已超过半年",
     "白马乡干部{name}被县财政局借调已经八个月了，乡里的工作没人干。", ["QH00288"], ["QHX-CZJ"],
     [(4, "accept", {"handler_unit": ORG_SUPERVISION}),
      (9, "add_note", {"text": "初步核实：借调计划期限10个月，超过6个月，无延期审批。"})]),
    (75, "visit", True, "惠民政策", "反映龙泉镇马家洼村危房改造补助被冒领",
     "马家洼村有人没有改造房屋却领了危房改造补助。", [], ["QHX-LQZ-02"],
     [(14, "accept", {"handler_unit": OFFICES[2]}),
      (54, "conclude", {"finding": "substantiated",
                        "summary": "经查属实，已追回冒领资金2.4万元。"}),
      (58, "notify_reporter", {"method": "当面告知"})]),
    (33, "letter", False, "违规收费", "反映县教体局下属学校违规收取资料费",
     "县城某中学每学期向学生收取资料费300元。", [], ["QHX-JTJ"],
     [(7, "forward", {"to_authority": "清河县教育和体育局"})]),
    (180, "phone", False, "违反中央八项规定精神", "反映石桥镇干部公车私用",
     "石桥镇{name}周末开公车接送家人。", ["driver"], ["QHX-SQZ"],
     [(3, "accept", {"handler_unit": OFFICES[1]}),
      (53, "conclude", {"finding": "substantiated",
                        "summary": "经查属实，给予{name}党内警告处分。"})]),
    (1, "web", True, "工作作风", "反映县人社局社保关系转移办理拖延",
     "在县人社局办理社保关系转移，两个月了还没有办好。", [], ["QHX-RSJ"], []),
    (130, "letter", True, "廉洁纪律", "反映青山镇领导干部违规插手村级工程项目",
     "青山镇{name}多次打招呼，让亲属承揽村里的道路硬化工程。", ["suspect"], ["QHX-QSZ-DW"],
     [(5, "accept", {"handler_unit": OFFICES[0]}),
      (30, "add_note", {"text": "已调取工程招投标资料。"}),
      (63, "conclude", {"finding": "substantiated",
                        "summary": "经初步核实，问题线索具体，已按程序移送审查调查。"}),
      (68, "notify_reporter", {"method": "书面告知"})]),
)  # fmt: skip


@dataclass
class ComplaintPlan:
    """A complaint as received, and its handling (verbs of domain.complaints.Complaints)."""

    received_at: datetime
    by: str
    fields: dict[str, Any]
    steps: list[tuple[date, str, dict[str, Any]]] = field(default_factory=list)


def complaints(
    today: date, names: dict[str, str], roles: dict[str, str], rng: random.Random
) -> list[ComplaintPlan]:
    """The complaints of the demo, oldest first."""
    identities = iter(reporters(rng, sum(1 for c in COMPLAINTS if c[2])))
    plans = []
    for ago, channel, named, category, title, body, cadres, units, steps in COMPLAINTS:
        codes = [roles.get(c, c) for c in cadres if roles.get(c, c) in names]
        name = names[codes[0]] if codes else "某干部"
        received = office_instant(today - timedelta(days=ago), rng)
        plan = ComplaintPlan(received, acts.PUBLIC if channel == "web" else acts.INTAKE, {
            "category": category, "title": title, "body": body.format(name=name),
            "named": named, "reporter": next(identities) if named else None,
            "subject_cadres": codes, "subject_units": units, "channel": channel,
        })  # fmt: skip
        for after, verb, args in steps:
            day = received.date() + timedelta(days=after)
            args = {k: v.format(name=name) if isinstance(v, str) else v for k, v in args.items()}
            if verb in ("accept", "decline", "forward", "conclude", "notify_reporter"):
                args["on"] = day
            plan.steps.append((day, verb, args))
        plans.append(plan)
    return sorted(plans, key=lambda c: c.received_at)
