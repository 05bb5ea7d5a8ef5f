"""Organisation structure (组织机构): units and their posts."""

from __future__ import annotations

from datetime import date

from domain.clock import Clock
from domain.errors import AlreadyRegistered, InvalidValue, UnknownReference
from domain.ids import unit_id
from domain.retry import on_fresh_state
from domain.store import Store, Written
from domain.unit import Unit
from domain.values import (
    By,
    Level,
    PostCategory,
    Recording,
    UnitKind,
    check_code,
    check_text,
    parse_enum,
)


class OrganisationStructure:
    """Registers units and establishes or abolishes posts."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def _ctx(self, by: By) -> Recording:
        return Recording.of(by, self.clock.now(), self.clock.today())

    def unit(self, code: str) -> Unit:
        """The unit of that code, or NotFound."""
        return self.store.load(Unit, unit_id(check_code(code, "unit code")), f"unit {code}")

    def known_unit(self, code: str) -> Unit:
        """A unit a command refers to: unknown is a 422, not a 404."""
        if not self.store.exists(unit_id(check_code(code, "unit code"))):
            raise UnknownReference(f"unknown unit {code}")
        return self.unit(code)

    @on_fresh_state
    def register_unit(
        self,
        by: By,
        *,
        code: str,
        name: str,
        level: str,
        kind: str,
        parent: str | None = None,
        joint_with: str | None = None,
    ) -> Written:
        """Register a unit; a duplicate code is a conflict, an unknown parent a 422.

        ``joint_with`` names a unit of the same level this one shares its staff with (合署).
        """
        check_code(code, "unit code")
        check_text(name, "name", max_length=200)
        if not name.strip():
            raise InvalidValue("name must not be blank")
        level_value = parse_enum(Level, level, "level")
        parse_enum(UnitKind, kind, "kind")
        if parent is not None:
            self.known_unit(parent)
        if joint_with is not None and self.known_unit(joint_with).level != level_value:
            raise InvalidValue(f"unit {joint_with} is not of level {level_value}")
        if self.store.exists(unit_id(code)):
            raise AlreadyRegistered(f"unit {code} is registered already")
        unit = Unit.register(
            self._ctx(by), code=code, name=name, level=level_value, kind=kind, parent=parent,
            joint_with=joint_with,
        )  # fmt: skip
        return self.store.commit(unit)

    @on_fresh_state
    def rename_unit(
        self,
        by: By,
        code: str,
        *,
        name: str,
        effective_date: date,
        expected_version: int | None = None,
    ) -> Written:
        """Rename a unit."""
        check_text(name, "name", max_length=200)
        unit = self.unit(code)
        unit.rename(self._ctx(by), name=name, effective_date=effective_date)
        return self.store.commit(unit, expected_version=expected_version)

    @on_fresh_state
    def establish_post(
        self,
        by: By,
        unit_code: str,
        *,
        code: str,
        title: str,
        category: str,
        grade: str = "",
        team_member: bool = False,
        principal: bool = False,
        sensitive: bool = False,
        quota: int = 1,
        expected_version: int | None = None,
    ) -> Written:
        """Establish a post in a unit, held by at most ``quota`` cadres at once (职数)."""
        check_code(code, "post code")
        check_text(title, "title", max_length=200)
        check_text(grade, "grade", max_length=100)
        parse_enum(PostCategory, category, "category")
        unit = self.unit(unit_code)
        unit.establish_post(
            self._ctx(by),
            code=code,
            title=title,
            category=category,
            grade=grade,
            team_member=team_member,
            principal=principal,
            sensitive=sensitive,
            quota=quota,
        )
        return self.store.commit(unit, expected_version=expected_version)

    @on_fresh_state
    def abolish_post(
        self,
        by: By,
        unit_code: str,
        *,
        code: str,
        effective_date: date,
        expected_version: int | None = None,
    ) -> Written:
        """Abolish a post."""
        unit = self.unit(unit_code)
        unit.abolish_post(self._ctx(by), code=code, effective_date=effective_date)
        return self.store.commit(unit, expected_version=expected_version)

    @on_fresh_state
    def abolish_unit(
        self,
        by: By,
        code: str,
        *,
        effective_date: date,
        merged_into: str | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Abolish a unit (乡镇撤并), optionally merged into another."""
        if merged_into is not None:
            self.known_unit(merged_into)
        unit = self.unit(code)
        unit.abolish(self._ctx(by), effective_date=effective_date, merged_into=merged_into)
        return self.store.commit(unit, expected_version=expected_version)
