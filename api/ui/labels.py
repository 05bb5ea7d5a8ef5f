"""The Chinese words the pages show for the codes the API speaks (glossary of DOMAIN.md)."""

from __future__ import annotations

LEVELS = {
    "province": "省", "city": "市(州)", "county": "县(市、区)", "township": "乡镇(街道)",
    "village": "村(社区)",
}  # fmt: skip
UNIT_KINDS = {
    "party_committee": "党委", "government": "政府", "department": "部门",
    "institution": "事业单位",
    "dispatched_office": "派出机构", "village_committee": "村委会", "community": "社区",
}  # fmt: skip
ROLES = {
    "clerk": "组织部干部（录入）", "intake": "信访受理员", "inspector": "纪检监察干部",
    "auditor": "审计巡视人员", "admin": "系统管理员", "lead": "负责人",
}  # fmt: skip
EVENT_TYPES = {
    "CadreRegistered": "建立档案", "Recruited": "录用", "ProbationCompleted": "试用期满转正",
    "Appointed": "任职", "Removed": "免职", "Transferred": "调动", "Seconded": "借调",
    "SecondmentExtended": "借调延期", "SecondmentEnded": "借调结束", "Dispatched": "派驻",
    "DispatchEnded": "派驻结束", "DispatchRecalled": "派驻召回", "Admonished": "诫勉",
    "Sanctioned": "处分", "InvestigationOpened": "立案审查", "InvestigationClosed": "审查结束",
    "AnnualReviewRecorded": "年度考核", "TrainingRecorded": "培训", "Departed": "离职",
    "EntryRetracted": "更正（撤销记录）", "PriorServiceRecorded": "入库前经历",
    "ComplaintFiled": "信访举报登记", "ComplaintAccepted": "受理", "ComplaintDeclined": "不予受理",
    "ComplaintForwarded": "转送", "ComplaintDeadlineExtended": "延长办理期限",
    "CaseNoteAdded": "办理记录", "MessageToReporter": "回复举报人",
    "MessageFromReporter": "举报人留言", "ComplaintConcluded": "办结",
    "ReporterNotified": "反馈举报人",
    "FindingRaised": "发现问题", "FindingReraised": "再次发现", "FindingWithdrawn": "撤回发现",
    "FindingRemedied": "问题已纠正", "FindingAcknowledged": "已认领", "FindingResolved": "已处理",
    "UnitRegistered": "单位登记", "UnitRenamed": "单位更名", "PostEstablished": "设立职位",
    "PostAbolished": "撤销职位", "UnitAbolished": "单位撤并",
}  # fmt: skip
FIELDS = {
    "unit": "单位", "post": "职位", "effective_date": "生效日期", "kind": "类别",
    "decided_on": "决定日期", "document_no": "文号", "channel": "录用渠道", "reason": "原因",
    "from_unit": "原单位", "to_unit": "调入单位", "approval": "审批", "home_unit": "原单位",
    "host_unit": "借调单位", "start_date": "开始日期", "planned_end_date": "计划结束日期",
    "new_planned_end_date": "新的计划结束日期", "end_date": "结束日期", "purpose": "借调事由",
    "village_unit": "派驻村", "role": "身份", "date": "日期", "authority": "决定机关",
    "opened_on": "立案日期", "closed_on": "结束日期", "outcome": "结果", "year": "年度",
    "rating": "等次", "days": "天数", "topic": "内容", "position": "记录号",
    "probation_months": "试用期（月）", "integrity_talk": "任前廉政谈话", "public_notice": "公示",
    "procedure": "程序", "name": "姓名", "gender": "性别", "birth_date": "出生日期",
    "growth_place": "成长地", "code": "编码", "unit_level": "单位层级", "title": "标题",
    "category": "类别", "post_category": "职位类别", "team_member": "班子成员",
    "secondment_id": "借调编号", "dispatch_id": "派驻编号", "investigation_id": "立案编号",
    "level": "层级", "start": "开始", "end": "结束", "preview_notice": "考察预告",
    "democratic_evaluation": "民主测评", "individual_talks": "个别谈话",
    "records_review": "查阅资料", "handler_unit": "承办单位", "to_authority": "转送机关",
    "finding": "结论", "summary": "办理情况", "method": "反馈方式", "text": "内容",
    "home_level": "原单位层级", "host_level": "借调单位层级", "evaluated_as_of": "评估日期",
    "units": "涉及单位", "evaluated_upto": "依据记录至", "breaches": "违反情形",
    "lasts_until": "持续至", "deadline": "期限", "received_on": "收到日期",
}  # fmt: skip
HIDDEN_FIELDS = {"evaluated_upto", "units", "unit_level", "post_category", "home_level",
                 "host_level"}  # fmt: skip
