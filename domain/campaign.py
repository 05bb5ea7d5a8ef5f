"""The Campaign aggregate (专项清理整治): a cleanup of illegal secondments over a unit's
subtree, its targets fixed when it opens, closed with a summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

from domain.errors import InvariantViolated
from domain.ids import campaign_id
from domain.values import Recording, check_effective_date

KINDS = ("secondment_cleanup",)


@dataclass(frozen=True)
class Target:
    """One secondment a campaign is to clean up, and the findings that made it a target."""

    cadre: str
    secondment_id: str
    finding_ids: tuple[str, ...]
    rules: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The form stored in events."""
        return {
            "cadre": self.cadre, "secondment_id": self.secondment_id,
            "finding_ids": list(self.finding_ids), "rules": list(self.rules),
        }  # fmt: skip


class CampaignEvent(Aggregate.Event):
    """Base of campaign events: who recorded it."""

    class_version = 1
    recorded_by: str


class CampaignOpened(Aggregate.Created):
    """A campaign opens over a unit and the units under it."""

    class_version = 1
    recorded_by: str
    code: str
    title: str
    kind: str
    unit: str
    starts_on: date
    due_on: date


class CampaignTargetsFixed(CampaignEvent):
    """The campaign's targets: the open secondment findings under its unit when it opened."""

    targets: list[dict[str, Any]]

    def apply(self, aggregate: Any) -> None:
        aggregate.targets = [dict(t) for t in self.targets]


class CampaignClosed(CampaignEvent):
    """The campaign closed: its figures then, and the inspectors' summary."""

    date: date
    summary: str
    figures: dict[str, int]

    def apply(self, aggregate: Any) -> None:
        aggregate.closed_on = self.date


class Campaign(Aggregate):
    """A cleanup campaign (专项清理)."""

    def __init__(
        self,
        recorded_by: str,
        code: str,
        title: str,
        kind: str,
        unit: str,
        starts_on: date,
        due_on: date,
    ) -> None:
        self.code = code
        self.title = title
        self.kind = kind
        self.unit = unit
        self.starts_on = starts_on
        self.due_on = due_on
        self.targets: list[dict[str, Any]] | None = None
        self.closed_on: date | None = None

    @classmethod
    def open(
        cls,
        ctx: Recording,
        *,
        code: str,
        title: str,
        kind: str,
        unit: str,
        starts_on: date,
        due_on: date,
    ) -> Campaign:
        """Open a campaign under its code; it starts by today and is due on or after that."""
        check_effective_date(starts_on, ctx.today, "starts_on")
        check_effective_date(due_on, ctx.today, "due_on")
        if starts_on > ctx.today:
            raise InvariantViolated("a campaign starts today or earlier: its targets are fixed now")
        if due_on < starts_on:
            raise InvariantViolated("a campaign cannot be due before it starts")
        return cls._create(
            CampaignOpened,
            id=campaign_id(code),
            timestamp=ctx.at,
            recorded_by=ctx.by,
            code=code,
            title=title,
            kind=kind,
            unit=unit,
            starts_on=starts_on,
            due_on=due_on,
        )

    def fix_targets(self, ctx: Recording, targets: list[Target]) -> None:
        """Fix the targets, once, while open."""
        self._check_open()
        if self.targets is not None:
            raise InvariantViolated(f"campaign {self.code} has its targets already")
        self.trigger_event(
            CampaignTargetsFixed,
            timestamp=ctx.at,
            recorded_by=ctx.by,
            targets=[t.as_dict() for t in targets],
        )

    def close(self, ctx: Recording, *, on: date, summary: str, figures: dict[str, int]) -> None:
        """Close the campaign on a day, with its figures and a summary."""
        self._check_open()
        if on < self.starts_on:
            raise InvariantViolated(f"campaign {self.code} cannot close before it started")
        if on > ctx.today:
            raise InvariantViolated("a campaign cannot close in the future")
        self.trigger_event(
            CampaignClosed,
            timestamp=ctx.at,
            recorded_by=ctx.by,
            date=on,
            summary=summary,
            figures=dict(figures),
        )

    def _check_open(self) -> None:
        if self.closed_on is not None:
            raise InvariantViolated(f"campaign {self.code} closed on {self.closed_on}")
