"""What the unit rules read of each career, kept between an in-order process's batches: the
same facts as a fresh fold, dropped when an event of the cadre comes, never kept from part of
a batch, and the township findings the same as judging afresh."""

from __future__ import annotations

import marshal
from datetime import date
from typing import Any
from uuid import uuid4

from domain import cadre_events as ev
from domain.rules.career import Career
from domain.rules.training import in_service_all_year
from domain.rules.unit_facts import CareerFacts
from domain.supervision.histories import KnownHistories
from tests.support.rules import CadreFile
from tests.support.supervision import CLERK, World

AS_OF = date(2026, 11, 26)


def full_career() -> CadreFile:
    """A township cadre with a team post, reviews (one re-rated), a transfer, a secondment
    out of the township system and a departure."""
    c = CadreFile("F1")
    c.recruited(date(2012, 3, 1), unit="T1")
    c.appointed(date(2016, 5, 1), post="P1", kind="lateral")
    for year, rating in ((2016, "competent"), (2017, "excellent"), (2016, "excellent")):
        c.add(ev.AnnualReviewRecorded, recorded=date(year + 1, 1, 20), year=year, rating=rating)
    c.seconded(date(2018, 1, 1), date(2018, 12, 31), sid="S1")
    c.ended("S1", date(2018, 12, 31))
    c.transferred(date(2020, 7, 1), to_unit="T2", to_level="township")
    c.add(ev.Departed, effective_date=date(2025, 1, 1), reason="辞职")
    return c


def test_the_facts_packed_and_unpacked_are_the_facts() -> None:
    career = Career.of(full_career().history(), date(2024, 6, 30))  # before the departure
    facts = CareerFacts.of(career)
    assert facts.posts == (("T1", "P1"),) and facts.service  # a post holder: service counted
    assert [(r.year, r.rating) for r in facts.reviews] == [(2016, "excellent"), (2017, "excellent")]
    assert kept(facts) == facts
    for day in (date(2012, 1, 1), date(2016, 12, 31), date(2020, 7, 1), date(2024, 1, 1)):
        home = career.home_on(day)
        assert facts.home_on(day) == (home.unit if home else None)
    for year in range(2011, 2027):
        assert facts.in_service_all_year(year) == in_service_all_year(career, year)
    departed = CareerFacts.of(Career.of(full_career().history(), AS_OF))
    assert departed.departed and departed.departed_on == date(2025, 1, 1)
    assert departed.service == ()  # nobody's team: not counted
    assert kept(departed) == departed


def kept(facts: CareerFacts) -> CareerFacts:
    """The facts packed and unpacked as the process keeps them: through marshal, which gives
    tuples back as tuples, lists as lists (unpacked takes what it is given as it is)."""
    return CareerFacts.unpacked(marshal.loads(marshal.dumps(facts.packed())))


class Event:
    """A stand-in for a stored event: only its aggregate matters to the kept facts."""

    def __init__(self, originator_id: Any) -> None:
        self.originator_id = originator_id


def test_facts_are_kept_until_an_event_of_the_cadre_comes() -> None:
    known = KnownHistories()
    quiet, moving = uuid4(), uuid4()
    facts = CareerFacts.of(Career.of(full_career().history(), AS_OF))
    known.extend([(10, Event(moving))])
    known.keep_facts(quiet, AS_OF, facts)
    known.keep_facts(moving, AS_OF, facts)  # folded from part of the batch: not kept
    assert known.facts(quiet, AS_OF) == (facts,)
    assert known.facts(moving, AS_OF) is None
    assert known.facts(quiet, date(2026, 11, 27)) is None  # another day: folded again
    known.extend([(11, Event(uuid4()))])
    known.keep_facts(moving, AS_OF, None)  # no event of it yet: kept as no career
    assert known.facts(moving, AS_OF) == (None,)
    known.extend([(12, Event(quiet))])
    assert known.facts(quiet, AS_OF) is None  # its event came: dropped
    assert known.facts(moving, AS_OF) == (None,)
    known.forget()
    assert known.facts(moving, AS_OF) is None and known.facts_kept == 0


def unit_findings(w: World) -> set[tuple[str, Any]]:
    """(rule, year) of the holding findings about T1 (a finding that goes on holding keeps
    the details it was raised with)."""
    return {
        (f["rule"], f["details"].get("year"))
        for f in w.findings()
        if f["subject"] == {"kind": "unit", "code": "T1"}
        and f["status"] in {"open", "acknowledged"}
    }


