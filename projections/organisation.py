"""The organisation projection: units and their posts."""

from __future__ import annotations

from typing import Any

from domain import unit as u
from projections.following import EventSource
from projections.framework import Projection
from projections.view import Table, ViewTx

UNITS = Table(
    "units",
    {
        "unit_id": "TEXT", "code": "TEXT", "name": "TEXT", "level": "TEXT", "kind": "TEXT",
        "parent": "TEXT", "abolished_on": "DATE", "merged_into": "TEXT", "version": "INTEGER",
        "names": "JSON", "joint_with": "TEXT",
    },
    key=("unit_id",),
    indexes=(("code",), ("parent",), ("level",)),
)  # fmt: skip
POSTS = Table(
    "posts",
    {
        "unit": "TEXT", "code": "TEXT", "title": "TEXT", "category": "TEXT", "grade": "TEXT",
        "team_member": "INTEGER", "principal": "INTEGER", "sensitive": "INTEGER",
        "established_at": "TIMESTAMP", "abolished_on": "DATE", "quota": "INTEGER",
    },
    key=("unit", "code"),
)  # fmt: skip


class Organisation(Projection):
    """Keeps the units and posts tables."""

    name = "organisation"
    tables = (UNITS, POSTS)

    def handles(self, event: Any) -> bool:
        return isinstance(event, u.UnitEvent | u.UnitRegistered)

    def apply(self, event: Any, position: int, tx: ViewTx, source: EventSource) -> None:
        uid = str(event.originator_id)
        if isinstance(event, u.UnitRegistered):
            tx.put(
                "units",
                {
                    "unit_id": uid, "code": event.code, "name": event.name, "level": event.level,
                    "kind": event.kind, "parent": event.parent, "abolished_on": None,
                    "merged_into": None, "version": 1, "joint_with": event.joint_with,
                    "names": [{"name": event.name, "since": None}],
                },
            )  # fmt: skip
            return
        row = tx.get("units", uid)
        if row is None:  # pragma: no cover - a unit event always follows its registration
            return
        row = {**row, "version": event.originator_version}
        if isinstance(event, u.UnitRenamed):
            row["name"] = event.name
            row["names"] = [
                *row["names"],
                {"name": event.name, "since": event.effective_date.isoformat()},
            ]
        elif isinstance(event, u.UnitAbolished):
            row["abolished_on"] = event.effective_date
            row["merged_into"] = event.merged_into
        elif isinstance(event, u.PostEstablished):
            tx.put(
                "posts",
                {
                    "unit": row["code"], "code": event.post_code, "title": event.title,
                    "category": event.category, "grade": event.grade,
                    "team_member": event.team_member, "principal": event.principal,
                    "sensitive": event.sensitive, "established_at": event.timestamp,
                    "abolished_on": None, "quota": event.quota,
                },
            )  # fmt: skip
        elif isinstance(event, u.PostAbolished):
            post = tx.get("posts", row["code"], event.post_code)
            if post is not None:
                tx.put("posts", {**post, "abolished_on": event.effective_date})
        tx.put("units", row)
