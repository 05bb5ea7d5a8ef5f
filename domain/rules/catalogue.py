"""The rule catalogue (RULES.md) and its evaluation over one subject's history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from domain.errors import InvalidValue
from domain.rules import appointment as appt
from domain.rules import complaint_deadlines as pet
from domain.rules import data_quality as data
from domain.rules import discipline as disc
from domain.rules import secondment as sec
from domain.rules import team
from domain.rules import township as town
from domain.rules import training as train
from domain.rules.base import Candidate, Check, Evaluation, Rule
from domain.rules.career import Career
from domain.rules.history import CadreHistory, ComplaintHistory, UnitHistory
from domain.rules.parameters import RuleParameters
from domain.rules.team import UnitSubject
from domain.rules.unit_facts import CareerFacts

CADRE_CHECKS: tuple[tuple[Rule, Check], ...] = (
    (town.TOWN_01, town.transfer_within_ban),
    (town.TOWN_02, town.transfer_without_approval),
    (town.TOWN_03, town.promotion_before_service),
    (town.TOWN_05, town.left_early),
    (town.TOWN_06, town.no_village_stay),
    (sec.SEC_01, sec.unapproved),
    (sec.SEC_02, sec.open_ended),
    (sec.SEC_03, sec.recruit_too_soon),
    (sec.SEC_04, sec.too_long),
    (sec.SEC_05, sec.overdue),
    (sec.SEC_06, sec.again_too_soon),
    (sec.SEC_07, sec.upward),
    (appt.APPT_01, appt.public_notice),
    (appt.APPT_02, appt.procedure),
    (appt.APPT_03, appt.integrity_talk),
    (appt.APPT_04, appt.exceptional),
    (disc.DISC_01, disc.after_admonishment),
    (disc.DISC_02, disc.within_sanction),
    (disc.DISC_03, disc.under_investigation),
    (train.TRAIN_01, train.too_little_training),
    (data.DATA_01, data.late_entry),
    (data.DATA_02, data.post_outside_home),
)
UNIT_CHECKS: tuple[tuple[Rule, Check], ...] = (
    (team.TOWN_04, team.team_service),
    (train.REV_01, train.too_many_excellent),
)
COMPLAINT_CHECKS: tuple[tuple[Rule, Check], ...] = (
    (pet.PET_01, pet.undecided),
    (pet.PET_02, pet.unconcluded),
    (pet.PET_03, pet.unnotified),
    (data.DATA_01, pet.late_steps),
)
_ORDER = ("R-TOWN", "R-SEC", "R-APPT", "R-DISC", "R-PET", "R-TRAIN", "R-REV", "R-DATA")
CATALOGUE: tuple[Rule, ...] = tuple(
    sorted(
        {rule.id: rule for rule, _ in (*CADRE_CHECKS, *UNIT_CHECKS, *COMPLAINT_CHECKS)}.values(),
        key=lambda r: (_ORDER.index(r.id.rsplit("-", 1)[0]), r.id),
    )
)
RULE_IDS = frozenset(r.id for r in CATALOGUE)


def _run(checks: Iterable[tuple[Rule, Check]], e: Evaluation, subject: Any) -> list[Candidate]:
    found: dict[tuple[str, str, str, str], Candidate] = {}
    for rule, check in checks:
        if rule.id in e.params.disabled:
            continue
        for candidate in check(subject, e):
            found.setdefault(candidate.key, candidate)
    return sorted(found.values(), key=lambda c: c.key)


def evaluate_cadre(history: CadreHistory, e: Evaluation) -> list[Candidate]:
    """The findings that hold for a cadre's history on the evaluation date."""
    if not history:
        return []
    return _run(CADRE_CHECKS, e, Career.of(history, e.as_of))


def evaluate_unit(
    unit: UnitHistory,
    cadres: Sequence[CadreHistory],
    e: Evaluation,
    partners: Sequence[UnitHistory] = (),
) -> list[Candidate]:
    """The findings that hold for a unit, given the histories of the cadres linked to it and
    to the ``partners`` sharing its staff (each folded once, as of the evaluation date)."""
    careers = [CareerFacts.of(Career.of(c, e.as_of)) for c in cadres if c]
    return evaluate_unit_careers(unit, careers, e, partners)


def evaluate_unit_careers(
    unit: UnitHistory,
    careers: Sequence[CareerFacts],
    e: Evaluation,
    partners: Sequence[UnitHistory] = (),
) -> list[Candidate]:
    """:func:`evaluate_unit` over what the unit rules read of careers already folded as of
    the evaluation date."""
    if not unit:
        return []
    return _run(UNIT_CHECKS, e, UnitSubject(unit, tuple(p for p in partners if p), tuple(careers)))


def evaluate_complaint(history: ComplaintHistory, e: Evaluation) -> list[Candidate]:
    """The findings that hold for a complaint on the evaluation date."""
    handling = pet.Handling.of(history, e.as_of)
    if handling is None:
        return []
    return _run(COMPLAINT_CHECKS, e, handling)


def rule(rule_id: str) -> Rule:
    """The catalogue entry of an id."""
    for entry in CATALOGUE:
        if entry.id == rule_id:
            return entry
    raise KeyError(rule_id)


def check_parameters(params: RuleParameters) -> RuleParameters:
    """Refuse a rules file that switches off rules the catalogue does not have."""
    unknown = params.disabled - RULE_IDS
    if unknown:
        raise InvalidValue(f"it switches off unknown rules: {', '.join(sorted(unknown))}")
    return params


def describe(params: RuleParameters) -> list[dict[str, Any]]:
    """The catalogue with each rule's current parameters (``GET /rules``)."""
    settings = params.as_dict()
    return [
        {
            "id": r.id, "severity": r.severity, "subject": r.subject,
            "subjects": list(r.subjects), "summary": r.summary,
            "time_based": r.time_based, "enabled": r.id not in params.disabled,
            "parameters": settings[r.group],
        }
        for r in CATALOGUE
    ]  # fmt: skip