def judged_afresh(w: World) -> set[tuple[str, Any]]:
    """What a fresh evaluation of T1 finds today (no facts kept)."""
    found = w.supervision.evaluator.subject("unit", "T1", AS_OF)
    return {(c.rule, c.details.get("year")) for c in found}


def test_township_findings_over_kept_facts_are_those_judged_afresh(world: World) -> None:
    personnel = world.services.personnel
    world.cadre("M0", date(2015, 1, 1))
    world.cadre("M1", date(2025, 1, 1))
    world.appoint("M0", date(2026, 6, 1), kind="lateral", post="P1")
    world.appoint("M1", date(2026, 6, 1), kind="lateral", post="P2")
    for code, rating in (("M0", "excellent"), ("M1", "competent")):
        personnel.record_review(CLERK, code, year=2025, rating=rating)
    world.settle()
    assert unit_findings(world) == judged_afresh(world) == {("R-TOWN-04", None), ("R-REV-01", 2025)}
    shares = [world.finding(rule)["details"]["share"] for rule in ("R-TOWN-04", "R-REV-01")]
    assert shares == ["1/2", "1/2"]
    steps = [
        # another batch: M2 joins the team with enough service (M0 and M1 as kept)
        lambda: (
            world.cadre("M2", date(2010, 1, 1)),
            world.appoint("M2", date(2026, 6, 1), kind="lateral", post="P3"),
        ),
        # M1, kept since, is re-rated and reviewed: its facts are folded again
        lambda: personnel.record_review(CLERK, "M1", year=2025, rating="excellent"),
        # M2 leaves: the team is short again
        lambda: personnel.depart(CLERK, "M2", effective_date=date(2026, 10, 1), reason="辞职"),
    ]
    holding = []
    for step in steps:
        step()
        world.settle()
        assert world.supervision.supervisor.known.facts_kept > 0
        assert unit_findings(world) == judged_afresh(world)
        holding.append(("R-TOWN-04", None) in unit_findings(world))
    assert holding == [False, False, True]  # remedied by M2, raised again when M2 left
    raised = [e for e in world.finding_events() if e[2] in {"FindingRaised", "FindingReraised"}]
    assert raised[-1][1] == world.finding("R-TOWN-04")["finding_id"]


def test_the_facts_kept_are_bounded_least_recently_used_first_out() -> None:
    known = KnownHistories(facts_capacity=2)
    a, b, c = uuid4(), uuid4(), uuid4()
    facts = CareerFacts.of(Career.of(full_career().history(), AS_OF))
    known.keep_facts(a, AS_OF, facts)
    known.keep_facts(b, AS_OF, None)
    assert known.facts(a, AS_OF) == (facts,)  # a used again: b is now the oldest
    known.keep_facts(c, AS_OF, facts)
    assert known.facts_kept == 2
    assert known.facts(b, AS_OF) is None
    assert known.facts(a, AS_OF) == known.facts(c, AS_OF) == (facts,)


def test_a_sweep_releases_what_the_process_keeps_and_the_process_goes_on_the_same(
    world: World,
) -> None:
    world.cadre("M0", date(2015, 1, 1))
    world.cadre("M1", date(2025, 1, 1))
    world.appoint("M0", date(2026, 6, 1), kind="lateral", post="P1")
    world.appoint("M1", date(2026, 6, 1), kind="lateral", post="P2")
    world.settle()
    world.cadre("M2", date(2010, 1, 1))  # another batch: T1 judged over M0 and M1 as kept
    world.settle()
    supervisor = world.supervision.supervisor
    known = supervisor.known
    assert known.facts_kept > 0 and known.entries > 0
    assert world.finding("R-TOWN-04")["status"] == "open"
    world.supervision.sweep()
    # Released, not forgotten: still known to be up to date with the process's position.
    assert (known.facts_kept, known.entries) == (0, 0)
    assert known.through == supervisor.position() > 0
    world.appoint("M2", date(2026, 6, 1), kind="lateral", post="P3")  # 2 of 3 have served
    world.settle()
    assert unit_findings(world) == judged_afresh(world) == set()
    # M2's appointment dated back to June: as now known the team was whole when it was raised
    assert world.finding("R-TOWN-04")["status"] == "withdrawn"
