"""Units and posts: registration, invariants, and the validation of codes and names."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.errors import AlreadyRegistered, InvalidValue, InvariantViolated, UnknownReference
from domain.ids import unit_id
from domain.organisation import OrganisationStructure
from domain.unit import Post
from tests.support.domain import CLERK, Refusal, World


def register(org: OrganisationStructure, **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "code": "T9",
        "name": "新设镇",
        "level": "township",
        "kind": "government",
        "parent": "C1",
    }
    fields.update(kw)
    return org.register_unit(CLERK, **fields)


def test_a_unit_is_registered_under_its_code(world: World) -> None:
    unit = world.organisation.unit("T1")
    assert unit.id == unit_id("T1")
    assert (unit.code, unit.name, unit.level.value, unit.kind, unit.parent) == (
        "T1", "某镇人民政府", "township", "government", "C1",
    )  # fmt: skip
    assert (unit.abolished_on, unit.merged_into) == (None, None)
    assert unit.level.rank < world.organisation.unit("C1").level.rank
    assert world.organisation.unit("C1").level.is_higher_organ()
    assert not unit.level.is_higher_organ()


def test_a_unit_code_is_registered_once(world: World, refused: Refusal) -> None:
    with refused(AlreadyRegistered, match="unit T1 is registered already"):
        register(world.organisation, code="T1", name="重复")


def test_an_unknown_parent_is_an_unknown_reference(world: World, refused: Refusal) -> None:
    with refused(UnknownReference, match="unknown unit NOPE"):
        register(world.organisation, parent="NOPE")


def test_a_unit_without_parent_is_accepted(world: World) -> None:
    register(world.organisation, code="P0", name="某省", level="province", kind="government",
             parent=None)  # fmt: skip
    assert world.organisation.unit("P0").parent is None


@pytest.mark.parametrize(("field", "value"), [("level", "hamlet"), ("kind", "club")])
def test_level_and_kind_come_from_the_vocabulary(
    world: World, refused: Refusal, field: str, value: str
) -> None:
    with refused(InvalidValue, match=f"{field} must be one of"):
        register(world.organisation, **{field: value})


def test_a_post_is_established_with_its_attributes(world: World) -> None:
    world.organisation.establish_post(
        CLERK, "T1", code="P5", title="镇长", category="leadership", grade="正科",
        team_member=True, principal=True, sensitive=True,
    )  # fmt: skip
    assert world.organisation.unit("T1").post("P5") == Post(
        code="P5", title="镇长", category="leadership", grade="正科", team_member=True,
        principal=True, sensitive=True,
    )  # fmt: skip


def test_a_post_code_is_unique_within_its_unit(world: World, refused: Refusal) -> None:
    with refused(AlreadyRegistered, match="post P1 exists in unit T1 already"):
        world.organisation.establish_post(
            CLERK, "T1", code="P1", title="又一个", category="leadership"
        )
    world.organisation.establish_post(CLERK, "T2", code="P1", title="副镇长", category="leadership")
    assert "P1" in world.organisation.unit("T2").posts


def test_a_post_category_comes_from_the_vocabulary(world: World, refused: Refusal) -> None:
    with refused(InvalidValue, match="category must be one of"):
        world.organisation.establish_post(CLERK, "T1", code="P5", title="x", category="boss")


def test_a_post_of_an_unknown_unit_is_not_found(world: World, refused: Refusal) -> None:
    from domain.errors import NotFound

    with refused(NotFound, match="unit NOPE not found"):
        world.organisation.establish_post(
            CLERK, "NOPE", code="P5", title="x", category="leadership"
        )


def test_a_post_is_abolished_once(world: World, refused: Refusal) -> None:
    world.organisation.abolish_post(CLERK, "T1", code="P1", effective_date=date(2025, 1, 1))
    assert world.organisation.unit("T1").post("P1").abolished_on == date(2025, 1, 1)
    with refused(InvariantViolated, match="abolished already"):
        world.organisation.abolish_post(CLERK, "T1", code="P1", effective_date=date(2025, 2, 1))
    from domain.errors import NotFound

    with refused(NotFound, match="no post P7"):
        world.organisation.abolish_post(CLERK, "T1", code="P7", effective_date=date(2025, 2, 1))


def test_a_renamed_unit_keeps_its_code(world: World) -> None:
    world.organisation.rename_unit(
        CLERK, "T1", name="某街道办事处", effective_date=date(2025, 1, 1)
    )
    unit = world.organisation.unit("T1")
    assert (unit.code, unit.name) == ("T1", "某街道办事处")


def test_an_abolished_unit_gets_no_posts_and_no_new_name(world: World, refused: Refusal) -> None:
    world.organisation.abolish_unit(CLERK, "T2", effective_date=date(2025, 1, 1), merged_into="T1")
    unit = world.organisation.unit("T2")
    assert (unit.abolished_on, unit.merged_into) == (date(2025, 1, 1), "T1")
    with refused(InvariantViolated, match="was abolished on 2025-01-01"):
        world.organisation.establish_post(CLERK, "T2", code="P5", title="x", category="leadership")
    with refused(InvariantViolated, match="was abolished"):
        world.organisation.rename_unit(CLERK, "T2", name="y", effective_date=date(2025, 2, 1))
    with refused(InvariantViolated, match="was abolished"):
        world.organisation.abolish_unit(CLERK, "T2", effective_date=date(2025, 2, 1))


def test_a_unit_cannot_be_merged_into_itself(world: World, refused: Refusal) -> None:
    with refused(InvariantViolated, match="merged into itself"):
        world.organisation.abolish_unit(
            CLERK, "T2", effective_date=date(2025, 1, 1), merged_into="T2"
        )


def test_a_unit_cannot_be_merged_into_an_unknown_unit(world: World, refused: Refusal) -> None:
    with refused(UnknownReference, match="unknown unit NOPE"):
        world.organisation.abolish_unit(
            CLERK, "T2", effective_date=date(2025, 1, 1), merged_into="NOPE"
        )


# -- codes and names -------------------------------------------------------------------------

BAD_CODES = {
    "10000 characters": "A" * 10_000,
    "65 characters": "A" * 65,
    "empty": "",
    "inner space": "T 1",
    "trailing space": "T1 ",
    "slash": "T1/2",
    "chinese": "某镇",
    "newline": "T1\n",
    "nul": "T\x001",
}


@pytest.mark.parametrize("code", BAD_CODES.values(), ids=BAD_CODES.keys())
def test_bad_codes_are_invalid_everywhere(world: World, refused: Refusal, code: str) -> None:
    with refused(InvalidValue, match="1-64 letters"):
        register(world.organisation, code=code)
    with refused(InvalidValue, match="1-64 letters"):
        world.organisation.establish_post(CLERK, "T1", code=code, title="x", category="leadership")
    with refused(InvalidValue, match="1-64 letters"):
        world.personnel.register_cadre(
            CLERK, code=code, name="x", gender="male", birth_date=date(1990, 1, 1)
        )
    with refused(InvalidValue, match="1-64 letters"):
        world.personnel.cadre(code)
    with refused(InvalidValue, match="1-64 letters"):
        world.organisation.unit(code)


def test_a_code_of_64_letters_digits_dots_dashes_and_underscores_is_valid(world: World) -> None:
    code = ("Ab-9_." * 11)[:64]
    register(world.organisation, code=code)
    assert world.organisation.unit(code).code == code


BAD_NAMES = {
    "nul": "某\x00镇",
    "bell": "某\x07镇",
    "escape": "某\x1b[31m镇",
    "delete": "某镇\x7f",
    "newline": "某\n镇",
    "carriage return": "某\r镇",
    "too long": "镇" * 201,
    "blank": "   ",
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_unit_names_are_invalid(world: World, refused: Refusal, name: str) -> None:
    with refused(InvalidValue):
        register(world.organisation, name=name)


@pytest.mark.parametrize("name", ["某\x00人", "某\n人", "  ", "人" * 101])
def test_bad_cadre_names_are_invalid(world: World, refused: Refusal, name: str) -> None:
    with refused(InvalidValue):
        world.personnel.register_cadre(
            CLERK, code="B002", name=name, gender="male", birth_date=date(1990, 1, 1)
        )


def test_control_characters_in_titles_and_reasons_are_invalid(
    world: World, refused: Refusal
) -> None:
    with refused(InvalidValue, match="title contains control characters"):
        world.organisation.establish_post(
            CLERK, "T1", code="P5", title="副\x1b镇长", category="leadership"
        )
    with refused(InvalidValue, match="reason contains control characters"):
        world.personnel.admonish(CLERK, "A001", on=date(2024, 1, 1), authority="a", reason="x\x00")
    with refused(InvalidValue, match="name contains control characters"):
        world.organisation.rename_unit(
            CLERK, "T1", name="新\x08名", effective_date=date(2025, 1, 1)
        )
