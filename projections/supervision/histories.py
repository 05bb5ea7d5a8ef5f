"""What the careers read model tells the supervision process: the cadres linked to a unit."""

from __future__ import annotations

from uuid import UUID

from domain.supervision.histories import Linked
from projections.sql import SqlViews


def linked_by_views(views: SqlViews) -> Linked:
    """Cadres any of whose events names a unit, from the careers view's ``cadre_units``."""

    def linked(unit_code: str) -> list[UUID]:
        rows = views.query(
            "SELECT cadre_id FROM cadre_units WHERE unit = ? ORDER BY cadre_id", [unit_code]
        )
        return [UUID(r["cadre_id"]) for r in rows]

    return linked
