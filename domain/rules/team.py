"""A township's leadership team (领导班子) counted in people, and R-TOWN-04 over it.

The team statistics (`/units/{code}/team`) and the rule read the same :func:`township_team`,
so what an organisation department sees is what the rule judges.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from domain import unit as u
from domain.rules.base import WARNING, Candidate, Evaluation, Rule, iso
from domain.rules.career import Career
from domain.rules.definitions import TOWNSHIP, served, township_service
from domain.rules.history import CadreHistory, UnitHistory

TOWN_04 = Rule(
    "R-TOWN-04", WARNING, "unit", "township",
    "Under 2/3 of the people on a township team have 2 years of township service.",
    time_based=True,
)  # fmt: skip


@dataclass(frozen=True)
class Member:
    """One person on the team, however many team posts they hold."""

    code: str
    name: str
    posts: tuple[str, ...]
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
    as_of: date
    members: tuple[Member, ...]
    post_positions: dict[str, int]  # team-member post -> the position establishing it
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


def township_team(unit: UnitHistory, cadres: Sequence[CadreHistory], e: Evaluation) -> Team | None:
    """The team of a township unit as of the evaluation date (None for another unit, or one
    abolished by then). Removed and departed holders are not on it."""
    registered = unit.first
    if not isinstance(registered, u.UnitRegistered) or registered.level != TOWNSHIP:
        return None
    posts = _team_posts(unit, e.as_of)
    if posts is None:
        return None
    p = e.params.township
    members = []
    for history in cadres:
        career = Career.of(history, e.as_of)
        if career.state.status == "departed":
            continue
        held = sorted(post for unit_code, post in career.state.posts
                      if unit_code == unit.code and post in posts)  # fmt: skip
        if not held:
            continue
        service = township_service(career, e.as_of)
        appointed = [a.position for a in career.appointments
                     if (a.event.unit, a.event.post) in {(unit.code, h) for h in held}]  # fmt: skip
        members.append(
            Member(
                code=career.code, name=career.state.name, posts=tuple(held),
                township_days=sum((end - start).days for start, end in service),
                service_reached_on=served(service, p.team_service_years) if service else None,
                evidence=tuple(appointed),
            )
        )  # fmt: skip
    return Team(
        unit=unit.code, as_of=e.as_of,
        members=tuple(sorted(members, key=lambda m: m.code)),
        post_positions=posts, target=p.team_share,
        service_years=p.team_service_years,
    )  # fmt: skip


def team_service(
    unit: UnitHistory, cadres: Sequence[CadreHistory], e: Evaluation
) -> Iterator[Candidate]:
    """R-TOWN-04: the share of a township team's people with enough township service."""
    team = township_team(unit, cadres, e)
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
                {"cadre": m.code, "posts": list(m.posts),
                 "service_reached_on": iso(m.service_reached_on)}
                for m in team.members
            ],
            "units": [unit.code],
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
