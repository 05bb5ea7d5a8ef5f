"""Logs: JSON lines, and no receipt code in a logged path."""

from __future__ import annotations

import json
import logging

from api.logging import HideReceipts, JsonFormatter

RECEIPT = "4821736459012385"


def _logged(record: logging.LogRecord) -> str:
    assert HideReceipts().filter(record)
    return JsonFormatter().format(record)


def test_an_access_log_line_shows_the_public_path_without_its_receipt() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:50000", "GET", f"/api/v1/public/complaints/{RECEIPT}", "1.1", 200), None,
    )  # fmt: skip
    line = json.loads(_logged(record))
    assert RECEIPT not in json.dumps(line)
    assert '"GET /api/v1/public/complaints/<receipt> HTTP/1.1" 200' in line["message"]


def test_extra_fields_and_messages_are_masked_too() -> None:
    record = logging.LogRecord(
        "api.problems", logging.ERROR, __file__, 1,
        f"failed on /api/v1/public/complaints/{RECEIPT}/messages", None, None,
    )  # fmt: skip
    record.path = f"/api/v1/public/complaints/{RECEIPT}/messages"
    line = json.loads(_logged(record))
    assert RECEIPT not in json.dumps(line)
    assert line["path"] == "/api/v1/public/complaints/<receipt>/messages"


def test_other_paths_are_left_alone() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, "%s %s",
        ("POST", "/api/v1/public/complaints"), None,
    )  # fmt: skip
    assert json.loads(_logged(record))["message"] == "POST /api/v1/public/complaints"
