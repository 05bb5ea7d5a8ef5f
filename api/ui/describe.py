"""One line of Chinese for a recorded event, as a clerk would write it in a register."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from api.ui.labels import EVENT_TYPES, FIELDS, HIDDEN_FIELDS, VALUES, label
from api.ui.templating import field_value

UNIT_FIELDS = ("unit", "to_unit", "from_unit", "host_unit", "home_unit", "village_unit")
Names = Mapping[str, str]
Posts = Mapping[tuple[str, str], str]


def _v(value: Any) -> str:
    return label(VALUES, value)


def _approval(data: Mapping[str, Any]) -> str:
    approval = data.get("approval")
    if not approval:
        return "，无审批"
    return f"，经{approval.get('authority', '')}同意（{approval.get('document_no', '')}）"


def _seconded(d: Mapping[str, Any], u: Callable[[str], str]) -> str:
    end = d.get("planned_end_date")
    until = f"，计划至 {end}" if end else "，未定结束日期"
    return f"借调到{u(d.get('host_unit', ''))}，{d.get('start_date')} 起{until}{_approval(d)}"


LINES: dict[str, Callable[[Mapping[str, Any], Callable[[str], str]], str]] = {
    "Recruited": lambda d, u: f"{_v(d.get('channel'))}录用到{u(d.get('unit', ''))}",
    "Appointed": lambda d, u: (
        f"任{u(d.get('unit', ''))}{u(d.get('unit', '') + '/' + d.get('post', ''))}"
        f"（{_v(d.get('kind'))}，{d.get('document_no', '')}）"
    ),
    "Removed": lambda d, u: (
        f"免去{u(d.get('unit', ''))}{u(d.get('unit', '') + '/' + d.get('post', ''))}"
    ),
    "Transferred": lambda d, u: (
        f"从{u(d.get('from_unit', ''))}调到{u(d.get('to_unit', ''))}{_approval(d)}"
    ),
    "Seconded": _seconded,
    "SecondmentExtended": lambda d, u: f"借调延期至 {d.get('new_planned_end_date')}{_approval(d)}",
    "SecondmentEnded": lambda d, u: f"借调于 {d.get('end_date')} 结束（{_v(d.get('reason'))}）",
    "Dispatched": lambda d, u: f"派驻{u(d.get('village_unit', ''))}任{_v(d.get('role'))}",
    "Admonished": lambda d, u: f"{d.get('authority', '')}诫勉：{d.get('reason', '')}",
    "Sanctioned": lambda d, u: (
        f"{d.get('authority', '')}给予{_v(d.get('kind'))}：{d.get('reason', '')}"
    ),
    "InvestigationOpened": lambda d, u: f"{d.get('authority', '')}立案审查",
    "InvestigationClosed": lambda d, u: f"审查结束：{d.get('outcome', '')}",
    "AnnualReviewRecorded": lambda d, u: f"{d.get('year')} 年度考核：{_v(d.get('rating'))}",
    "TrainingRecorded": lambda d, u: f"培训 {d.get('days')} 天：{d.get('topic', '')}",
    "Departed": lambda d, u: f"离职：{d.get('reason', '')}",
    "EntryRetracted": lambda d, u: f"撤销第 {d.get('position')} 号记录：{d.get('reason', '')}",
}


def describe(event: Mapping[str, Any], units: Names, posts: Posts | None = None) -> str:
    """The event in words: its kind, and what it said (units and posts by name)."""
    kind = str(event.get("type", ""))
    line = LINES.get(kind)
    if line is None:
        return label(EVENT_TYPES, kind)
    try:
        return line(event.get("data") or {}, lambda code: _name(code, units, posts or {}))
    except (AttributeError, TypeError):  # an older event shape: say at least what it was
        return label(EVENT_TYPES, kind)


def _name(code: str, units: Names, posts: Posts) -> str:
    if "/" in code:  # unit/post: the post's title, else its code
        unit, post = code.split("/", 1)
        return posts.get((unit, post), post)
    return units.get(code, code)


def units_of(events: list[Mapping[str, Any]]) -> set[str]:
    """The unit codes an event list mentions."""
    codes: set[str] = set()
    for event in events:
        data = event.get("data") or {}
        codes.update(str(data[f]) for f in UNIT_FIELDS if data.get(f))
    return codes


def facts(data: Mapping[str, Any], units: Names) -> list[tuple[str, str]]:
    """An event's fields in words, units by name; empty and internal fields left out."""
    shown = []
    for key, value in sorted(data.items()):
        if key in HIDDEN_FIELDS:
            continue
        text = units.get(value, value) if key in UNIT_FIELDS and isinstance(value, str) else None
        text = text if text is not None else field_value(value)
        if text.strip():
            shown.append((label(FIELDS, key), text))
    return shown
