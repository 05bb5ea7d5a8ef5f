"""Reports of the organisation department: township teams, training days and annual reviews."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.errors import NotFound
from domain.rules.career import Career, Home
from domain.rules.training import in_service_all_year, training_years
from domain.supervision.evaluation import Evaluator
from domain.values import ReviewRating
from projections.reports.base import Column, Report, share, sums, yes
from projections.teams import TeamStatistics
from projections.unit_tree import UnitTree

RATINGS = tuple(r.value for r in ReviewRating)


def township_teams(teams: TeamStatistics, tree: UnitTree, unit: str | None, as_of: date) -> Report:
    """乡镇领导班子乡镇工作经历情况: each township under the unit (every township without one)."""
    if unit is not None and tree.get(unit).level == "township":
        codes = [tree.primary(tree.get(unit)).code]
    else:
        below = tree.below(unit) if unit is not None else list(tree.units.values())
        codes = sorted({tree.primary(u).code for u in below if u.level == "township"})
    rows, target = [], ""
    for code in codes:
        team = teams.team(code, as_of)
        target = f"{team.target.numerator}/{team.target.denominator}"
        rows.append({
            "unit": code, "name": tree.units[code].name, "total": team.total,
            "experienced": team.experienced, "share": share(team.experienced, team.total),
            "meets_target": yes(team.meets_target),
        })  # fmt: skip
    columns = [
        Column("unit", "单位编码"), Column("name", "乡镇"), Column("total", "班子成员（人）"),
        Column("experienced", "具有2年以上乡镇工作经历（人）"), Column("share", "占比"),
        Column("meets_target", f"达到{target or '2/3'}"),
    ]  # fmt: skip
    totals: dict[str, Any] = {"unit": "合计", **sums(rows, "total", "experienced")}
    totals["share"] = share(totals["experienced"], totals["total"])
    totals["meets_target"] = f"{sum(r['meets_target'] == '是' for r in rows)}/{len(rows)}"
    return Report("township-teams", "乡镇领导班子成员乡镇工作经历情况统计表", columns, rows, totals)


def _within(home: Home | None, scope: set[str] | None) -> bool:
    return home is not None and (scope is None or home.unit in scope)


def _careers(evaluator: Evaluator, codes: list[str], as_of: date) -> list[Career]:
    histories = evaluator.histories
    return [Career.of(h, as_of) for h in (histories.cadre(c) for c in codes) if h]


def training(
    evaluator: Evaluator, cadres: list[str], year: int, as_of: date, tree: UnitTree,
    scope: set[str] | None,
) -> Report:  # fmt: skip
    """干部教育培训: each cadre in service all year (home unit in the scope on 31 December),
    the training days recorded in it."""
    required = evaluator.params.training.days_per_year
    rows = []
    for career in _careers(evaluator, cadres, as_of):
        home = career.home_on(date(year, 12, 31))
        if not in_service_all_year(career, year) or not _within(home, scope):
            continue
        found = [y for y in training_years(career, year) if y.year == year]
        days = found[0].days if found else 0
        rows.append({
            "cadre": career.code, "name": career.state.name,
            "unit": tree.units[home.unit].name if home and home.unit in tree.units else None,
            "courses": len(found[0].courses) if found else 0, "days": days,
            "required": required, "short": 1 if days < required else 0,
        })  # fmt: skip
    columns = [
        Column("cadre", "人事编码"), Column("name", "姓名"), Column("unit", "单位"),
        Column("courses", "培训（次）"), Column("days", "培训天数"),
        Column("required", "应达天数"), Column("short", "未达标（人）"),
    ]  # fmt: skip
    totals = {"cadre": "合计", "name": len(rows), **sums(rows, "courses", "days", "short")}
    return Report("training", f"{year}年度干部教育培训情况统计表", columns, rows, totals)


def reviews(
    evaluator: Evaluator, cadres: list[str], year: int, as_of: date, tree: UnitTree,
    scope: set[str] | None,
) -> Report:  # fmt: skip
    """年度考核: per home unit on 31 December (in the scope), how many were rated what."""
    limit = evaluator.params.reviews.excellent_share
    by_unit: dict[str, dict[str, int]] = {}
    for career in _careers(evaluator, cadres, as_of):
        rated = [r for r in career.reviews if r.event.year == year]
        home = career.home_on(date(year, 12, 31))
        if not rated or home is None or not _within(home, scope):
            continue
        counts = by_unit.setdefault(home.unit, dict.fromkeys(RATINGS, 0))
        counts[rated[-1].event.rating] += 1
    rows = []
    for code, counts in sorted(by_unit.items()):
        reviewed = sum(counts.values())
        excellent = counts["excellent"]
        over = excellent * limit.denominator > reviewed * limit.numerator
        rows.append({
            "unit": code, "name": tree.units[code].name if code in tree.units else code,
            "reviewed": reviewed, **counts, "share": share(excellent, reviewed),
            "over": yes(over),
        })  # fmt: skip
    columns = [
        Column("unit", "单位编码"), Column("name", "单位"), Column("reviewed", "参加考核（人）"),
        Column("excellent", "优秀"), Column("competent", "称职"),
        Column("basically_competent", "基本称职"), Column("incompetent", "不称职"),
        Column("share", "优秀比例"), Column("over", "超过规定比例"),
    ]  # fmt: skip
    totals: dict[str, Any] = {"unit": "合计", **sums(rows, "reviewed", *RATINGS)}
    totals["share"] = share(totals["excellent"], totals["reviewed"])
    return Report("reviews", f"{year}年度考核等次情况统计表", columns, rows, totals)


def training_account(evaluator: Evaluator, code: str, as_of: date) -> dict[str, Any]:
    """A cadre's training days year by year (培训学时台账): every year of service up to
    ``as_of``'s, each course, the days against the yearly requirement (R-TRAIN-01 judges the
    whole, completed years)."""
    history = evaluator.histories.cadre(code)
    if not history:
        raise NotFound(f"cadre {code} not found")
    career = Career.of(history, as_of)
    required = evaluator.params.training.days_per_year
    first = career.recruitment.event.effective_date.year if career.recruitment else as_of.year
    years = []
    for year in range(first, as_of.year + 1):
        courses = [t for t in career.trainings if t.event.start_date.year == year]
        days = sum(t.event.days for t in courses)
        judged = year < as_of.year and in_service_all_year(career, year)
        years.append({
            "year": year, "days": days, "required": required,
            "whole_year": in_service_all_year(career, year), "judged": judged,
            "meets": days >= required,
            "courses": [{"start_date": t.event.start_date.isoformat(), "days": t.event.days,
                         "topic": t.event.topic, "position": t.position} for t in courses],
        })  # fmt: skip
    return {"code": code, "name": career.state.name, "as_of": as_of.isoformat(), "years": years}
