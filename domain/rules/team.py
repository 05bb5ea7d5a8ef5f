"""A township's leadership team (领导班子) counted in people, and R-TOWN-04 over it.

The team of a township is the team-member posts of its units that share one staff (合署: the
party committee and the government), judged at the unit the others are joint with. The team
statistics (`/units/{code}/team`) and the rule read the same :func:`township_team`, so what an
organisation department sees is what the rule judges.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from domain import unit as u
from domain.rules.base import WARNING, Candidate, Evaluation, Rule, iso
from domain.rules.definitions import TOWNSHIP, served
from domain.rules.history import UnitHistory
from domain.rules.unit_facts import CareerFacts

TOWN_04 = Rule(
    "R-TOWN-04", WARNING, "unit", "township",
    "Under 2/3 of the people on a township team have 2 years of township service.",
    time_based=True,
)  # fmt: skip


@dataclass(frozen=True)
class UnitSubject:
    """What the unit rules read: the unit, the units sharing its staff (合署), and what they
    read of the careers of the cadres linked to them, folded as of the evaluation date."""

    unit: UnitHistory
    partners: tuple[UnitHistory, ...]
    careers: tuple[CareerFacts, ...]


@dataclass(frozen=True)
class Member:
    """One person on the team, however many team posts they hold."""

    code: str
    name: str
    posts: tuple[tuple[str, str], ...]  # (unit, post) of each team post held
    township_days: int
    service_reached_on: date | None
    evidence: tuple[int, ...]

    @property
    def experienced(self) -> bool:
        """Whether their township service reached the team target's years."""
        return self.service_reached_on is not None


@dataclass(frozen=True)
class Team:
    """The people holding team-member posts of a township unit on a date."""

    unit: str
    units: tuple[str, ...]  # the unit and those sharing its staff
    as_of: date
    members: tuple[Member, ...]
    post_positions: dict[tuple[str, str], int]  # team post (unit, post) -> its establishing
    target: Fraction
    service_years: int

    @property
    def total(self) -> int:
        """People on the team."""
        return len(self.members)

    @property
    def experienced(self) -> int:
        """People with enough township service."""
        return sum(m.experienced for m in self.members)

    @property
    def share(self) -> Fraction:
        """Experienced people over all people (0 for an empty team)."""
        return Fraction(self.experienced, self.total) if self.total else Fraction(0)

    @property
    def meets_target(self) -> bool:
        """At least the target share (an empty team has nobody to judge)."""
        return self.total == 0 or self.share >= self.target


def township_team(s: UnitSubject, e: Evaluation) -> Team | None:
    """The team of a township unit and the units sharing its staff, as of the evaluation date
    (None for another unit, one abolished by then, or one joint with another: its team is that
    unit's). Removed and departed holders are not on it."""
    unit, partners, careers = s.unit, s.partners, s.careers
    registered = unit.first
    if not isinstance(registered, u.UnitRegistered) or registered.level != TOWNSHIP:
        return None
    if registered.joint_with is not None:
        return None
    posts: dict[tuple[str, str], int] = {}
    for history in (unit, *partners):
        held = _team_posts(history, e.as_of)
        if held is None and history is unit:
            return None
        posts.update({(history.code, post): pos for post, pos in (held or {}).items()})
    p = e.params.township
    members = []
    for career in careers:
        if career.departed:
            continue
        held_posts = sorted(k for k in career.posts if k in posts)
        if not held_posts:
            continue
        service = list(career.service)
        appointed = [position for unit_code, post, position in career.appointed
                     if (unit_code, post) in set(held_posts)]  # fmt: skip
        members.append(
            Member(
                code=career.code, name=career.name, posts=tuple(held_posts),
                township_days=sum((end - start).days for start, end in service),
                service_reached_on=served(service, p.team_service_years) if service else None,
                evidence=tuple(appointed),
            )
        )  # fmt: skip
    return Team(
        unit=unit.code, units=(unit.code, *(x.code for x in partners)), as_of=e.as_of,
        members=tuple(sorted(members, key=lambda m: m.code)),
        post_positions=posts, target=p.team_share,
        service_years=p.team_service_years,
    )  # fmt: skip


def team_service(s: UnitSubject, e: Evaluation) -> Iterator[Candidate]:
    """R-TOWN-04: the share of a township team's people with enough township service."""
    unit = s.unit
    team = township_team(s, e)
    if team is None or team.meets_target:
        return
    held = {p for m in team.members for p in m.posts}
    evidence = [pos for post, pos in team.post_positions.items() if post in held]
    evidence += [pos for m in team.members for pos in m.evidence]
    yield TOWN_04.found(
        unit.code, "team", evidence,
        {
            "team_members": team.total, "with_service": team.experienced,
            "share": _fraction(team.share), "required_share": _fraction(team.target),
            "service_years": team.service_years,
            "holders": [
                {"cadre": m.code, "posts": [f"{u}/{p}" for u, p in m.posts],
                 "service_reached_on": iso(m.service_reached_on)}
                for m in team.members
            ],
            "units": list(team.units),
        },
    )  # fmt: skip


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _team_posts(unit: UnitHistory, as_of: date) -> dict[str, int] | None:
    """Team-member posts in effect on a date -> the position establishing each (None when
    the unit was abolished by then)."""
    posts: dict[str, int] = {}
    for entry in unit.entries:
        event = entry.event
        if isinstance(event, u.PostEstablished) and event.team_member:
            posts[event.post_code] = entry.position
        elif isinstance(event, u.PostAbolished) and event.effective_date <= as_of:
            posts.pop(event.post_code, None)
        elif isinstance(event, u.UnitAbolished) and event.effective_date <= as_of:
            return None
    return posts
