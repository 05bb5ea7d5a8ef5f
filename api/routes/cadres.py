"""Cadres and every personnel action: clerks record them, every role reads them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field, StrictInt, StringConstraints, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth import AUTHENTICATION, Clerk, Lead, Principal, authenticated, require
from api.deps import (
    FreshReader,
    PlatformDep,
    Purpose,
    cadre_in_scope,
    fresh_read,
    purpose_header,
    record_read,
    short_read,
)
from api.ledger_marks import mark_timeline
from api.plain_route import NOT_PLAIN, plain_route
from api.responses import (
    CadreView,
    DispatchWritten,
    InvestigationWritten,
    SecondmentWritten,
    Timeline,
)
from api.routes.common import as_of_known_at
from api.schemas import (
    LINE,
    NON_BLANK_LINE,
    PROBLEMS,
    Approval,
    Body,
    Code,
    Command,
    Day,
    Instant,
    Line,
    LongLine,
    Name,
    Written,
    approval_value,
    written,
)

Discipline = Annotated[Principal, Depends(require("clerk", "inspector", "lead"))]
"""Discipline measures (诫勉, 处分, 立案): recorded by the organisation department's clerks or by
the discipline commission (inspectors, leads)."""
Recorder = Annotated[Principal, Depends(require("clerk", "inspector", "lead"))]
"""Whoever may record entries may retract (their own role's) or ask to retract (another's)."""

router = APIRouter(
    prefix="/api/v1/cadres",
    tags=["cadres"],
    responses=PROBLEMS,
    dependencies=[Depends(cadre_in_scope)],
)


PersonName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NON_BLANK_LINE)]
DocumentNo = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=LINE)]


class CadreCreate(Body):
    code: Code
    name: PersonName
    gender: Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=LINE)]
    birth_date: Day
    growth_place: Name | None = None


class Recruitment(Command):
    effective_date: Day
    unit: Code
    channel: Literal["exam", "selected_graduate", "targeted", "institution", "transfer_in"]
    probation_months: Annotated[StrictInt, Field(ge=0, le=24)] = 12


class Procedure(Body):
    preview_notice: Day | None = None
    democratic_evaluation: Day | None = None
    individual_talks: Day | None = None
    records_review: Day | None = None


class PublicNotice(Body):
    start: Day
    end: Day


class Appointment(Command):
    unit: Code
    post: Code
    effective_date: Day
    kind: Literal["promotion", "lateral", "exceptional", "trial"]
    decided_on: Day
    document_no: DocumentNo
    procedure: Procedure | None = None
    public_notice: PublicNotice | None = None
    integrity_talk: Day | None = None


class Removal(Command):
    post: Code
    unit: Code
    effective_date: Day
    reason: Line


class Transfer(Command):
    to_unit: Code
    effective_date: Day
    approval: Approval | None = None


class SecondmentStart(Command):
    host_unit: Code
    start_date: Day
    planned_end_date: Day | None = None
    purpose: Line = ""
    approval: Approval | None = None


class SecondmentExtension(Command):
    new_planned_end_date: Day
    decided_on: Day | None = None
    approval: Approval | None = None


class SecondmentEnd(Command):
    end_date: Day
    reason: Literal["completed", "recalled", "cleanup"]


class DispatchStart(Command):
    village_unit: Code
    role: Literal["first_secretary", "work_team"]
    start_date: Day
    planned_end_date: Day


class DispatchStop(Command):
    date: Day
    reason: Line = ""


class Admonishment(Command):
    date: Day
    authority: Name
    reason: LongLine


class Sanction(Command):
    date: Day
    kind: Literal[
        "warning", "demerit", "major_demerit", "demotion", "dismissal_from_post", "party_warning",
        "party_serious_warning", "removal_from_party_post", "party_probation", "expulsion",
    ]  # fmt: skip
    authority: Name
    reason: LongLine
    term_months: Literal[12, 24] | None = Field(
        default=None, description="留党察看's term (party_probation only): 12 or 24 months."
    )


class InvestigationOpen(Command):
    opened_on: Day
    authority: Name


class InvestigationClose(Command):
    closed_on: Day
    outcome: LongLine


class Review(Command):
    year: Annotated[StrictInt, Field(ge=1949, le=2200)]
    rating: Literal["excellent", "competent", "basically_competent", "incompetent"]


class Training(Command):
    start_date: Day
    days: Annotated[StrictInt, Field(ge=1, le=366)]
    topic: Name


class Departure(Command):
    effective_date: Day
    reason: Line
    kind: Literal["retirement", "resignation", "dismissal", "death", "other"] | None = Field(
        default=None, description="How the cadre left; when absent, read from the reason."
    )


class PriorService(Command):
    unit_name: Name
    unit_level: Literal["province", "city", "county", "township", "village"]
    from_date: Day
    to_date: Day = Field(description="The last day served.")
    source: Line = Field(description="Where it is written, e.g. 干部档案 and its page.")


class Probation(Command):
    effective_date: Day


class Retraction(Command):
    position: Annotated[StrictInt, Field(ge=1, le=2**62)]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NON_BLANK_LINE)]


def _fields(body: Command) -> dict[str, Any]:
    return body.model_dump(exclude={"expected_version"})


@router.post("", status_code=201, response_model=Written)
def register_cadre(body: CadreCreate, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """Open a cadre's record (409 when the personnel code is registered already)."""
    data = body.model_dump()
    data["growth_place"] = data["growth_place"] or ""
    return written(p.services.personnel.register_cadre(who, **data))


