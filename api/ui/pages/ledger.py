"""The audit ledger for auditors: the latest signed checkpoint, its witnesses, the log's keys,
and a verification run (the same check as ``POST /api/v1/audit/verify``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.audit_check import run_verification
from api.deps import PlatformDep
from api.ui.forms import form_text, read_form
from api.ui.pages.common import AuditorStaff, context
from api.ui.session import check_staff_csrf
from api.ui.templating import render
from domain.errors import NotFound

router = APIRouter(prefix="/ui", include_in_schema=False)
log = logging.getLogger(__name__)


def _ledger(p: Any) -> dict[str, Any]:
    if p.ledger is None:
        raise NotFound("这台服务器没有配置审计账本。")
    status = p.ledger.status(p.store.position())
    return {
        "status": status,
        "keys": p.ledger.key_document(),
        "checkpoints": list(reversed(p.ledger.checkpoints()))[:10],
        "latest": p.ledger.checkpoint_note() if status["checkpoint"] else None,
    }


@router.get("/ledger")
def ledger_page(request: Request, staff: AuditorStaff, p: PlatformDep) -> Response:
    """The ledger's state: how far it reaches, the latest checkpoint and who cosigned it."""
    values = _ledger(p)
    values["report"] = None
    return render(request, "ledger.html", context(p, staff, "ledger", **values), block="ledger")


@router.post("/ledger/verify")
async def verify(request: Request, staff: AuditorStaff, p: PlatformDep) -> Response:
    """Recompute the tree from the stored events and compare; report the first altered one."""
    form = await read_form(request)
    check_staff_csrf(staff, form_text(form, "csrf"))
    with_models = form_text(form, "read_models") == "true"
    values = _ledger(p)
    try:
        report = await run_in_threadpool(lambda: run_verification(p, read_models=with_models))
        values["report"] = report.document()
    except Exception as error:  # stored data that cannot even be read is a finding, not a 500
        log.error("ledger verification could not finish", exc_info=error)
        problem = f"核验未能完成：存储的数据无法读取（{type(error).__name__}）。"
        values["report"] = {"ok": False, "first_bad_position": None, "problems": [],
                            "problem": problem}  # fmt: skip
    return render(request, "ledger.html", context(p, staff, "ledger", **values), block="ledger")
