"""Shared builders of the domain tests: the standard organisation and a recruited cadre
(``tests/unit/domain/conftest.py`` turns them into fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from domain.cadre import Cadre
from domain.clock import FixedClock
from domain.complaints import Complaints
from domain.errors import DomainError
from domain.organisation import OrganisationStructure
from domain.personnel import Personnel
from domain.services import Services
from domain.store import Store, Written

TODAY = date(2026, 11, 26)
CLERK = "clerk-zhang"


def sqlite_env(dbname: str) -> dict[str, str]:
    """The eventsourcing environment of an embedded SQLite store."""
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": dbname}


Refusal = Callable[..., AbstractContextManager[pytest.ExceptionInfo[DomainError]]]


@dataclass
class World:
    """A county with a township and a village, posts, and one recruited township cadre."""

    services: Services
    clock: FixedClock
    recruited: Written

    @property
    def personnel(self) -> Personnel:
        return self.services.personnel

    @property
    def organisation(self) -> OrganisationStructure:
        return self.services.organisation

    @property
    def complaints(self) -> Complaints:
        return self.services.complaints

    @property
    def store(self) -> Store:
        return self.services.store

    def cadre(self, code: str = "A001") -> Cadre:
        """The cadre, loaded afresh from the store."""
        return self.services.personnel.cadre(code)

    def event_at(self, position: int) -> Any:
        """The domain event stored at a global position."""
        return self.store.decode(self.store.notification_at(position))

    def add_cadre(self, code: str, *, recruited_on: date = date(2019, 7, 1)) -> None:
        """Register another cadre and recruit it into the township T1."""
        self.personnel.register_cadre(
            CLERK, code=code, name=f"干部{code}", gender="male", birth_date=date(1990, 1, 1)
        )
        self.personnel.recruit(CLERK, code, effective_date=recruited_on, unit="T1", channel="exam")


def build_world(services: Services, clock: FixedClock) -> World:
    """Units C1 (county) > T1 (township) > V1 (village), posts, cadre A001 recruited into T1."""
    org, personnel = services.organisation, services.personnel
    org.register_unit(CLERK, code="C1", name="某县委组织部", level="county", kind="department")
    org.register_unit(CLERK, code="C2", name="某县财政局", level="county", kind="department")
    org.register_unit(
        CLERK, code="T1", name="某镇人民政府", level="township", kind="government", parent="C1"
    )
    org.register_unit(
        CLERK, code="T2", name="另一镇人民政府", level="township", kind="government", parent="C1"
    )
    org.register_unit(
        CLERK, code="V1", name="某村村委会", level="village", kind="village_committee", parent="T1"
    )
    org.establish_post(CLERK, "T1", code="P1", title="副镇长", category="leadership")
    org.establish_post(CLERK, "T1", code="P2", title="党委委员", category="leadership")
    org.establish_post(CLERK, "C1", code="P9", title="科员", category="non_leadership")
    personnel.register_cadre(
        CLERK, code="A001", name="李四", gender="female", birth_date=date(1995, 3, 4)
    )
    recruited = personnel.recruit(
        CLERK, "A001", effective_date=date(2020, 7, 1), unit="T1", channel="exam"
    )
    return World(services=services, clock=clock, recruited=recruited)