# The reads come first: a request is matched against the routes in order, and these are the
# most asked (no other route of this router has their paths).
async def get_cadre(
    request: Request,
    code: Code,
    reader: FreshReader,
    purpose: Purpose,
    as_of: Annotated[Day | None, Query(description="Effective-date cut-off.")] = None,
    known_at: Annotated[Instant | None, Query(description="Recorded-time cut-off.")] = None,
) -> dict[str, Any]:
    """A cadre's state, now or as of a date and as known at a time (the reading is logged)."""
    who, p = reader.who, reader.platform
    as_of, known_at = as_of_known_at(p, as_of, known_at)

    def read() -> dict[str, Any]:
        doc = p.reads.cadre(code, today=p.clock.today(), as_of=as_of, known_at=known_at)
        doc["open_findings"] = p.reads.open_findings("cadre", code)
        return doc

    if as_of is None and known_at is None:  # the current state: two indexed rows
        doc = await short_read(p, read)
    else:
        doc = await run_in_threadpool(read)  # travelling in time folds the cadre's events
    await record_read(request, p, who, f"cadre:{code}", purpose)
    return doc


_CODE: TypeAdapter[str] = TypeAdapter(Code)


async def _get_cadre_plainly(request: Request) -> Any:
    """GET a cadre without a query string or an X-Purpose header, its dependencies solved by
    hand in FastAPI's order (the router's scope check and its caller, then ``fresh_read``);
    anything else is left to FastAPI (``api.plain_route``). A dependency added to GET a cadre
    or to this router must be called here too and named in the route's ``calls``: the route
    refuses to be built until it is (tests/e2e/test_plain_read.py compares both handlers)."""
    code = request.path_params["code"]
    if request.scope["query_string"] or "x-purpose" in request.headers:
        return NOT_PLAIN
    try:
        _CODE.validate_python(code)
    except ValidationError:
        return NOT_PLAIN
    who = await authenticated(request)
    await cadre_in_scope(request, who)
    reader = await fresh_read(request)
    return await get_cadre(request, code, reader, await purpose_header(None))


router.add_api_route(
    "/{code}",
    get_cadre,
    methods=["GET"],
    response_model=CadreView,
    route_class_override=plain_route(
        _get_cadre_plainly, calls=[*AUTHENTICATION, cadre_in_scope, fresh_read, purpose_header]
    ),
)


@router.get("/{code}/timeline", response_model=Timeline)
async def get_timeline(
    request: Request,
    code: Code,
    reader: FreshReader,
    purpose: Purpose,
    as_of: Annotated[Day | None, Query(description="Effective-date cut-off.")] = None,
    known_at: Annotated[Instant | None, Query(description="Recorded-time cut-off.")] = None,
    include_retracted: bool = False,
) -> dict[str, Any]:
    """A cadre's events in effective-date order (position breaks ties; the reading is logged)."""
    who, p = reader.who, reader.platform
    as_of, known_at = as_of_known_at(p, as_of, known_at)
    timeline = await run_in_threadpool(
        lambda: mark_timeline(
            p,
            p.reads.timeline(
                code, as_of=as_of, known_at=known_at, include_retracted=include_retracted
            ),
        )
    )
    await record_read(request, p, who, f"cadre:{code}", purpose)
    return timeline


