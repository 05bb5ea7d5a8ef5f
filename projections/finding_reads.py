"""Reads of the findings register, shaped as the API answers them."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidValue, NotFound
from projections.findings_view import FINDINGS
from projections.sql import SqlViews

STATUSES = ("open", "acknowledged", "resolved", "withdrawn", "remedied")


def finding_doc(row: dict[str, Any], full: bool = False) -> dict[str, Any]:
    """A finding as the API shows it (``full`` adds its lifecycle)."""
    doc = {
        "finding_id": row["finding_id"], "rule": row["rule"], "severity": row["severity"],
        "status": row["status"],
        "subject": {"kind": row["subject_kind"], "code": row["subject_code"]},
        "raised_at": row["raised_at"], "evidence": row["evidence"], "details": row["details"],
        "resolution": row["resolution"], "version": row["version"],
    }  # fmt: skip
    if full:
        doc.update(
            anchor=row["anchor"], note=row["note"], approval=row["approval"],
            remedied_on=row["remedied_on"], updated_at=row["updated_at"],
            raised_position=row["raised_position"], history=row["history"],
        )  # fmt: skip
    return doc


def encode_cursor(row: dict[str, Any]) -> str:
    """An opaque cursor after a row (raised_at, finding_id)."""
    raw = json.dumps([row["raised_at"], row["finding_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The (raised_at, finding_id) a cursor stands after; InvalidValue when malformed."""
    try:
        raised_at, fid = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(raised_at), str(fid)
    except (ValueError, TypeError):
        raise InvalidValue("cursor is not one this API gave out") from None


@dataclass
class FindingReads:
    """The findings register, filtered and paginated oldest first."""

    views: SqlViews

    def get(self, finding_id: str) -> dict[str, Any]:
        """One finding with its lifecycle, or NotFound."""
        rows = self.views.query("SELECT * FROM findings WHERE finding_id = ?", [finding_id])
        if not rows:
            raise NotFound("finding not found")
        return finding_doc(self.views._decode(FINDINGS, rows)[0], full=True)

    def list(
        self,
        *,
        rule: str | None = None,
        status: str | None = None,
        severity: str | None = None,
        cadre: str | None = None,
        unit: str | None = None,
        complaint: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Findings matching every filter given; ``rule`` may end in ``*`` (a prefix)."""
        clauses, params = ["1 = 1"], []
        if rule is not None:
            if rule.endswith("*"):
                clauses.append("substr(rule, 1, ?) = ?")
                params += [len(rule) - 1, rule[:-1]]
            else:
                clauses.append("rule = ?")
                params.append(rule)
        for column, value in (("status", status), ("severity", severity)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        for kind, code in (("cadre", cadre), ("complaint", complaint)):
            if code is not None:
                clauses.append("subject_kind = ? AND subject_code = ?")
                params += [kind, code]
        if unit is not None:
            clauses.append(
                "((subject_kind = 'unit' AND subject_code = ?) OR finding_id IN "
                "(SELECT finding_id FROM finding_units WHERE unit = ?))"
            )
            params += [unit, unit]
        if after is not None:
            raised_at, fid = decode_cursor(after)
            clauses.append("(raised_at > ? OR (raised_at = ? AND finding_id > ?))")
            params += [raised_at, raised_at, fid]
        rows = self.views.query(
            f"SELECT * FROM findings WHERE {' AND '.join(clauses)} "
            f"ORDER BY raised_at, finding_id LIMIT {int(limit) + 1}",
            params,
        )
        rows = self.views._decode(FINDINGS, rows)
        more = len(rows) > limit
        rows = rows[:limit]
        return [finding_doc(r) for r in rows], encode_cursor(rows[-1]) if more and rows else None
