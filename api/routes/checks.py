"""Pre-decision checks: what recording a proposed action would raise, before it is decided."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Statistician
from api.deps import Fresh, PlatformDep
from api.routes.cadres import (
    Appointment,
    Departure,
    SecondmentExtension,
    SecondmentStart,
    Transfer,
)
from api.schemas import PROBLEMS, Body, Code, approval_value
from domain.errors import NotFound

router = APIRouter(prefix="/api/v1/checks", tags=["checks"], responses=PROBLEMS)


class ProposedTransfer(Transfer):
    type: Literal["transfer"]


class ProposedSecondment(SecondmentStart):
    type: Literal["secondment"]


class ProposedAppointment(Appointment):
    type: Literal["appointment"]


class ProposedExtension(SecondmentExtension):
    type: Literal["extension"]
    secondment_id: Code


class ProposedDeparture(Departure):
    type: Literal["departure"]


Proposed = Annotated[
    ProposedTransfer | ProposedSecondment | ProposedAppointment | ProposedExtension
    | ProposedDeparture,
    Field(discriminator="type"),
]  # fmt: skip


class CheckRequest(Body):
    cadre: Code
    action: Proposed


class WouldRaise(BaseModel):
    """A finding recording the action would raise."""

    rule: str
    severity: str
    subject: dict[str, str]
    details: dict[str, Any]


class CheckAnswer(BaseModel):
    """What recording the action would raise (nothing was written)."""

    cadre: str
    action: str
    as_of: str = Field(description="the date judged: today, or the action's date if later")
    would_record: list[str] = Field(description="the event types the command would record")
    would_raise: list[WouldRaise]


def _fields(action: BaseModel) -> dict[str, Any]:
    """The command's arguments, as its route passes them."""
    fields = action.model_dump(exclude={"type", "expected_version"})
    if "approval" in fields:
        fields["approval"] = approval_value(getattr(action, "approval", None))
    if "procedure" in fields:
        fields["procedure"] = fields["procedure"] or {}
    return fields


@router.post("", response_model=CheckAnswer, dependencies=[Fresh])
def check(body: CheckRequest, who: Statistician, p: PlatformDep) -> dict[str, Any]:
    """What recording a proposed transfer, secondment, appointment, extension or departure of a
    cadre would raise (the same rules over the history plus the proposed events). Writes
    nothing; a proposal that breaks an invariant is 409, as recording it would be.
    ``?min_position=`` waits for the read models (the units and the cadres linked to them).
    A unit-scoped token checks the cadres within its subtree (any other is not found) and is
    told the findings about what lies within it."""
    scope = p.scope.of(who)
    if scope is not None and not scope.cadre(body.cadre):
        raise NotFound(f"cadre {body.cadre} not found")
    answer = p.checks.check(who, body.cadre, body.action.type, _fields(body.action))
    if scope is not None:
        answer["would_raise"] = [f for f in answer["would_raise"] if scope.finding(f)]
    return answer
