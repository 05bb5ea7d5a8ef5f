"""A cadre's training days year by year (培训学时台账)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.auth import Statistician
from api.deps import Fresh, PlatformDep, cadre_in_scope
from api.schemas import PROBLEMS, Code, Day
from projections.reports.organisation import training_account

router = APIRouter(
    prefix="/api/v1/cadres",
    tags=["cadres"],
    responses=PROBLEMS,
    dependencies=[Depends(cadre_in_scope)],
)


class Course(BaseModel):
    """A course attended."""

    start_date: str
    days: int
    topic: str
    position: int = Field(description="the event recording it")


class TrainingYear(BaseModel):
    """One year's training days against the requirement."""

    year: int
    days: int
    required: int
    whole_year: bool = Field(description="in service from 1 January to 31 December")
    judged: bool = Field(description="a completed whole year R-TRAIN-01 judges")
    meets: bool
    courses: list[Course]


class TrainingAccount(BaseModel):
    """A cadre's training, year by year."""

    code: str
    name: str
    as_of: str
    years: list[TrainingYear]


@router.get("/{code}/training", dependencies=[Fresh], response_model=TrainingAccount)
def get_training(
    code: Code,
    who: Statistician,
    p: PlatformDep,
    as_of: Annotated[Day | None, Query(description="Up to this date (today).")] = None,
) -> dict[str, Any]:
    """The cadre's training days in each year of service, with its courses."""
    return training_account(p.supervision.evaluator, code, as_of or p.clock.today())
