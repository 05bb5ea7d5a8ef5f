"""Findings (问题线索): raised by the supervision process, worked by inspectors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from domain.clock import FixedClock
from domain.errors import InvariantViolated
from domain.finding import Finding
from domain.ids import finding_id
from domain.store import Store
from domain.values import Recording
from tests.support.domain import Refusal

SUPERVISOR = "supervision"
INSPECTOR = "inspector-wang"
WAIVER = {"level": "county", "authority": "县委组织部", "document_no": "县组〔2026〕3号"}


class Findings:
    """Drives Finding aggregates over the real store, as the supervision process does."""

    def __init__(self, store: Store, clock: FixedClock) -> None:
        self.store, self.clock = store, clock

    def ctx(self, by: str) -> Recording:
        return Recording(by=by, at=self.clock.now(), today=self.clock.today())

    def raise_(self, anchor: str = "sec-1") -> Finding:
        finding = Finding.raise_(
            self.ctx(SUPERVISOR), rule="R-SEC-01", severity="high", subject_kind="cadre",
            subject_code="A001", anchor=anchor, evidence=[3, 5], details={"days": 200},
        )  # fmt: skip
        self.store.commit(finding)
        return self.load(finding)

    def load(self, finding: Finding) -> Finding:
        return self.store.load(Finding, finding.id, "finding")

    def act(self, finding: Finding, action: str, by: str = INSPECTOR, **kw: Any) -> Finding:
        fresh = self.load(finding)
        getattr(fresh, action)(self.ctx(by), **kw)
        self.store.commit(fresh)
        return self.load(finding)


@pytest.fixture
def findings(store: Store, clock: FixedClock) -> Findings:
    return Findings(store, clock)


def test_a_finding_is_raised_open_with_its_evidence_under_a_stable_id(findings: Findings) -> None:
    finding = findings.raise_()
    assert finding.id == finding_id("R-SEC-01", "cadre:A001", "sec-1")
    assert (finding.status, finding.holds, finding.resolution) == ("open", True, None)
    assert (finding.evidence, finding.details) == ([3, 5], {"days": 200})


def test_a_waiver_needs_an_approval(findings: Findings, refused: Refusal) -> None:
    finding = findings.raise_()
    for missing in (None, {}):
        with refused(InvariantViolated, match="waiver needs an approval"):
            findings.act(finding, "resolve", resolution="waived", note="特批", approval=missing)
    resolved = findings.act(finding, "resolve", resolution="waived", note="特批", approval=WAIVER)
    assert (resolved.status, resolved.resolution, resolved.holds) == ("resolved", "waived", False)


def test_a_resolution_outside_the_vocabulary_is_refused(
    findings: Findings, refused: Refusal
) -> None:
    finding = findings.raise_()
    with refused(InvariantViolated, match="resolution must be one of"):
        findings.act(finding, "resolve", resolution="ignored", note="", approval=None)


def test_a_finding_is_acknowledged_once(findings: Findings, refused: Refusal) -> None:
    finding = findings.act(findings.raise_(), "acknowledge", note="已交办")
    assert (finding.status, finding.holds) == ("acknowledged", True)
    with refused(InvariantViolated, match="only an open finding"):
        findings.act(finding, "acknowledge", note="again")


def test_a_withdrawn_finding_is_reraised_with_new_evidence(
    findings: Findings, refused: Refusal
) -> None:
    finding = findings.act(findings.raise_(), "withdraw", by=SUPERVISOR, reason="借调记录已更正")
    assert (finding.status, finding.holds) == ("withdrawn", False)
    with refused(InvariantViolated, match="finding is withdrawn"):
        findings.act(finding, "withdraw", by=SUPERVISOR, reason="again")
    with refused(InvariantViolated, match="withdrawn already"):
        findings.act(finding, "resolve", resolution="false_positive", note="", approval=None)

    again = findings.act(finding, "reraise", by=SUPERVISOR, evidence=[9], details={"days": 400})
    assert (again.status, again.evidence, again.details) == ("open", [9], {"days": 400})


def test_a_remedied_finding_may_be_reraised_or_resolved(findings: Findings) -> None:
    finding = findings.act(findings.raise_(), "remedy", by=SUPERVISOR, on=date(2026, 11, 20))
    assert (finding.status, finding.holds) == ("remedied", False)
    again = findings.act(finding, "reraise", by=SUPERVISOR, evidence=[11], details={})
    assert again.status == "open"
    remedied = findings.act(again, "remedy", by=SUPERVISOR, on=date(2026, 11, 25))
    resolved = findings.act(
        remedied, "resolve", resolution="remedied", note="已返岗", approval=None
    )
    assert (resolved.status, resolved.resolution) == ("resolved", "remedied")


Act = Callable[[Findings, Finding], Finding]

AFTER_RESOLUTION: dict[str, Act] = {
    "acknowledge": lambda f, x: f.act(x, "acknowledge", note="n"),
    "withdraw": lambda f, x: f.act(x, "withdraw", by=SUPERVISOR, reason="r"),
    "remedy": lambda f, x: f.act(x, "remedy", by=SUPERVISOR, on=date(2026, 11, 20)),
    "resolve": lambda f, x: f.act(
        x, "resolve", resolution="false_positive", note="", approval=None
    ),
    "reraise": lambda f, x: f.act(x, "reraise", by=SUPERVISOR, evidence=[1], details={}),
}


@pytest.mark.parametrize("action", AFTER_RESOLUTION.values(), ids=AFTER_RESOLUTION.keys())
def test_a_resolved_finding_takes_no_further_step(
    findings: Findings, refused: Refusal, action: Act
) -> None:
    finding = findings.act(
        findings.raise_(), "resolve", resolution="false_positive", note="误报", approval=None
    )
    with refused(InvariantViolated):
        action(findings, finding)


def test_an_open_finding_is_not_reraised(findings: Findings, refused: Refusal) -> None:
    finding = findings.raise_()
    with refused(InvariantViolated, match="not withdrawn or remedied"):
        findings.act(finding, "reraise", by=SUPERVISOR, evidence=[1], details={})


def test_finding_events_record_who_and_when(findings: Findings, store: Store) -> None:
    finding = findings.raise_()
    findings.clock.advance(hours=2)
    findings.act(finding, "acknowledge", note="已交办")
    raised, acknowledged = store.events.get(finding.id)
    assert (raised.recorded_by, acknowledged.recorded_by) == (SUPERVISOR, INSPECTOR)
    assert acknowledged.timestamp == findings.clock.now() != raised.timestamp
