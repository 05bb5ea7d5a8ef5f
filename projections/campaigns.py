"""Cleanup campaigns (专项清理): the campaign register, the choice of targets, and progress.

The register (a projection) keeps each campaign and its fixed targets. Progress is read from
the secondment register the careers projection keeps from the secondment events, joined with
the targets: a target is *returned* once its secondment has ended, *seconded again* when the
same cadre began another secondment after that, *remaining* while it runs, and *voided* when a
correction removed the secondment from the record. So a retraction or a back-dated end shows at
once, and a campaign needs no events of its own to follow them.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from datetime import date
from typing import Any

from domain import campaign as cg
from domain.campaign import Target
from domain.campaigns import Campaigns
from domain.errors import NotFound
from domain.ids import cadre_id
from domain.values import By
from projections.findings_view import FINDINGS
from projections.framework import EventSource, Projection
from projections.sql import SqlViews
from projections.unit_tree import UnitTree
from projections.view import Table, ViewTx

CAMPAIGNS = Table(
    "campaigns",
    {
        "campaign_id": "TEXT", "code": "TEXT", "title": "TEXT", "kind": "TEXT", "unit": "TEXT",
        "starts_on": "DATE", "due_on": "DATE", "opened_at": "TIMESTAMP", "opened_by": "TEXT",
        "closed_on": "DATE", "closed_by": "TEXT", "summary": "TEXT", "figures": "JSON",
        "version": "INTEGER",
    },
    key=("code",),
)  # fmt: skip
TARGETS = Table(
    "campaign_targets",
    {
        "campaign": "TEXT", "secondment_id": "TEXT", "cadre_id": "TEXT", "cadre_code": "TEXT",
        "finding_ids": "JSON", "rules": "JSON",
    },
    key=("campaign", "secondment_id"),
    indexes=(("cadre_code",),),
)  # fmt: skip
STATES = ("remaining", "returned", "seconded_again", "voided")


class CampaignRegister(Projection):
    """Keeps the campaigns and campaign_targets tables."""

    name = "campaigns"
    tables = (CAMPAIGNS, TARGETS)

    def handles(self, event: Any) -> bool:
        return isinstance(event, cg.CampaignEvent | cg.CampaignOpened)

    def apply(self, event: Any, position: int, tx: ViewTx, source: EventSource) -> None:
        if isinstance(event, cg.CampaignOpened):
            tx.put(
                "campaigns",
                {
                    "campaign_id": str(event.originator_id), "code": event.code,
                    "title": event.title, "kind": event.kind, "unit": event.unit,
                    "starts_on": event.starts_on, "due_on": event.due_on,
                    "opened_at": event.timestamp, "opened_by": event.recorded_by,
                    "closed_on": None, "closed_by": None, "summary": None, "figures": None,
                    "version": 1,
                },
            )  # fmt: skip
            return
        row = next(iter(tx.select("campaigns", campaign_id=str(event.originator_id))), None)
        if row is None:  # pragma: no cover - a campaign event always follows its opening
            return
        row = {**row, "version": event.originator_version}
        if isinstance(event, cg.CampaignTargetsFixed):
            for t in event.targets:
                tx.put(
                    "campaign_targets",
                    {
                        "campaign": row["code"], "secondment_id": t["secondment_id"],
                        "cadre_id": str(cadre_id(t["cadre"])), "cadre_code": t["cadre"],
                        "finding_ids": list(t["finding_ids"]), "rules": list(t["rules"]),
                    },
                )  # fmt: skip
        elif isinstance(event, cg.CampaignClosed):
            row.update(closed_on=event.date, closed_by=event.recorded_by, summary=event.summary,
                       figures=dict(event.figures))  # fmt: skip
        tx.put("campaigns", row)


class CampaignReads:
    """Campaigns with their progress, and the targets a new campaign would fix."""

    def __init__(self, views: SqlViews) -> None:
        self.views = views

    def targets(self, unit: str, starts_on: date) -> list[Target]:
        """The secondments under a unit with a secondment finding that holds, active on the
        day the campaign starts (one target per secondment, with all its findings)."""
        scope = sorted(UnitTree.read(self.views).scope(unit))
        marks = ", ".join("?" for _ in scope)
        rows = self.views.query(
            "SELECT finding_id, rule, subject_code, anchor, details FROM findings "
            "WHERE substr(rule, 1, 6) = 'R-SEC-' AND status IN ('open', 'acknowledged') "
            "AND subject_kind = 'cadre' AND finding_id IN "
            f"(SELECT finding_id FROM finding_units WHERE unit IN ({marks})) "
            "ORDER BY subject_code, finding_id",
            scope,
        )
        grouped: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for r in self.views._decode(FINDINGS, rows):
            period = (r["details"] or {}).get("period") or [r["anchor"]]
            key = (r["subject_code"], period[-1])
            grouped.setdefault(key, []).append((r["finding_id"], r["rule"]))
        active = self._active(sorted({sid for _, sid in grouped}), starts_on)
        return [
            Target(cadre, sid, tuple(f for f, _ in found), tuple(sorted({r for _, r in found})))
            for (cadre, sid), found in sorted(grouped.items())
            if sid in active
        ]

    def _active(self, secondment_ids: list[str], day: date) -> set[str]:
        if not secondment_ids:
            return set()
        marks = ", ".join("?" for _ in secondment_ids)
        rows = self.views.query(
            f"SELECT secondment_id FROM secondments WHERE secondment_id IN ({marks}) "
            "AND start_date <= ? AND (end_date IS NULL OR end_date > ?)",
            [*secondment_ids, day, day],
        )
        return {r["secondment_id"] for r in rows}

    def every(self) -> list[dict[str, Any]]:
        """Every campaign, the latest first."""
        rows = self.views.query("SELECT * FROM campaigns ORDER BY starts_on DESC, code")
        return [_campaign_doc(r) for r in self.views._decode(CAMPAIGNS, rows)]

    def unit_of(self, code: str) -> str:
        """The unit a campaign is over; NotFound for no such campaign."""
        rows = self.views.query("SELECT unit FROM campaigns WHERE code = ?", [code])
        if not rows:
            raise NotFound(f"campaign {code} not found")
        return str(rows[0]["unit"])

    def get(self, code: str, as_of: date, cadres: Set[str] | None = None) -> dict[str, Any]:
        """A campaign, each target's state on ``as_of``, and the counts (of the targets about
        ``cadres`` only, when given)."""
        rows = self.views.query("SELECT * FROM campaigns WHERE code = ?", [code])
        if not rows:
            raise NotFound(f"campaign {code} not found")
        campaign = _campaign_doc(self.views._decode(CAMPAIGNS, rows)[0])
        targets = [
            self._progress(t, as_of)
            for t in self._targets(code)
            if cadres is None or t["cadre_code"] in cadres
        ]
        return {**campaign, "as_of": as_of.isoformat(), "targets": targets,
                "progress": _counts(targets)}  # fmt: skip

    def progress(self, targets: list[dict[str, Any]], as_of: date) -> dict[str, int]:
        """The counts of targets (as the Campaign aggregate holds them) in each state."""
        rows = [
            {"cadre_code": t["cadre"], "secondment_id": t["secondment_id"],
             "finding_ids": t["finding_ids"], "rules": t["rules"]}
            for t in targets
        ]  # fmt: skip
        return _counts([self._progress(r, as_of) for r in rows])

    def _targets(self, code: str) -> list[dict[str, Any]]:
        rows = self.views.query(
            "SELECT * FROM campaign_targets WHERE campaign = ? ORDER BY cadre_code, secondment_id",
            [code],
        )
        return self.views._decode(TARGETS, rows)

    def _progress(self, target: dict[str, Any], as_of: date) -> dict[str, Any]:
        rows = self.views.query(
            "SELECT secondment_id, home_unit, host_unit, start_date, planned_end_date, end_date, "
            "end_reason FROM secondments WHERE cadre_code = ? ORDER BY start_date",
            [target["cadre_code"]],
        )
        own = next((r for r in rows if r["secondment_id"] == target["secondment_id"]), None)
        doc = {
            "cadre": target["cadre_code"], "secondment_id": target["secondment_id"],
            "finding_ids": target["finding_ids"], "rules": target["rules"],
            "home_unit": own["home_unit"] if own else None,
            "host_unit": own["host_unit"] if own else None,
            "start_date": _text(own["start_date"]) if own else None,
            "returned_on": None, "return_reason": None, "seconded_again_on": None,
        }  # fmt: skip
        if own is None:
            return {**doc, "state": "voided"}
        ended = _day(own["end_date"])
        if ended is None or ended > as_of:
            return {**doc, "state": "remaining"}
        doc.update(returned_on=ended.isoformat(), return_reason=own["end_reason"])
        again = [
            r for r in rows
            if r["secondment_id"] != target["secondment_id"]
            and ended <= (_day(r["start_date"]) or date.min) <= as_of
        ]  # fmt: skip
        if again:
            doc["seconded_again_on"] = _text(again[0]["start_date"])
            return {**doc, "state": "seconded_again"}
        return {**doc, "state": "returned"}


def _counts(targets: list[dict[str, Any]]) -> dict[str, int]:
    return {"targets": len(targets), **{s: sum(t["state"] == s for t in targets) for s in STATES}}


def _campaign_doc(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": row["code"], "title": row["title"], "kind": row["kind"], "unit": row["unit"],
        "starts_on": _text(row["starts_on"]), "due_on": _text(row["due_on"]),
        "opened_by": row["opened_by"], "status": "closed" if row["closed_on"] else "open",
        "closed_on": _text(row["closed_on"]), "summary": row["summary"],
        "figures_at_close": row["figures"],
    }  # fmt: skip


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _text(value: Any) -> str | None:
    day = _day(value)
    return day.isoformat() if day else None


class CampaignDesk:
    """What inspectors do with campaigns: open one with the targets it finds, read its
    progress, close it with the figures it reached."""

    def __init__(self, campaigns: Campaigns, reads: CampaignReads, today: Callable[[], date]):
        self.campaigns = campaigns
        self.reads = reads
        self.today = today

    def open(
        self, by: By, *, code: str, title: str, kind: str, unit: str, starts_on: date,
        due_on: date,
    ) -> dict[str, Any]:  # fmt: skip
        """Open a campaign over a unit and the units under it, fixing its targets now."""
        targets = self.reads.targets(unit, starts_on)
        written = self.campaigns.open(
            by, code=code, title=title, kind=kind, unit=unit, starts_on=starts_on,
            due_on=due_on, targets=targets,
        )  # fmt: skip
        return {"position": written.position, "version": written.version, "code": code,
                "targets": len(targets)}  # fmt: skip

    def close(
        self, by: By, code: str, *, on: date, summary: str, expected_version: int | None = None
    ) -> dict[str, Any]:
        """Close a campaign, recording its progress on the closing day (its targets from the
        campaign's own record, their state from the secondment register)."""
        figures = self.reads.progress(self.campaigns.campaign(code).targets or [], on)
        written = self.campaigns.close(
            by, code, on=on, summary=summary, figures=figures, expected_version=expected_version
        )
        return {"position": written.position, "version": written.version, "figures": figures}
