"""The Unit aggregate (单位) with its posts (职位)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

from domain.errors import AlreadyRegistered, InvalidValue, InvariantViolated, NotFound
from domain.ids import unit_id
from domain.values import Level, Recording, check_effective_date

MAX_QUOTA = 99


@dataclass
class Post:
    """A position in a unit."""

    code: str
    title: str
    category: str
    grade: str
    team_member: bool
    principal: bool
    sensitive: bool
    quota: int = 1
    abolished_on: date | None = None


class UnitEvent(Aggregate.Event):
    """Base of unit events: who recorded it."""

    class_version = 1
    recorded_by: str


class UnitRegistered(Aggregate.Created):
    """A unit is registered under its code; ``joint_with`` names the unit it shares its staff
    with (合署办公: a township's party committee and its government are one organ)."""

    class_version = 2
    recorded_by: str
    code: str
    name: str
    level: str
    kind: str
    parent: str | None
    joint_with: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 knew no joint organs."""
        state["joint_with"] = None


class UnitRenamed(UnitEvent):
    """The unit's name changed."""

    name: str
    effective_date: date

    def apply(self, aggregate: Any) -> None:
        aggregate.name = self.name


class PostEstablished(UnitEvent):
    """A post is established in the unit, with its quota (职数: how many may hold it)."""

    class_version = 2
    post_code: str
    title: str
    category: str
    grade: str
    team_member: bool
    principal: bool
    sensitive: bool
    quota: int

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 had no quota: one holder per post."""
        state["quota"] = 1

    def apply(self, aggregate: Any) -> None:
        aggregate.posts[self.post_code] = Post(
            code=self.post_code,
            title=self.title,
            category=self.category,
            grade=self.grade,
            team_member=self.team_member,
            principal=self.principal,
            sensitive=self.sensitive,
            quota=self.quota,
        )


class PostAbolished(UnitEvent):
    """A post is abolished from an effective date."""

    post_code: str
    effective_date: date

    def apply(self, aggregate: Any) -> None:
        aggregate.posts[self.post_code].abolished_on = self.effective_date


class UnitAbolished(UnitEvent):
    """乡镇撤并: the unit ceases, possibly merged into another."""

    effective_date: date
    merged_into: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.abolished_on = self.effective_date
        aggregate.merged_into = self.merged_into


class Unit(Aggregate):
    """An organ or body, its level, and its posts."""

    def __init__(
        self,
        recorded_by: str,
        code: str,
        name: str,
        level: str,
        kind: str,
        parent: str | None,
        joint_with: str | None,
    ) -> None:
        self.code = code
        self.name = name
        self.level = Level(level)
        self.kind = kind
        self.parent = parent
        self.joint_with = joint_with
        self.posts: dict[str, Post] = {}
        self.abolished_on: date | None = None
        self.merged_into: str | None = None

    @classmethod
    def register(
        cls,
        ctx: Recording,
        *,
        code: str,
        name: str,
        level: Level,
        kind: str,
        parent: str | None,
        joint_with: str | None = None,
    ) -> Unit:
        """Register a unit under its code (the id derives from the code)."""
        return cls._create(
            UnitRegistered,
            id=unit_id(code),
            timestamp=ctx.at,
            recorded_by=ctx.by,
            code=code,
            name=name,
            level=level.value,
            kind=kind,
            parent=parent,
            joint_with=joint_with,
        )

    def rename(self, ctx: Recording, *, name: str, effective_date: date) -> None:
        """Give the unit a new name."""
        self._check_open()
        check_effective_date(effective_date, ctx.today)
        self.trigger_event(
            UnitRenamed,
            timestamp=ctx.at,
            recorded_by=ctx.by,
            name=name,
            effective_date=effective_date,
        )

    def establish_post(
        self,
        ctx: Recording,
        *,
        code: str,
        title: str,
        category: str,
        grade: str = "",
        team_member: bool = False,
        principal: bool = False,
        sensitive: bool = False,
        quota: int = 1,
    ) -> None:
        """Establish a post; its code is unique within the unit."""
        self._check_open()
        if code in self.posts:
            raise AlreadyRegistered(f"post {code} exists in unit {self.code} already")
        if not 1 <= quota <= MAX_QUOTA:
            raise InvalidValue(f"a post's quota is 1 to {MAX_QUOTA}")
        self.trigger_event(
            PostEstablished,
            timestamp=ctx.at,
            recorded_by=ctx.by,
            post_code=code,
            title=title,
            category=category,
            grade=grade,
            team_member=team_member,
            principal=principal,
            sensitive=sensitive,
            quota=quota,
        )

    def abolish_post(self, ctx: Recording, *, code: str, effective_date: date) -> None:
        """Abolish one of the unit's posts."""
        post = self.post(code)
        if post.abolished_on is not None:
            raise InvariantViolated(f"post {code} of unit {self.code} is abolished already")
        check_effective_date(effective_date, ctx.today)
        self.trigger_event(
            PostAbolished,
            timestamp=ctx.at,
            recorded_by=ctx.by,
            post_code=code,
            effective_date=effective_date,
        )

    def abolish(self, ctx: Recording, *, effective_date: date, merged_into: str | None) -> None:
        """Abolish the unit (撤并), optionally merged into another unit."""
        self._check_open()
        if merged_into == self.code:
            raise InvariantViolated("a unit cannot be merged into itself")
        check_effective_date(effective_date, ctx.today)
        self.trigger_event(
            UnitAbolished,
            timestamp=ctx.at,
            recorded_by=ctx.by,
            effective_date=effective_date,
            merged_into=merged_into,
        )

    def post(self, code: str) -> Post:
        """The post of that code, or NotFound."""
        try:
            return self.posts[code]
        except KeyError:
            raise NotFound(f"unit {self.code} has no post {code}") from None

    def _check_open(self) -> None:
        if self.abolished_on is not None:
            raise InvariantViolated(f"unit {self.code} was abolished on {self.abolished_on}")