VALUES = {
    "exam": "考录", "selected_graduate": "选调生", "targeted": "定向招录",
    "institution": "事业单位招聘", "transfer_in": "调入", "promotion": "提拔",
    "lateral": "平级任职", "exceptional": "破格提拔", "trial": "试用", "completed": "期满结束",
    "recalled": "召回", "cleanup": "专项清理退回", "first_secretary": "第一书记",
    "work_team": "驻村工作队", "excellent": "优秀", "competent": "称职",
    "basically_competent": "基本称职", "incompetent": "不称职", "leadership": "领导职务",
    "non_leadership": "职级", "warning": "警告", "demerit": "记过", "major_demerit": "记大过",
    "demotion": "降级", "dismissal_from_post": "撤职", "party_warning": "党内警告",
    "party_serious_warning": "党内严重警告", "removal_from_party_post": "撤销党内职务",
    "party_probation": "留党察看", "expulsion": "开除党籍", "male": "男", "female": "女",
    **LEVELS,
}  # fmt: skip
COMPLAINT_STATUS = {
    "filed": "待决定", "accepted": "已受理", "declined": "不予受理", "forwarded": "已转送",
    "concluded": "已办结", "notified": "已反馈",
}  # fmt: skip
PUBLIC_STATUS = {
    "filed": "已收到，正在审查是否受理", "accepted": "已受理，正在办理",
    "declined": "不予受理（原因见下方回复）", "forwarded": "已转送有权处理的机关",
    "concluded": "已办结", "notified": "已办结并反馈",
}  # fmt: skip
CHANNELS = {
    "letter": "来信", "visit": "来访", "phone": "电话", "hotline": "12388 热线", "web": "网上举报",
}  # fmt: skip
OUTCOMES = {
    "substantiated": "属实", "partly_substantiated": "部分属实", "unsubstantiated": "不属实",
}  # fmt: skip
STEPS = {
    "accepted": "受理", "declined": "不予受理", "forwarded": "转送", "extended": "延长期限",
    "concluded": "办结", "notified": "反馈举报人",
}  # fmt: skip
FINDING_STATUS = {
    "open": "待处理", "acknowledged": "已认领", "resolved": "已处理", "withdrawn": "已撤回",
    "remedied": "已纠正",
}  # fmt: skip
FINDING_STEPS = {
    "raised": "发现问题", "reraised": "再次发现", "withdrawn": "撤回（依据已更正）",
    "remedied": "问题已纠正", "acknowledged": "认领", "resolved": "处理完毕",
}  # fmt: skip
RESOLUTIONS = {"remedied": "已整改", "waived": "经批准豁免", "false_positive": "误报"}
SEVERITY = {"violation": "违规", "warning": "提醒"}
RULES = {
    "R-SEC-01": "借调未经借调单位同级组织部门同意", "R-SEC-02": "借调没有明确期限",
    "R-SEC-03": "乡镇新录用人员2年内被借调", "R-SEC-04": "借调超期未办延期或未按规定审批",
    "R-SEC-05": "借调期满未回原单位", "R-SEC-06": "借调结束不满2年再次借调",
    "R-SEC-07": "上级机关从县及以下单位借调干部", "R-TOWN-01": "乡镇新录用人员2年内调动",
    "R-TOWN-02": "乡镇最低服务年限内调出未经市级审批", "R-TOWN-03": "乡镇服务年限不足即晋升职级",
    "R-TOWN-04": "乡镇领导班子乡镇工作经历不足2/3", "R-TOWN-05": "最低服务年限内离开乡镇",
    "R-TOWN-06": "乡镇新录用人员未安排驻村锻炼", "R-APPT-01": "提拔未经公示或公示不足",
    "R-APPT-02": "提拔缺少必经程序", "R-APPT-03": "任领导职务前未进行廉政谈话",
    "R-APPT-04": "违规破格提拔", "R-DISC-01": "诫勉影响期内提拔", "R-DISC-02": "处分影响期内提拔",
    "R-DISC-03": "立案审查期间调动或提拔", "R-PET-01": "信访举报15日内未作受理决定",
    "R-PET-02": "受理后未在期限内办结", "R-PET-03": "实名举报办结后未及时反馈",
    "R-TRAIN-01": "年度培训不足12天", "R-REV-01": "年度考核优秀比例超过20%",
    "R-DATA-01": "记录补录（录入晚于生效30天以上）", "R-DATA-02": "在非所在单位任职且无调动或借调",
}  # fmt: skip
SEARCH_KINDS = {
    "events": "记录", "cadres": "干部", "complaints": "信访举报", "findings": "问题线索",
    "secondments": "借调",
}  # fmt: skip
COMPLAINT_CATEGORIES = (
    "选人用人",
    "借调借用",
    "违反中央八项规定精神",
    "廉洁纪律",
    "工作作风",
    "侵占集体资产",
    "惠民政策",
    "征地拆迁",
    "违规收费",
    "其他",
)


def label(table: dict[str, str], value: object) -> str:
    """The Chinese word for ``value``, or the value itself when the table has none."""
    if value is None:
        return ""
    return table.get(str(value), str(value))
