"""Small helpers of the routes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import HTTPException

from api.bootstrap import Platform


def as_of_known_at(
    p: Platform, as_of: date | None, known_at: datetime | None
) -> tuple[date | None, datetime | None]:
    """Validate the time-travel parameters: known_at needs a zone; neither lies in the future."""
    if known_at is not None:
        if known_at.tzinfo is None:
            raise HTTPException(
                422, "known_at needs a time zone (RFC 3339, e.g. 2024-05-01T08:00:00+08:00)"
            )
        try:
            known_at = known_at.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 lies before the first instant
            raise HTTPException(422, "known_at is out of range") from None
    return as_of, known_at
