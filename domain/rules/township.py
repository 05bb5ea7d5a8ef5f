"""R-TOWN-01..04: minimum service in the township system (乡镇最低服务年限)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction

from domain import unit as u
from domain.rules.base import VIOLATION, WARNING, Candidate, Entry, Evaluation, Rule, iso
from domain.rules.career import TOWNSHIP, Career
from domain.rules.dates import add_years
from domain.rules.history import CadreHistory, UnitHistory
from domain.values import Level, PostCategory

TOWN_01 = Rule(
    "R-TOWN-01", VIOLATION, "cadre", "township",
    "A township recruit is transferred before recruitment + 2 years (一律不得调动).",
)  # fmt: skip
TOWN_02 = Rule(
    "R-TOWN-02", VIOLATION, "cadre", "township",
    "A township recruit leaves the township system within 5 years without a city approval.",
)  # fmt: skip
TOWN_03 = Rule(
    "R-TOWN-03", VIOLATION, "cadre", "township",
    "A non-leadership promotion in a township unit with under 5 continuous township years.",
)  # fmt: skip
TOWN_04 = Rule(
    "R-TOWN-04", WARNING, "unit", "township",
    "Under 2/3 of a township team's members have 2 years of township service.",
    time_based=True,
)  # fmt: skip


def anchor(entry: Entry) -> str:
    """The anchor of a finding about one event: its version within the cadre's record."""
    return f"v{entry.version}"


def transfer_within_ban(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-TOWN-01."""
    recruited = c.township_recruitment()
    if recruited is None:
        return
    allowed = add_years(recruited.event.effective_date, e.params.township.transfer_ban_years)
    for t in c.transfers:
        if t.event.effective_date < allowed:
            yield TOWN_01.found(
                c.code, anchor(t), [recruited.position, t.position],
                {
                    "recruited_on": iso(recruited.event.effective_date),
                    "recruited_into": recruited.event.unit,
                    "transferred_on": iso(t.event.effective_date),
                    "to_unit": t.event.to_unit, "allowed_from": iso(allowed),
                    "units": _units(recruited.event.unit, t.event.from_unit, t.event.to_unit),
                },
            )  # fmt: skip


def transfer_without_approval(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-TOWN-02."""
    recruited = c.township_recruitment()
    if recruited is None:
        return
    p = e.params.township
    opens = add_years(recruited.event.effective_date, p.transfer_ban_years)
    closes = add_years(recruited.event.effective_date, p.approval_window_years)
    needed = Level(p.transfer_approval_level)
    for t in c.transfers:
        event = t.event
        if not opens <= event.effective_date < closes or event.to_level == TOWNSHIP:
            continue
        level = (event.approval or {}).get("level")
        if level is not None and Level(level).rank >= needed.rank:
            continue
        yield TOWN_02.found(
            c.code, anchor(t), [recruited.position, t.position],
            {
                "recruited_on": iso(recruited.event.effective_date),
                "transferred_on": iso(event.effective_date), "to_unit": event.to_unit,
                "to_level": event.to_level, "approval_level": level,
                "approval_needed": needed.value, "window_ends": iso(closes),
                "units": _units(event.from_unit, event.to_unit),
            },
        )  # fmt: skip


def promotion_before_service(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-TOWN-03."""
    years = e.params.township.non_leadership_promotion_years
    for a in c.promotions():
        event = a.event
        if event.post_category != PostCategory.NON_LEADERSHIP or event.unit_level != TOWNSHIP:
            continue
        start = c.continuous_township_start(event.effective_date)
        if start is not None and event.effective_date >= add_years(start, years):
            continue
        homes = [h.entry.position for h in c.homes if start is not None and h.start >= start]
        yield TOWN_03.found(
            c.code, anchor(a), [a.position, *homes],
            {
                "promoted_on": iso(event.effective_date), "unit": event.unit,
                "post": event.post, "township_since": iso(start),
                "required_from": iso(add_years(start, years)) if start else None,
                "units": _units(event.unit),
            },
        )  # fmt: skip


def team_service(
    unit: UnitHistory, cadres: Sequence[CadreHistory], e: Evaluation
) -> Iterator[Candidate]:
    """R-TOWN-04: the share of a township team with enough township service."""
    registered = unit.first
    if not isinstance(registered, u.UnitRegistered) or registered.level != TOWNSHIP:
        return
    posts = _team_posts(unit, e)
    if posts is None:
        return
    p = e.params.township
    holders = []
    for history in cadres:
        career = Career.of(history, e.as_of)
        for unit_code, post in career.state.posts:
            if unit_code == unit.code and post in posts:
                holders.append((career, post, _appointment(career, unit.code, post)))
    if not holders:
        return
    served = {c.code: c.township_service_reaches(p.team_service_years) for c, _, _ in holders}
    share = Fraction(sum(d is not None for d in served.values()), len(holders))
    if share >= p.team_share:
        return
    evidence = [posts[post] for _, post, _ in holders]
    evidence += [a.position for _, _, a in holders if a is not None]
    yield TOWN_04.found(
        unit.code, "team", evidence,
        {
            "team_members": len(holders),
            "with_service": sum(d is not None for d in served.values()),
            "share": f"{share.numerator}/{share.denominator}",
            "required_share": f"{p.team_share.numerator}/{p.team_share.denominator}",
            "service_years": p.team_service_years,
            "holders": [
                {"cadre": c.code, "post": post, "service_reached_on": iso(served[c.code])}
                for c, post, _ in sorted(holders, key=lambda h: (h[1], h[0].code))
            ],
            "units": [unit.code],
        },
    )  # fmt: skip


def _team_posts(unit: UnitHistory, e: Evaluation) -> dict[str, int] | None:
    """Team-member posts in effect on the evaluation date -> the position establishing each."""
    posts: dict[str, int] = {}
    for entry in unit.entries:
        event = entry.event
        if isinstance(event, u.PostEstablished) and event.team_member:
            posts[event.post_code] = entry.position
        elif isinstance(event, u.PostAbolished) and event.effective_date <= e.as_of:
            posts.pop(event.post_code, None)
        elif isinstance(event, u.UnitAbolished) and event.effective_date <= e.as_of:
            return None
    return posts


def _appointment(career: Career, unit: str, post: str) -> Entry | None:
    found = [a for a in career.appointments if (a.event.unit, a.event.post) == (unit, post)]
    return found[-1] if found else None


def _units(*codes: str | None) -> list[str]:
    return sorted({c for c in codes if c})
