"""What the read models tell the supervision process: the cadres linked to a unit (careers),
and which units share one staff (organisation)."""

from __future__ import annotations

from uuid import UUID

from domain.supervision.histories import JointPairs, Linked
from projections.sql import SqlViews


def linked_by_views(views: SqlViews) -> Linked:
    """Cadres any of whose events names a unit, from the careers view's ``cadre_units``."""

    def linked(unit_code: str) -> list[UUID]:
        rows = views.query(
            "SELECT cadre_id FROM cadre_units WHERE unit = ? ORDER BY cadre_id", [unit_code]
        )
        return [UUID(r["cadre_id"]) for r in rows]

    return linked


def joint_by_views(views: SqlViews) -> JointPairs:
    """The (unit, unit it shares its staff with) pairs of the organisation view (合署)."""

    def pairs() -> list[tuple[str, str]]:
        rows = views.query("SELECT code, joint_with FROM units WHERE joint_with IS NOT NULL")
        return [(r["code"], r["joint_with"]) for r in rows]

    return pairs
