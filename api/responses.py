"""Response bodies of the reads (API.md), so the OpenAPI document describes every field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from api.schemas import Written

Instant = Annotated[str, Field(json_schema_extra={"format": "date-time"})]  # RFC 3339, zoned


class Health(BaseModel):
    """The process is up."""

    status: Literal["ok"]


class Readiness(BaseModel):
    """Whether the event store and read models answer (the failing parts when not), and the
    parts whose failure leaves the API serving with less (the search engine)."""

    status: Literal["ready", "degraded", "unavailable"]
    failing: dict[str, str] | None = Field(default=None, description="part -> error name")
    degraded: dict[str, str] | None = Field(
        default=None, description="part -> why it does not answer (ready all the same)"
    )


class ProjectionLag(BaseModel):
    """How far one projection has applied the store."""

    position: int
    lag: int


class PartitionLag(BaseModel):
    """One partition of the event topic, for one consumer group."""

    end: int
    committed: int
    lag: int


class GroupLag(BaseModel):
    """A consumer group's lag: end offsets minus its committed offsets, in messages."""

    offsets: Literal["views", "kafka"] = Field(
        description="where the committed offsets come from: the views database, where a "
        "group stores them with (or right after) its effect; Kafka, for the ledger's integrator "
        "(its effect is in the event store's ledger tables, the topic only wakes it)"
    )
    lag: int
    partitions: dict[str, PartitionLag]


class TransportStatus(BaseModel):
    """The Kafka transport: the relay's and each consumer group's lag (or why it is unknown)."""

    topic: str
    error: str | None = None
    relay: ProjectionLag | None = None
    groups: dict[str, GroupLag] | None = None


class LedgerCheckpoint(BaseModel):
    """The latest signed checkpoint."""

    size: int
    signed_at: str
    cosignatures: int


class LedgerStatus(BaseModel):
    """The audit ledger: its leaves, how far behind the store it is, its latest checkpoint."""

    size: int = Field(description="leaves (events) in the tree")
    position: int = Field(description="position of the last event appended")
    lag: int = Field(description="events stored but not appended yet")
    checkpoint: LedgerCheckpoint | None


class PlatformStatus(BaseModel):
    """The store's position, and the position record and lag of everything that follows the
    log (each read model, the search index, the supervision process), in either transport."""

    position: int
    projections: dict[str, ProjectionLag]
    mode: Literal["embedded", "distributed"]
    consumers: TransportStatus | None = Field(
        default=None, description="present when a Kafka broker is configured"
    )
    ledger: LedgerStatus | None = Field(default=None, description="the audit ledger")


# -- what commands wrote --------------------------------------------------------------------


class SecondmentWritten(Written):
    """A secondment began."""

    secondment_id: str


class DispatchWritten(Written):
    """A dispatch began."""

    dispatch_id: str


class InvestigationWritten(Written):
    """An investigation was opened."""

    investigation_id: str


# -- units ----------------------------------------------------------------------------------


class UnitPost(BaseModel):
    """A post of a unit and its holders (as of the requested date)."""

    code: str
    title: str
    category: Literal["leadership", "non_leadership"]
    team_member: bool
    principal: bool
    quota: int = Field(description="职数: how many cadres may hold the post at once")
    holders: list[str] = Field(description="cadre codes, in code order")
    holder: str | None = Field(
        description="the first of ``holders`` (kept for clients of one holder per post)"
    )
    over_quota: bool = Field(description="more holders than the quota (超职数配备)")


class UnitView(BaseModel):
    """A unit with its posts and holders, and the cadres seconded in and out."""

    code: str
    name: str
    level: Literal["province", "city", "county", "township", "village"]
    kind: Literal[
        "party_committee", "government", "department", "institution", "dispatched_office",
        "village_committee", "community",
    ]  # fmt: skip
    parent: str | None
    joint_with: str | None = Field(default=None, description="the unit it shares staff with (合署)")
    abolished_on: date | None = None
    posts: list[UnitPost]
    seconded_in: list[str] = Field(description="cadre codes")
    seconded_out: list[str] = Field(description="cadre codes")
    version: int


class TeamPost(BaseModel):
    """A team-member post a person holds."""

    unit: str
    post: str


class TeamMember(BaseModel):
    """One person on a township team, however many team posts they hold."""

    code: str
    name: str
    posts: list[TeamPost]
    township_years: float = Field(description="township service, years (one decimal)")
    experienced: bool = Field(description="2 years of township service or more (R-TOWN-04)")
    service_reached_on: date | None


class TeamFigures(BaseModel):
    """People on the team, those with enough township service, and the target."""

    experienced: int
    total: int
    share: float
    target: str = Field(description="the rules file's township.team_share, e.g. 2/3")
    meets_target: bool


class TownshipTeam(TeamFigures):
    """A township's leadership team (领导班子), counted in people."""

    unit: str
    name: str
    level: Literal["township"]
    units: list[str] = Field(description="the township's units sharing one staff (合署)")
    as_of: date
    members: list[TeamMember]


class AreaTownship(TeamFigures):
    """One township's figures in an area's statistics."""

    unit: str
    name: str


class AreaTeams(TeamFigures):
    """The teams of every township under a county, city or province, and their sums."""

    unit: str
    name: str
    level: Literal["province", "city", "county"]
    as_of: date
    townships: list[AreaTownship]
    townships_short: int


# -- cadres ---------------------------------------------------------------------------------


class RecruitmentView(BaseModel):
    """How and where the cadre was recruited (录用)."""

    unit: str
    unit_level: str
    effective_date: date
    channel: str
    probation_months: int
    probation_completed: date | None = None


class HeldPost(BaseModel):
    """A post the cadre holds."""

    unit: str
    post: str
    since: date


class ActiveSecondment(BaseModel):
    """The cadre's active secondment (借调)."""

    secondment_id: str
    host_unit: str
    start_date: date
    planned_end_date: date | None


class ActiveDispatch(BaseModel):
    """The cadre's active dispatch (派驻 / 驻村)."""

    dispatch_id: str
    village_unit: str
    role: Literal["first_secretary", "work_team"]
    start_date: date
    planned_end_date: date


class CadreView(BaseModel):
    """A cadre's state, now or as of a date and as known at a time."""

    code: str
    name: str
    home_unit: str | None
    status: Literal["active", "departed"]
    recruitment: RecruitmentView | None
    posts: list[HeldPost]
    secondment: ActiveSecondment | None
    dispatch: ActiveDispatch | None
    open_findings: list[str] = Field(description="finding ids")
    version: int


class LedgerReach(BaseModel):
    """How far the audit ledger's latest signed checkpoint reaches."""

    size: int = Field(description="the events (leaves) the latest checkpoint covers")
    position: int = Field(description="the global position of the last event it covers")


class TimelineEvent(BaseModel):
    """One recorded event of a cadre."""

    position: int = Field(description="global position in the event store")
    type: str
    effective_date: date | None
    recorded_at: Instant
    recorded_by: str = Field(description="the subject of the token that recorded it")
    data: dict[str, Any]
    retracted: bool
    included_in_checkpoint: bool | None = Field(
        None, description="whether the audit ledger's latest signed checkpoint covers it"
    )


class Timeline(BaseModel):
    """A cadre's events in effective-date order (position breaks ties)."""

    code: str
    events: list[TimelineEvent]
    checkpoint: LedgerReach | None = Field(
        None, description="the audit ledger's latest signed checkpoint (null before the first)"
    )
