"""Posted forms: read them safely, and check them with the API's own request models.

A form field carries the API's field name (``category``, ``title``, ``reporter.name``, ...), so
the body a page builds is the body the API would take, and the same model checks it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from api.ui.templating import BEIJING

M = TypeVar("M", bound=BaseModel)
MAX_FIELDS = 100


async def read_form(request: Request) -> FormData:
    """The posted form (URL-encoded or multipart, no files); 400 when it cannot be read."""
    try:
        return await request.form(max_files=0, max_fields=MAX_FIELDS)
    except Exception as error:  # a malformed body of any kind is the sender's error
        raise HTTPException(400, "无法读取提交的表单。") from error


def form_text(form: FormData, name: str) -> str | None:
    """A text field, or None when absent (a file in its place counts as absent)."""
    value = form.get(name)
    return value if isinstance(value, str) else None


def nested(form: FormData, names: list[str]) -> dict[str, Any]:
    """The fields given, as a body: ``reporter.name`` becomes ``{"reporter": {"name": ...}}``;
    empty fields are left out (the model's defaults apply)."""
    body: dict[str, Any] = {}
    for name in names:
        value = form_text(form, name)
        if value is None or value.strip() == "":
            continue
        target = body
        *path, last = name.split(".")
        for part in path:
            target = target.setdefault(part, {})
        target[last] = value
    return body


def check(model: type[M], body: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The model, or the errors by field name (dotted) in words."""
    try:
        return model.model_validate(body), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for e in error.errors():
            loc = ".".join(str(part) for part in e.get("loc", ()) if part != "body") or "form"
            errors.setdefault(loc, in_words(dict(e)))
        return None, errors


def in_words(error: dict[str, Any]) -> str:
    """A validation error of pydantic, said in Chinese."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "必填。"
    if kind == "string_too_short":
        return (
            "不能为空。" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字。"
        )
    if kind == "string_too_long":
        return f"太长了，最多 {ctx.get('max_length')} 个字。"
    if kind == "string_pattern_mismatch":
        return "格式不对（须为单行文字，不含控制字符；编码只能用字母、数字和 - _ .）。"
    if kind in ("literal_error", "enum"):
        return "请从列表中选择。"
    if kind.startswith(("date", "datetime")) or "date" in str(error.get("msg", "")).lower():
        return "日期或时间的格式不对。"
    if kind.startswith(("int", "greater_than", "less_than")):
        return "请填写范围内的整数。"
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return SAID.get(message, message) or "输入有误。"


SAID = {
    "a named complaint needs the reporter's name and phone": "实名举报请填写姓名和电话。",
    "an anonymous complaint carries no reporter identity": "匿名举报不填写姓名和电话。",
    "a waiver needs an approval on record": "“经批准豁免”须填写审批层级、审批机关和文号。",
}
"""The API models' own messages, in Chinese."""


def beijing_instant(text: str | None) -> str | None:
    """A ``datetime-local`` value (Beijing time, no zone) as RFC 3339; RFC 3339 passes through."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text  # the model says what is wrong with it
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return moment.isoformat()
