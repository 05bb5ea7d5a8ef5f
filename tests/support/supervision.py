"""The supervision process over a real embedded store: SQLite events, SQLite views, a fixed clock.

Nothing is faked: commands go through
the domain services, the follower builds the read models, and the supervision process records
findings in the same store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from api.vault import AesGcmVault
from domain.clock import FixedClock
from domain.rules import RuleParameters
from domain.services import Services
from domain.store import Store
from domain.values import Approval, Level
from projections.following import Runner
from projections.registry import read_models
from projections.rules_config import load_parameters
from projections.source import StoreSource
from projections.sql import SqliteViews
from projections.supervision import Supervision

TODAY = date(2026, 11, 26)
CLERK = "clerk-zhang"
INSPECTOR = "inspector-wang"
COUNTY = Approval(Level.COUNTY, "县委组织部", "县组〔2022〕5号")
CITY = Approval(Level.CITY, "市委组织部", "市组〔2022〕8号")
STEPS = ("preview_notice", "democratic_evaluation", "individual_talks", "records_review")


def sqlite_env(path: Path) -> dict[str, str]:
    """The eventsourcing environment of an embedded SQLite store."""
    return {"PERSISTENCE_MODULE": "projections.recorders:SQLiteFactory", "SQLITE_DBNAME": str(path)}


@dataclass
class World:
    """Commands, read models and supervision over one folder's store and views."""

    services: Services
    follower: Runner
    supervision: Supervision
    store: Store
    views: SqliteViews
    clock: FixedClock

    @classmethod
    def open(
        cls, folder: Path, params: RuleParameters | None = None, clock: FixedClock | None = None
    ) -> World:
        """A world over ``folder`` (reopening the same folder sees the same store)."""
        clock = clock or FixedClock.on(TODAY)
        store = Store(env=sqlite_env(folder / "events.sqlite3"))
        services = Services.over(store, clock, AesGcmVault.from_secret("supervision"))
        views = SqliteViews(str(folder / "views.sqlite3"))
        follower = read_models(StoreSource(store), views, batch_size=50)
        supervision = Supervision.build(store, views, clock, params or load_parameters())
        return cls(services, follower, supervision, store, views, clock)

    def settle(self) -> World:
        """Build the read models, run the process to the end, and project its findings."""
        self.follower.catch_up()
        self.supervision.runner.catch_up()
        self.follower.catch_up()
        return self

    def findings(self, rule: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Every finding of the register (of one rule when given), oldest first."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page, cursor = self.supervision.reads.list(rule=rule, after=cursor, **filters)
            found += page
            if cursor is None:
                return found

    def finding(self, rule: str) -> dict[str, Any]:
        """The one finding of a rule."""
        [found] = self.findings(rule)
        return found

    def finding_events(self) -> list[tuple[int, str, str]]:
        """(position, finding id, event type) of every finding event in the store."""
        rows = self.store.recorder.select_notifications(start=1, limit=1_000_000)
        return [
            (n.id, str(n.originator_id), n.topic.rsplit(":", 1)[-1])
            for n in rows
            if n.topic.startswith("domain.finding:")
        ]

    # -- the standard organisation and the commands the scenarios use ---------------------

    def organisation(self) -> World:
        """County C1 (organisation dept), C2 (finance), city S1, townships T1 and T2."""
        org = self.services.organisation
        for code, name, level, kind in (
            ("S1", "市委组织部", "city", "department"),
            ("C1", "县委组织部", "county", "department"),
            ("C2", "县财政局", "county", "department"),
            ("T1", "青石镇人民政府", "township", "government"),
            ("T2", "白云镇人民政府", "township", "government"),
        ):
            org.register_unit(CLERK, code=code, name=name, level=level, kind=kind)
        for code in ("P1", "P2", "P3"):
            org.establish_post(CLERK, "T1", code=code, title=f"班子{code}", category="leadership",
                               team_member=True)  # fmt: skip
        org.establish_post(CLERK, "T1", code="N1", title="四级主任科员", category="non_leadership")
        org.establish_post(CLERK, "T1", code="L1", title="党政办主任", category="leadership")
        org.establish_post(CLERK, "T2", code="N1", title="四级主任科员", category="non_leadership")
        return self

    def cadre(self, code: str, recruited: date, unit: str = "T1", **kw: Any) -> int:
        """Register and recruit a cadre; the recruitment's position."""
        personnel = self.services.personnel
        personnel.register_cadre(CLERK, code=code, name=f"干部{code}", gender="female",
                                 birth_date=date(1990, 1, 1))  # fmt: skip
        return personnel.recruit(CLERK, code, effective_date=recruited, unit=unit, channel="exam",
                                 **kw).position  # fmt: skip

    def appoint(self, code: str, effective: date, **kw: Any) -> int:
        """A procedurally clean promotion to T1/P1 unless ``kw`` overrides a part."""
        decided = kw.pop("decided_on", date.fromordinal(effective.toordinal() - 30))
        fields: dict[str, Any] = {
            "unit": "T1", "post": "P1", "kind": "promotion", "decided_on": decided,
            "document_no": "镇委〔2024〕1号", "procedure": dict.fromkeys(STEPS, decided),
            "public_notice": {"start": decided, "end": date.fromordinal(decided.toordinal() + 12)},
            "integrity_talk": effective,
        }  # fmt: skip
        fields.update(kw)
        return self.services.personnel.appoint(
            CLERK, code, effective_date=effective, **fields
        ).position

    def retract(self, code: str, position: int) -> int:
        """更正: void the event at a position."""
        return self.services.personnel.retract(
            CLERK, code, position=position, reason="录入错误"
        ).position


def noon(day: date) -> datetime:
    """Noon UTC of a day."""
    return datetime.combine(day, time(12), tzinfo=UTC)
