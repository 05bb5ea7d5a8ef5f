"""Structured logging: one JSON object per line on stderr."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has (and uvicorn's ANSI copy of the message); anything else
# on a record came from `extra=` and is logged.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """Format a record as a JSON object with time, level, logger, message and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_RECEIPT_IN_PATH = re.compile(r"(/api/v1/public/complaints/+)[^/?#\s\"]+")
_SIXTEEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")


class HideReceipts(logging.Filter):
    """Mask receipt codes in logged paths: a receipt is a reporter's only key to a complaint.

    A second line of defence: requests are logged by route (api/request_log.py), so no path a
    client sent is logged to begin with; this catches a receipt in any other message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _masked(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):  # `extra=` fields, e.g. path
                setattr(record, name, _masked(value))
        return True


def _masked(value: object) -> object:
    if not isinstance(value, str):
        return value
    return _SIXTEEN_DIGITS.sub("<receipt>", _RECEIPT_IN_PATH.sub(r"\1<receipt>", value))


def configure_logging(level: str = "info") -> None:
    """Send all logs (uvicorn's included) as JSON lines to stderr at `level`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(HideReceipts())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