@router.post("/{code}/recruitment", status_code=201, response_model=Written)
def recruit(code: Code, body: Recruitment, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """录用 (a unit-scoped token recruits into its subtree, a cadre of its own or new)."""
    if who.unit is not None:
        p.scope.recruitment(who, code, body.unit)
    return written(
        p.services.personnel.recruit(
            who, code, expected_version=body.expected_version, **_fields(body)
        )
    )


@router.post("/{code}/probation", status_code=201, response_model=Written)
def complete_probation(code: Code, body: Probation, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """转正: the probation period ended."""
    return written(
        p.services.personnel.complete_probation(
            who, code, expected_version=body.expected_version, **_fields(body)
        )
    )


@router.post("/{code}/appointments", status_code=201, response_model=Written)
def appoint(code: Code, body: Appointment, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """任职 / 提拔."""
    data = _fields(body)
    data["procedure"] = data["procedure"] or {}
    return written(
        p.services.personnel.appoint(who, code, expected_version=body.expected_version, **data)
    )


@router.post("/{code}/removals", status_code=201, response_model=Written)
def remove(code: Code, body: Removal, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """免职."""
    return written(
        p.services.personnel.remove(
            who, code, expected_version=body.expected_version, **_fields(body)
        )
    )


@router.post("/{code}/transfers", status_code=201, response_model=Written)
def transfer(code: Code, body: Transfer, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """调动: a new home unit."""
    return written(
        p.services.personnel.transfer(
            who, code, to_unit=body.to_unit, effective_date=body.effective_date,
            approval=approval_value(body.approval), expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{code}/secondments", status_code=201, response_model=SecondmentWritten)
def second(code: Code, body: SecondmentStart, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """借调; the answer carries the new ``secondment_id``."""
    return written(
        p.services.personnel.second(
            who, code, host_unit=body.host_unit, start_date=body.start_date,
            planned_end_date=body.planned_end_date, purpose=body.purpose,
            approval=approval_value(body.approval), expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post(
    "/{code}/secondments/{secondment_id}/extension", status_code=201, response_model=Written
)
def extend_secondment(
    code: Code, secondment_id: Code, body: SecondmentExtension, who: Clerk, p: PlatformDep
) -> dict[str, Any]:
    """Extend the active secondment."""
    return written(
        p.services.personnel.extend_secondment(
            who, code, secondment_id, new_planned_end_date=body.new_planned_end_date,
            decided_on=body.decided_on, approval=approval_value(body.approval),
            expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{code}/secondments/{secondment_id}/end", status_code=201, response_model=Written)
def end_secondment(
    code: Code, secondment_id: Code, body: SecondmentEnd, who: Clerk, p: PlatformDep
) -> dict[str, Any]:
    """End the active secondment."""
    return written(
        p.services.personnel.end_secondment(
            who,
            code,
            secondment_id,
            expected_version=body.expected_version,
            **_fields(body),
        )
    )


@router.post("/{code}/dispatches", status_code=201, response_model=DispatchWritten)
def dispatch(code: Code, body: DispatchStart, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """派驻 / 驻村; the answer carries the new ``dispatch_id``."""
    return written(
        p.services.personnel.dispatch(
            who, code, expected_version=body.expected_version, **_fields(body)
        )
    )


@router.post("/{code}/dispatches/{dispatch_id}/recall", status_code=201, response_model=Written)
def recall_dispatch(
    code: Code, dispatch_id: Code, body: DispatchStop, who: Clerk, p: PlatformDep
) -> dict[str, Any]:
    """召回: end a dispatch early."""
    return written(
        p.services.personnel.end_dispatch(
            who, code, dispatch_id, on=body.date, reason=body.reason, recalled=True,
            expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{code}/dispatches/{dispatch_id}/end", status_code=201, response_model=Written)
def end_dispatch(
    code: Code, dispatch_id: Code, body: DispatchStop, who: Clerk, p: PlatformDep
) -> dict[str, Any]:
    """A dispatch ended as planned."""
    return written(
        p.services.personnel.end_dispatch(
            who, code, dispatch_id, on=body.date, reason=body.reason, recalled=False,
            expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{code}/admonishments", status_code=201, response_model=Written)
def admonish(code: Code, body: Admonishment, who: Discipline, p: PlatformDep) -> dict[str, Any]:
    """诫勉."""
    return written(
        p.services.personnel.admonish(
            who, code, on=body.date, authority=body.authority, reason=body.reason,
            expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{code}/sanctions", status_code=201, response_model=Written)
def sanction(code: Code, body: Sanction, who: Discipline, p: PlatformDep) -> dict[str, Any]:
    """处分."""
    return written(
        p.services.personnel.sanction(
            who, code, on=body.date, kind=body.kind, authority=body.authority,
            reason=body.reason, expected_version=body.expected_version,
        )
    )  # fmt: skip


@router.post("/{code}/investigations", status_code=201, response_model=InvestigationWritten)
def open_investigation(
    code: Code, body: InvestigationOpen, who: Discipline, p: PlatformDep
) -> dict[str, Any]:
    """立案审查; the answer carries the new ``investigation_id``."""
    return written(
        p.services.personnel.open_investigation(
            who, code, expected_version=body.expected_version, **_fields(body)
        )
    )


@router.post(
    "/{code}/investigations/{investigation_id}/close", status_code=201, response_model=Written
)
def close_investigation(
    code: Code, investigation_id: Code, body: InvestigationClose, who: Discipline, p: PlatformDep
) -> dict[str, Any]:
    """Close an open investigation."""
    return written(
        p.services.personnel.close_investigation(
            who,
            code,
            investigation_id,
            expected_version=body.expected_version,
            **_fields(body),
        )
    )


@router.post("/{code}/reviews", status_code=201, response_model=Written)
def record_review(code: Code, body: Review, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """年度考核."""
    return written(
        p.services.personnel.record_review(
            who, code, expected_version=body.expected_version, **_fields(body)
        )
    )


@router.post("/{code}/training", status_code=201, response_model=Written)
def record_training(code: Code, body: Training, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """A training course."""
    return written(
        p.services.personnel.record_training(
            who, code, expected_version=body.expected_version, **_fields(body)
        )
    )


@router.post("/{code}/departure", status_code=201, response_model=Written)
def depart(code: Code, body: Departure, who: Clerk, p: PlatformDep) -> dict[str, Any]:
    """The cadre left service."""
    return written(
        p.services.personnel.depart(
            who, code, expected_version=body.expected_version, **_fields(body)
        )
    )


@router.post("/{code}/prior-service", status_code=201, response_model=Written)
def record_prior_service(
    code: Code, body: PriorService, who: Clerk, p: PlatformDep
) -> dict[str, Any]:
    """Service before the platform, from the personnel file (counted by the service rules)."""
    return written(
        p.services.personnel.record_prior_service(
            who, code, expected_version=body.expected_version, **_fields(body)
        )
    )


@router.post("/{code}/retractions", status_code=201, response_model=Written)
def retract(code: Code, body: Retraction, who: Recorder, p: PlatformDep) -> dict[str, Any]:
    """更正: void one earlier event of this cadre (nothing is deleted). An event recorded under
    another role than the caller's is 409: ask a lead (``/retraction-requests``)."""
    return written(
        p.services.personnel.retract(
            who, code, expected_version=body.expected_version, **_fields(body)
        )
    )


class RetractionAsk(Body):
    """Which entry to retract, and why."""

    position: Annotated[StrictInt, Field(ge=1, le=2**62)]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NON_BLANK_LINE)]


class RetractionAsked(Written):
    """The request made: approve it with its ``request_id``."""

    request_id: str


@router.post("/{code}/retraction-requests", status_code=201, response_model=RetractionAsked)
def request_retraction(
    code: Code, body: RetractionAsk, who: Recorder, p: PlatformDep
) -> dict[str, Any]:
    """Ask a lead to approve retracting an entry (needed for one recorded under another role)."""
    return written(
        p.services.personnel.request_retraction(
            who, code, position=body.position, reason=body.reason
        )
    )


@router.post(
    "/{code}/retraction-requests/{request_id}/approve", status_code=201, response_model=Written
)
def approve_retraction(
    code: Code, request_id: Annotated[str, Path(max_length=64)], body: Command, who: Lead,
    p: PlatformDep,
) -> dict[str, Any]:  # fmt: skip
    """A lead, not the asker, approves: the entry is retracted (by the asker, approved by the
    lead) and the approval kept with it."""
    return written(
        p.services.personnel.approve_retraction(
            who, code, request_id, expected_version=body.expected_version
        )
    )
