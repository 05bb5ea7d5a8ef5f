"""Batched import (补录): the same invariants as single commands, all written or nothing."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import AlreadyRegistered, ConcurrentWrite, InvariantViolated, NotFound
from domain.ids import cadre_id
from domain.importing import PersonnelBatch
from tests.support.domain import CLERK, Refusal, World


def register(batch: PersonnelBatch, code: str) -> None:
    batch.register_cadre(CLERK, code=code, name="王五", gender="male", birth_date=date(1990, 1, 1))


def test_a_batch_writes_nothing_until_it_commits_then_everything(world: World) -> None:
    before = world.store.position()
    batch = PersonnelBatch(world.personnel)
    register(batch, "B002")
    batch.recruit(CLERK, "B002", effective_date=date(2021, 1, 1), unit="T1", channel="exam")
    sid = batch.second(CLERK, "B002", host_unit="C1", start_date=date(2021, 3, 1)).ids[
        "secondment_id"
    ]
    batch.admonish(CLERK, "A001", on=date(2024, 1, 1), authority="县纪委", reason="迟到")
    assert world.store.position() == before
    assert not world.store.exists(cadre_id("B002"))

    written = batch.commit()
    assert written.position == world.store.position() == before + 4
    assert world.cadre("B002").state.active_secondment == sid
    assert world.cadre().version == 3


def test_a_batch_enforces_the_invariants_on_what_it_collected(world: World) -> None:
    batch = PersonnelBatch(world.personnel)
    batch.second(CLERK, "A001", host_unit="C1", start_date=date(2021, 3, 1))
    with pytest.raises(InvariantViolated, match="active secondment already"):
        batch.second(CLERK, "A001", host_unit="C2", start_date=date(2022, 1, 1))
    register(batch, "B002")
    with pytest.raises(AlreadyRegistered):
        register(batch, "B002")


def test_a_batch_registering_a_stored_code_writes_nothing_at_all(
    world: World, refused: Refusal
) -> None:
    batch = PersonnelBatch(world.personnel)
    register(batch, "B002")
    batch.recruit(CLERK, "B002", effective_date=date(2021, 1, 1), unit="T1", channel="exam")
    register(batch, "A001")  # the batch never loaded A001: the store tells at commit
    with refused(AlreadyRegistered, match="cadre A001 is registered already"):
        batch.commit()
    assert not world.store.exists(cadre_id("B002"))
    assert world.cadre().version == 2


def test_a_batch_that_lost_a_race_writes_nothing(world: World, refused: Refusal) -> None:
    batch = PersonnelBatch(world.personnel)
    register(batch, "B002")
    batch.admonish(CLERK, "A001", on=date(2024, 1, 1), authority="县纪委", reason="批量")
    world.personnel.admonish(CLERK, "A001", on=date(2024, 2, 1), authority="县纪委", reason="单条")
    with refused(ConcurrentWrite):
        batch.commit()
    assert not world.store.exists(cadre_id("B002"))


def test_an_empty_batch_has_nothing_to_commit(world: World) -> None:
    with pytest.raises(NotFound, match="nothing to import"):
        PersonnelBatch(world.personnel).commit()
