"""Reports over the registers: secondments, findings and complaints."""

from __future__ import annotations

from collections.abc import Set
from datetime import date
from typing import Any

from domain.rules import CATALOGUE
from projections.careers import SECONDMENTS
from projections.reports.base import Column, Report, sums
from projections.sql import SqlViews

LEVELS = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}
FINDING_STATES = ("open", "acknowledged", "resolved", "remedied", "withdrawn")
SEVERITY = {"violation": "违规", "warning": "预警"}


def _in(values: list[str]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


def secondments(
    views: SqlViews, scope: list[str] | None, year: int | None, as_of: date,
    visible: Set[str] | None = None,
) -> Report:  # fmt: skip
    """借调干部情况: every secondment from or to the scope's units, in the year (or active on
    ``as_of`` when no year is asked); of the ``visible`` cadres only, when given."""
    clauses, params = ["s.start_date <= ?"], [as_of.isoformat()]
    if scope is not None:
        clauses.append(f"(s.home_unit IN ({_in(scope)}) OR s.host_unit IN ({_in(scope)}))")
        params += [*scope, *scope]
    if year is not None:
        clauses.append("s.start_date <= ? AND (s.end_date IS NULL OR s.end_date >= ?)")
        params += [f"{year}-12-31", f"{year}-01-01"]
    else:
        clauses.append("(s.end_date IS NULL OR s.end_date > ?)")
        params.append(as_of.isoformat())
    found = views.query(
        "SELECT s.*, c.name AS cadre_name FROM secondments s "
        "LEFT JOIN cadres c ON c.code = s.cadre_code "
        f"WHERE {' AND '.join(clauses)} ORDER BY s.start_date, s.secondment_id",
        params,
    )
    rows = []
    for r in views._decode(SECONDMENTS, found):
        if visible is not None and r["cadre_code"] not in visible:
            continue
        start = date.fromisoformat(str(r["start_date"]))
        end = date.fromisoformat(str(r["end_date"])) if r["end_date"] else None
        active = end is None or end > as_of
        rows.append({
            "cadre_name": r["cadre_name"], "cadre": r["cadre_code"],
            "home_unit": r["home_unit"], "home_level": LEVELS.get(r["home_level"] or "", ""),
            "host_unit": r["host_unit"], "host_level": LEVELS.get(r["host_level"] or "", ""),
            "start_date": start.isoformat(), "planned_end_date": _text(r["planned_end_date"]),
            "end_date": end.isoformat() if end else None,
            "days": ((as_of if active else end) - start).days,  # type: ignore[operator]
            "approval_level": LEVELS.get(r["approval_level"] or "", "无"),
            "extensions": len(r["extensions"] or []), "active": 1 if active else 0,
            "unapproved": 0 if r["approval_level"] else 1,
        })  # fmt: skip
    columns = [
        Column("cadre_name", "姓名"), Column("cadre", "人事编码"), Column("home_unit", "原单位"),
        Column("home_level", "原单位层级"), Column("host_unit", "借调单位"),
        Column("host_level", "借调单位层级"), Column("start_date", "借调开始日期"),
        Column("planned_end_date", "计划结束日期"), Column("end_date", "实际结束日期"),
        Column("days", "借调天数"), Column("approval_level", "审批层级"),
        Column("extensions", "延期次数"), Column("active", "在借（人）"),
        Column("unapproved", "未经审批（人）"),
    ]  # fmt: skip
    totals = {"cadre_name": "合计", "cadre": len(rows), **sums(rows, "active", "unapproved")}
    return Report("secondments", "借调干部情况统计表", columns, rows, totals)


def findings(
    views: SqlViews, scope: list[str] | None, year: int | None, visible: Set[str] | None = None
) -> Report:
    """违规问题线索: per rule, how many findings are in each state; when ``visible`` is given,
    of findings about those cadres, the scope's units, and complaints naming either."""
    clauses, params = ["1 = 1"], []
    if scope is not None:
        clauses.append(
            f"((subject_kind = 'unit' AND subject_code IN ({_in(scope)})) OR finding_id IN "
            f"(SELECT finding_id FROM finding_units WHERE unit IN ({_in(scope)})))"
        )
        params += [*scope, *scope]
    if year is not None:
        clauses.append("substr(raised_at, 1, 4) = ?")
        params.append(str(year))
    by_rule: dict[str, dict[str, int]] = {}
    if visible is None:
        counted = views.query(
            f"SELECT rule, status, COUNT(*) AS n FROM findings WHERE {' AND '.join(clauses)} "
            "GROUP BY rule, status",
            params,
        )
        for r in counted:
            by_rule.setdefault(r["rule"], {})[r["status"]] = int(r["n"])
    else:
        units = set(scope or ())
        listed = views.query(
            "SELECT rule, status, subject_kind, subject_code FROM findings "
            f"WHERE {' AND '.join(clauses)}",
            params,
        )
        complaints = _complaints_naming(
            views, [r["subject_code"] for r in listed if r["subject_kind"] == "complaint"],
            visible, units,
        )  # fmt: skip
        about = {"cadre": visible, "unit": units, "complaint": complaints}
        for r in listed:
            if r["subject_code"] in about.get(r["subject_kind"], ()):
                counts = by_rule.setdefault(r["rule"], {})
                counts[r["status"]] = counts.get(r["status"], 0) + 1
    rows = []
    for rule in CATALOGUE:
        n = by_rule.get(rule.id, {})
        row: dict[str, Any] = {"rule": rule.id, "severity": SEVERITY[rule.severity],
                               "summary": rule.summary}  # fmt: skip
        row.update({state: n.get(state, 0) for state in FINDING_STATES})
        row["total"] = sum(n.values())
        rows.append(row)
    columns = [
        Column("rule", "规则"), Column("severity", "性质"), Column("summary", "内容"),
        Column("open", "待处理"), Column("acknowledged", "已受理核查"),
        Column("resolved", "已办结"), Column("remedied", "已整改"), Column("withdrawn", "已撤回"),
        Column("total", "合计"),
    ]  # fmt: skip
    totals = {"rule": "合计", **sums(rows, *FINDING_STATES, "total")}
    return Report("findings", "违规问题线索统计表", columns, rows, totals)


def _complaints_naming(
    views: SqlViews, ids: list[str], cadres: Set[str], units: Set[str]
) -> set[str]:
    """The complaints among ``ids`` with a subject among ``cadres`` or ``units``."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = sorted(set(ids[start : start + 500]))
        rows = views.query(
            f"SELECT complaint_id, kind, code FROM complaint_subjects "
            f"WHERE complaint_id IN ({_in(chunk)})",
            chunk,
        )
        found |= {
            str(r["complaint_id"]) for r in rows
            if r["code"] in (cadres if r["kind"] == "cadre" else units)
        }  # fmt: skip
    return found


def complaints(views: SqlViews, scope: list[str] | None, year: int | None, as_of: date) -> Report:
    """信访举报办理情况: per category, how many were received, decided, concluded, late."""
    clauses, params = ["1 = 1"], []
    if scope is not None:
        clauses.append(
            "complaint_id IN (SELECT complaint_id FROM complaint_subjects WHERE kind = 'unit' "
            f"AND code IN ({_in(scope)}))"
        )
        params += scope
    if year is not None:
        clauses.append("substr(received_on, 1, 4) = ?")
        params.append(str(year))
    found = views.query(
        f"SELECT * FROM complaints WHERE {' AND '.join(clauses)} ORDER BY category", params
    )
    today = as_of.isoformat()
    by_category: dict[str, dict[str, int]] = {}
    for r in found:
        n = by_category.setdefault(r["category"], dict.fromkeys(_COMPLAINT_KEYS, 0))
        n["received"] += 1
        n["named"] += 1 if r["named"] else 0
        n["decided"] += 1 if r["decided_on"] else 0
        n["accepted"] += 1 if r["accepted_on"] else 0
        n["concluded"] += 1 if r["concluded_on"] else 0
        n["notified"] += 1 if r["notified_on"] else 0
        n["late_decision"] += 1 if (r["decided_on"] or today) > str(r["decide_by"]) else 0
        late = r["conclude_by"] and (r["concluded_on"] or today) > str(r["conclude_by"])
        n["late_conclusion"] += 1 if late else 0
    rows = [{"category": category, **n} for category, n in sorted(by_category.items())]
    columns = [
        Column("category", "类别"), Column("received", "收件"), Column("named", "实名"),
        Column("decided", "已作出受理、不予受理或转送决定"), Column("accepted", "受理"),
        Column("concluded", "办结"), Column("notified", "已反馈"),
        Column("late_decision", "逾期决定"), Column("late_conclusion", "逾期办结"),
    ]  # fmt: skip
    totals = {"category": "合计", **sums(rows, *_COMPLAINT_KEYS)}
    return Report("complaints", "信访举报办理情况统计表", columns, rows, totals)


_COMPLAINT_KEYS = ("received", "named", "decided", "accepted", "concluded", "notified",
                   "late_decision", "late_conclusion")  # fmt: skip


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:10]
