"""R-DATA-01: personnel events recorded long after they took effect (补录)."""

from __future__ import annotations

from collections.abc import Iterator

from domain.rules.base import WARNING, Candidate, Evaluation, Rule, iso
from domain.rules.career import Career
from domain.rules.township import anchor

DATA_01 = Rule(
    "R-DATA-01", WARNING, "cadre", "data",
    "A personnel event is recorded more than 30 days after its effective date (补录).",
)  # fmt: skip


def late_entry(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-DATA-01 over every live career event in effect."""
    p = e.params.data
    for entry in c.facts:
        event = entry.event
        if type(event).__name__ in p.exempt_types or event.recorded_by in p.exempt_recorders:
            continue
        recorded = event.timestamp.date()
        delay = (recorded - event.effective).days
        if delay > p.late_entry_days:
            units = sorted({getattr(event, n) for n in ("unit", "to_unit", "host_unit")
                            if getattr(event, n, None)})  # fmt: skip
            yield DATA_01.found(
                c.code, anchor(entry), [entry.position],
                {
                    "event": type(event).__name__, "effective_date": iso(event.effective),
                    "recorded_on": iso(recorded), "recorded_by": event.recorded_by,
                    "days_late": delay, "units": units,
                },
            )  # fmt: skip
