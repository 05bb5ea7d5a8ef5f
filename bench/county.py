"""Synthetic careers for benchmarks: a county of townships and many cadres, deterministic."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from domain.importing import PersonnelBatch
from domain.services import Services

BY = "bench"


def register_units(
    services: Services, townships: int = 20, *, by: str = BY, category: str = "non_leadership"
) -> list[str]:
    """A county organ and ``townships`` township governments (``T000``...), each with four
    posts of ``category``, recorded by ``by``; returns the townships' codes."""
    org = services.organisation
    org.register_unit(by, code="C", name="县委", level="county", kind="party_committee")
    org.register_unit(
        by, code="C-ORG", name="县委组织部", level="county", kind="department", parent="C"
    )
    codes = []
    for t in range(townships):
        code = f"T{t:03d}"
        org.register_unit(
            by, code=code, name=f"第{t}镇", level="township", kind="government", parent="C"
        )
        for p in range(4):
            org.establish_post(by, code, code=f"P{p}", title=f"岗位{p}", category=category)
        codes.append(code)
    return codes


def career(batch: PersonnelBatch, rng: random.Random, code: str, towns: list[str]) -> int:
    """Record one cadre's career (about 12 events); returns the number of events."""
    town = rng.choice(towns)
    start = date(2005, 1, 1) + timedelta(days=rng.randrange(3000))
    batch.register_cadre(
        BY, code=code, name=f"干部{code}", gender="male", birth_date=date(1980, 1, 1)
    )
    batch.recruit(BY, code, effective_date=start, unit=town, channel="exam")
    batch.complete_probation(BY, code, effective_date=start + timedelta(days=365))
    day = start + timedelta(days=400)
    events = 3
    for year in range(3):
        batch.record_review(BY, code, year=start.year + year + 1, rating="competent")
        events += 1
    post = f"P{rng.randrange(4)}"
    batch.appoint(
        BY, code, unit=town, post=post, effective_date=day, kind="lateral",
        decided_on=day, document_no=f"D{code}",
    )  # fmt: skip
    result = batch.second(
        BY, code, host_unit="C-ORG", start_date=day + timedelta(days=30),
        planned_end_date=day + timedelta(days=200), purpose="专项工作",
    )  # fmt: skip
    sid = result.ids["secondment_id"]
    batch.extend_secondment(
        BY, code, sid, new_planned_end_date=day + timedelta(days=300),
        decided_on=day + timedelta(days=150),
    )  # fmt: skip
    batch.end_secondment(BY, code, sid, end_date=day + timedelta(days=290), reason="completed")
    batch.record_training(BY, code, start_date=day + timedelta(days=400), days=5, topic="培训")
    batch.admonish(BY, code, on=day + timedelta(days=500), authority="县纪委", reason="迟到")
    batch.remove(
        BY, code, unit=town, post=post, effective_date=day + timedelta(days=600), reason="调整"
    )
    return events + 8


def codes(n: int, prefix: str = "B") -> Iterator[str]:
    """Personnel codes."""
    for i in range(n):
        yield f"{prefix}{i:07d}"
