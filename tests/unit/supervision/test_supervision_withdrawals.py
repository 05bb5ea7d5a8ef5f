"""For every rule: the supervision process raises it, and a correction of its evidence withdraws it.

Cadre and unit rules are corrected by a retraction (更正) of an event the finding cites;
complaints have no retractions, so their findings are withdrawn by a back-dated entry, which
removes the basis the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from tests.support.supervision import CITY, CLERK, COUNTY, INSPECTOR, World, noon

Correction = Callable[[], object]
Scenario = Callable[[World], tuple[str, int | None, Correction]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(rule: str) -> Callable[[Callable[[World], tuple[int | None, Correction]]], None]:
    """Register how to make ``rule`` fire and how to correct its evidence."""

    def register(make: Callable[[World], tuple[int | None, Correction]]) -> None:
        SCENARIOS[rule] = lambda w: (rule, *make(w))

    return register


def second(
    w: World, start: date, end: date | None, approval: object = COUNTY, host: str = "C2"
) -> int:
    return w.services.personnel.second(
        CLERK, "A", host_unit=host, start_date=start, planned_end_date=end, approval=approval
    ).position


def retraction(w: World, position: int, code: str = "A") -> tuple[int, Correction]:
    return position, lambda: w.retract(code, position)


@scenario("R-TOWN-01")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2024, 7, 1))
    moved = w.services.personnel.transfer(CLERK, "A", to_unit="T2", effective_date=date(2025, 1, 1))
    return retraction(w, moved.position)


@scenario("R-TOWN-02")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2021, 7, 1))
    moved = w.services.personnel.transfer(
        CLERK, "A", to_unit="C2", effective_date=date(2024, 1, 1), approval=COUNTY
    )
    return retraction(w, moved.position)


@scenario("R-TOWN-03")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2023, 1, 1))
    return retraction(w, w.appoint("A", date(2025, 6, 2), post="N1"))


@scenario("R-TOWN-04")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("M0", date(2015, 1, 1))
    w.cadre("M1", date(2026, 1, 1))
    w.appoint("M0", date(2026, 6, 1), kind="lateral", post="P1")
    short = w.appoint("M1", date(2026, 6, 1), kind="lateral", post="P2")
    return retraction(w, short, "M1")


@scenario("R-TOWN-05")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2023, 1, 1))
    left = w.services.personnel.depart(CLERK, "A", effective_date=date(2025, 6, 1),
                                       reason="辞去公职")  # fmt: skip
    return retraction(w, left.position)


@scenario("R-TOWN-06")
def _(w: World) -> tuple[int | None, Correction]:
    return retraction(w, w.cadre("A", date(2025, 6, 1)))


@scenario("R-SEC-01")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    return retraction(w, second(w, date(2026, 6, 1), date(2026, 11, 30), approval=None))


@scenario("R-SEC-02")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    return retraction(w, second(w, date(2026, 6, 1), None))


@scenario("R-SEC-03")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2025, 6, 1))
    return retraction(w, second(w, date(2026, 3, 1), date(2026, 12, 31)))


@scenario("R-SEC-04")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    return retraction(w, second(w, date(2025, 1, 31), date(2025, 12, 31)))


@scenario("R-SEC-05")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    return retraction(w, second(w, date(2026, 1, 10), date(2026, 6, 30)))


@scenario("R-SEC-06")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    first = w.services.personnel.second(
        CLERK, "A", host_unit="C2", start_date=date(2024, 1, 1),
        planned_end_date=date(2024, 6, 30), approval=COUNTY,
    )  # fmt: skip
    w.services.personnel.end_secondment(
        CLERK, "A", first.ids["secondment_id"], end_date=date(2024, 6, 30), reason="completed"
    )
    return retraction(w, second(w, date(2026, 1, 1), date(2026, 12, 31), host="T2"))


@scenario("R-SEC-07")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    return retraction(w, second(w, date(2026, 6, 1), date(2026, 11, 30)))


@scenario("R-APPT-01")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    return retraction(w, w.appoint("A", date(2026, 6, 1), public_notice=None))


@scenario("R-APPT-02")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    steps = {"preview_notice": date(2026, 4, 1), "democratic_evaluation": date(2026, 4, 1)}
    return retraction(w, w.appoint("A", date(2026, 6, 1), procedure=steps))


@scenario("R-APPT-03")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    return retraction(w, w.appoint("A", date(2026, 6, 1), kind="lateral", integrity_talk=None))


@scenario("R-APPT-04")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    earlier = w.appoint("A", date(2025, 6, 1), post="P1")
    w.appoint("A", date(2026, 1, 1), post="P2", kind="exceptional")
    return retraction(w, earlier)


@scenario("R-DISC-01")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    talk = w.services.personnel.admonish(
        CLERK, "A", on=date(2026, 1, 10), authority="县纪委", reason="作风问题"
    )
    w.appoint("A", date(2026, 4, 1), decided_on=date(2026, 3, 1))
    return retraction(w, talk.position)


@scenario("R-DISC-02")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    sanction = w.services.personnel.sanction(
        CLERK, "A", on=date(2026, 1, 10), kind="warning", authority="县监委", reason="违纪"
    )
    w.appoint("A", date(2026, 4, 1), decided_on=date(2026, 3, 1))
    return retraction(w, sanction.position)


@scenario("R-DISC-03")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    opened = w.services.personnel.open_investigation(
        CLERK, "A", opened_on=date(2026, 2, 1), authority="县监委"
    )
    w.services.personnel.transfer(CLERK, "A", to_unit="C2", effective_date=date(2026, 3, 1),
                                  approval=CITY)  # fmt: skip
    return retraction(w, opened.position)


@scenario("R-TRAIN-01")
def _(w: World) -> tuple[int | None, Correction]:
    recruited = w.cadre("A", date(2024, 12, 1))
    w.services.personnel.record_training(CLERK, "A", start_date=date(2025, 3, 3), days=11,
                                         topic="初任培训")  # fmt: skip
    return retraction(w, recruited)


@scenario("R-REV-01")
def _(w: World) -> tuple[int | None, Correction]:
    # In February, while the reviews of 2025 come in: judged once all five are recorded.
    w.clock.instant = noon(date(2026, 2, 10))
    ratings = ("excellent", "excellent", "competent", "competent", "competent")
    for n in range(len(ratings)):
        w.cadre(f"R{n}", date(2015, 7, 1))
    reviews = [
        w.services.personnel.record_review(CLERK, f"R{n}", year=2025, rating=rating).position
        for n, rating in enumerate(ratings)
    ]
    return retraction(w, reviews[1], "R1")


@scenario("R-DATA-02")
def _(w: World) -> tuple[int | None, Correction]:
    w.cadre("A", date(2015, 7, 1))
    return retraction(w, w.appoint("A", date(2026, 6, 1), unit="T2", post="N1", kind="lateral"))


@scenario("R-DATA-01")
def _(w: World) -> tuple[int | None, Correction]:
    return retraction(w, w.cadre("A", date(2026, 10, 1)))


def complaint(w: World, received: date, named: bool = True) -> str:
    reporter = {"name": "王某", "phone": "13900000000"} if named else None
    filed = w.services.complaints.file(
        "intake-li", category="作风", title="反映问题", body="某镇干部长期不在岗。",
        named=named, reporter=reporter, subject_units=["T1"], channel="letter",
        received_at=noon(received),
    )  # fmt: skip
    return filed.ids["complaint_id"]


@scenario("R-PET-01")
def _(w: World) -> tuple[int | None, Correction]:
    cid = complaint(w, date(2026, 11, 1))
    return None, lambda: w.services.complaints.accept(
        INSPECTOR, cid, on=date(2026, 11, 10), handler_unit="县纪委"
    )


@scenario("R-PET-02")
def _(w: World) -> tuple[int | None, Correction]:
    cid = complaint(w, date(2026, 8, 1))
    w.services.complaints.accept(INSPECTOR, cid, on=date(2026, 8, 5), handler_unit="县纪委")
    return None, lambda: w.services.complaints.conclude(
        INSPECTOR, cid, on=date(2026, 10, 1), finding="substantiated", summary="属实"
    )


@scenario("R-PET-03")
def _(w: World) -> tuple[int | None, Correction]:
    cid = complaint(w, date(2026, 8, 1))
    w.services.complaints.accept(INSPECTOR, cid, on=date(2026, 8, 5), handler_unit="县纪委")
    w.services.complaints.conclude(
        INSPECTOR, cid, on=date(2026, 10, 1), finding="substantiated", summary="属实"
    )
    return None, lambda: w.services.complaints.notify_reporter(
        INSPECTOR, cid, on=date(2026, 10, 12), method="电话"
    )


def test_every_rule_of_the_catalogue_has_a_scenario() -> None:
    from domain.rules import RULE_IDS

    assert set(SCENARIOS) == RULE_IDS


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
def test_a_correction_of_its_evidence_withdraws_the_finding(world: World, rule: str) -> None:
    _, evidence, correct = SCENARIOS[rule](world)
    raised = world.settle().finding(rule)
    assert raised["status"] == "open"
    if evidence is not None:
        assert evidence in raised["evidence"]
    correct()
    after = world.settle().findings(rule)
    assert [(f["finding_id"], f["status"]) for f in after] == [(raised["finding_id"], "withdrawn")]
    detail = world.supervision.reads.get(raised["finding_id"])
    assert [step["event"] for step in detail["history"]] == ["raised", "withdrawn"]
    assert "removed its basis" in detail["history"][-1]["reason"]
