"""Rendering: one Jinja2 environment (autoescaped), a page or, for htmx, one block of it.

A page template names the region htmx redraws as a block; ``render`` answers an htmx request
(``HX-Request``) with that block alone and any other request with the whole page, so every page
also works without JavaScript.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup

from api.ui import labels
from domain.values import visible

HERE = Path(__file__).parent
BEIJING = timezone(timedelta(hours=8), "北京时间")
_MARK = re.compile(r"(</?em>)")


def _shown(value: Any) -> Any:
    """Every value a template prints, with invisible format controls (bidi overrides,
    zero-width characters) written out, as the JSON answers write them (``[U+202E]``)."""
    if isinstance(value, Markup):
        return Markup(visible(str(value)))  # the written-out form holds no markup characters
    return visible(value) if isinstance(value, str) else value


env = Environment(
    finalize=_shown,
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every value is escaped; only ``marked`` builds markup, from escaped text
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Blocks(env=env)


def instant(value: Any) -> str:
    """An RFC 3339 instant in Beijing time, to the minute (``2024-05-10 09:30``)."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else _parse_instant(str(value))
    if moment is None:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _parse_instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def day(value: Any) -> str:
    """A date as ``YYYY-MM-DD`` (whatever form it came in)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.astimezone(BEIJING).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def days_left(deadline: Any, today: date) -> int | None:
    """Days from ``today`` to ``deadline`` (negative when past), or None without a deadline."""
    if not deadline:
        return None
    due = deadline if isinstance(deadline, date) else date.fromisoformat(str(deadline)[:10])
    return (due - today).days


def marked(fragment: str) -> Markup:
    """A search highlight as safe HTML: the engine's ``<em>`` marks become ``<mark>``, and
    everything else is text (unescaped once, as the engine escaped it, then escaped again)."""
    out = []
    for piece in _MARK.split(fragment):
        if piece == "<em>":
            out.append("<mark>")
        elif piece == "</em>":
            out.append("</mark>")
        else:
            out.append(html.escape(html.unescape(piece)))
    return Markup("".join(out))  # every piece above is escaped text or a fixed tag


def field_value(value: Any) -> str:
    """A value of an event's data, in words."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        parts = [
            f"{labels.label(labels.FIELDS, k)}：{field_value(v)}"
            for k, v in value.items()
            if v not in (None, "", [], {}) and field_value(v)
        ]
        return "；".join(parts)
    if isinstance(value, list):
        return "、".join(field_value(v) for v in value)
    return labels.label(labels.VALUES, value)


env.filters.update(
    instant=instant,
    day=day,
    value=field_value,
    event_type=lambda v: labels.label(labels.EVENT_TYPES, v),
    field=lambda v: labels.label(labels.FIELDS, v),
    level=lambda v: labels.label(labels.LEVELS, v),
    complaint_status=lambda v: labels.label(labels.COMPLAINT_STATUS, v),
    public_status=lambda v: labels.label(labels.PUBLIC_STATUS, v),
    channel=lambda v: labels.label(labels.CHANNELS, v),
    outcome=lambda v: labels.label(labels.OUTCOMES, v),
    step=lambda v: labels.label(labels.STEPS, v),
    finding_status=lambda v: labels.label(labels.FINDING_STATUS, v),
    finding_step=lambda v: labels.label(labels.FINDING_STEPS, v),
    resolution=lambda v: labels.label(labels.RESOLUTIONS, v),
    severity=lambda v: labels.label(labels.SEVERITY, v),
    rule_title=lambda v: labels.label(labels.RULES, v),
    search_kind=lambda v: labels.label(labels.SEARCH_KINDS, v),
    role=lambda v: labels.label(labels.ROLES, v),
)
env.globals.update(
    hidden_fields=labels.HIDDEN_FIELDS,
    categories=labels.COMPLAINT_CATEGORIES,
    levels=labels.LEVELS,
    days_left=days_left,
    marked=marked,
)


def is_htmx(request: Request) -> bool:
    """Whether htmx made the request (it then wants one block, not a page)."""
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The page ``name``, or only its ``block`` when htmx asked for it."""
    response = templates.TemplateResponse(
        request, name, context, status_code=status,
        block_name=block if block and is_htmx(request) else None,
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "HX-Request, Cookie"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
