"""Search documents from events: what each kind holds, and the version that makes writes idempotent.

A batch of (position, event) becomes one document per event (kind ``events``) and, per aggregate
the batch touched, the documents of its current state (cadre and its secondments, complaint,
finding) as of its last event in the batch. Every document's version is the store position it
reflects, and its content is a function of the aggregate's history up to that event only, so a
replay or a duplicate delivery writes the same document at the same version (refused as not
newer), and an old delivery never overwrites a newer one.

Nothing that identifies a complaint's reporter is indexed: not the sealed identity, not the
receipt's fingerprint, not the messages exchanged with the reporter.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from domain import cadre_events as ev
from domain import complaint as c
from domain import finding as f
from domain import unit as u
from domain.cadre import state_as_of
from domain.cadre_state import Secondment

CADRE, UNIT, COMPLAINT, FINDING = "cadre", "unit", "complaint", "finding"
_HEADER = {"originator_id", "originator_version", "originator_topic", "timestamp", "recorded_by"}
# Never indexed, not even in the stored source: they identify a complaint's reporter.
SEALED = {"reporter_sealed", "receipt_fingerprint"}
_NOT_DATA = _HEADER | SEALED
_SCALARS = {str, int, float, bool}
_PRIVATE_TEXT = (c.MessageToReporter, c.MessageFromReporter)
# Identifiers and codes that are data, not words an inspector searches for.
_NOT_TEXT = {"secondment_id", "dispatch_id", "investigation_id", "anchor", "kind", "level"}
_UNIT_FIELDS = (
    "unit", "to_unit", "from_unit", "host_unit", "home_unit", "village_unit", "handler_unit",
    "merged_into",
)  # fmt: skip


class HistorySource(Protocol):
    """The past of one aggregate (the event store, directly or through a source)."""

    def history(self, originator_id: UUID, upto_version: int) -> list[Any]:
        """The decoded events of one aggregate up to a version, in version order."""
        ...


@dataclass(frozen=True)
class Document:
    """One search document: its kind, id, version (a store position) and content."""

    kind: str
    id: str
    version: int
    source: dict[str, Any]


_FAMILIES: dict[type, str | None] = {}


def family(event: Any) -> str | None:
    """Which aggregate family an event belongs to (None: not indexed)."""
    cls = type(event)
    if cls not in _FAMILIES:
        _FAMILIES[cls] = (
            CADRE if issubclass(cls, ev.CadreEvent | ev.CadreRegistered)
            else UNIT if issubclass(cls, u.UnitEvent | u.UnitRegistered)
            else COMPLAINT if issubclass(cls, c.ComplaintEvent | c.ComplaintFiled)
            else FINDING if issubclass(cls, f.FindingEvent | f.FindingRaised)
            else None
        )  # fmt: skip
    return _FAMILIES[cls]


def plain(value: Any) -> Any:
    """A JSON-ready copy: dates as ISO text, ids as strings."""
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k not in SEALED}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value


def words(value: Any, skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Every non-blank string inside a value (dict keys in ``skip`` left out)."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        found = []
        for k, v in value.items():
            if k not in skip:
                if type(v) is str:
                    if v.strip():
                        found.append(v)
                elif isinstance(v, dict | list | tuple):
                    found += words(v, skip)
        return found
    if isinstance(value, list | tuple):
        return [w for v in value for w in words(v, skip)]
    return []


def _day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value.isoformat()) if isinstance(value, date) else str(value)[:10]


def _unique(values: Sequence[str | None]) -> list[str]:
    return list(dict.fromkeys(filter(None, values)))


def document(
    kind: str,
    doc_id: str,
    position: int,
    *,
    at: Any,
    text: Sequence[str],
    units: Sequence[str | None] = (),
    cadres: Sequence[str | None] = (),
    type: str | None = None,
    rules: Sequence[str] = (),
    retracted: bool = False,
    **fields: Any,
) -> Document:
    """A document with the fields every kind shares (filters, facets, sort, text)."""
    source = {
        "kind": kind, "id": doc_id, "uid": f"{kind}:{doc_id}", "position": position,
        "at": _day(at), "units": _unique(units), "cadres": _unique(cadres), "type": type,
        "rules": list(rules), "retracted": retracted, "text": _unique(text), **fields,
    }  # fmt: skip
    return Document(kind, doc_id, position, source)


class SearchDocuments:
    """Turns batches of events into documents; keeps recent aggregate histories in memory."""

    def __init__(self, source: HistorySource, cache_limit: int = 20_000) -> None:
        self.source = source
        self.cache_limit = cache_limit
        self._histories: OrderedDict[UUID, list[Any]] = OrderedDict()

    def build(self, batch: Sequence[tuple[int, Any]]) -> list[Document]:
        """The documents a batch writes, in order (an event's document before its state's)."""
        docs: list[Document] = []
        last: dict[UUID, tuple[int, Any, str]] = {}
        for position, event in batch:
            kind = family(event)
            if kind is None:
                continue
            history = self._upto(event)
            docs.append(event_document(position, event, kind, history))
            if isinstance(event, ev.EntryRetracted):
                docs.extend(self._retracted(position, event))
            seen = last.get(event.originator_id)
            if seen is None or event.originator_version > seen[1].originator_version:
                last[event.originator_id] = (position, event, kind)
        for position, event, kind in last.values():
            history = self._upto(event)
            if kind == CADRE:
                docs.extend(cadre_documents(position, history))
            elif kind == COMPLAINT:
                docs.append(complaint_document(position, history))
            elif kind == FINDING:
                docs.append(finding_document(position, history))
        return docs

    def _upto(self, event: Any) -> list[Any]:
        """The aggregate's history ending with ``event`` (appended to the cache when next)."""
        key, version = event.originator_id, event.originator_version
        cached = self._histories.get(key)
        if cached is not None:
            self._histories.move_to_end(key)
            if len(cached) >= version:
                return cached if len(cached) == version else cached[:version]
            if len(cached) == version - 1:
                cached.append(event)
                return cached
        # A gap (first sight, evicted, or delivered out of order): read the store.
        past = self.source.history(key, version - 1) if version > 1 else []
        loaded = [*past, event]
        self._histories[key] = loaded
        while len(self._histories) > self.cache_limit:
            self._histories.popitem(last=False)
        return loaded

    def _retracted(self, position: int, retraction: ev.EntryRetracted) -> list[Document]:
        """The voided event's document again, flagged, at the retraction's position."""
        key = retraction.originator_id
        cached = self._histories.get(key)
        if cached is not None and len(cached) >= retraction.retracted_version:
            history = cached[: retraction.retracted_version]
        else:
            history = self.source.history(key, retraction.retracted_version)
        if len(history) < retraction.retracted_version:
            return []
        voided = event_document(retraction.position, history[-1], CADRE, history)
        source = {
            **voided.source,
            "retracted": True,
            "retracted_by": position,
        }
        return [Document(voided.kind, voided.id, position, source)]


# -- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """What an event class contributes to its document (worked out once per class)."""

    name: str
    units: tuple[str, ...]  # its unit-valued fields
    private: bool  # its words are the reporter's or for the reporter: not indexed
    dated: bool  # a cadre event, with an effective date


_SHAPES: dict[type, _Shape] = {}


def _shape(cls: type) -> _Shape:
    shape = _SHAPES.get(cls)
    if shape is None:
        fields = {n for k in cls.__mro__ for n in getattr(k, "__annotations__", {})}
        shape = _SHAPES[cls] = _Shape(
            cls.__name__,
            tuple(f for f in _UNIT_FIELDS if f in fields),
            issubclass(cls, _PRIVATE_TEXT),
            issubclass(cls, ev.CadreEvent),
        )
    return shape


def event_document(position: int, event: Any, kind: str, history: list[Any]) -> Document:
    """One event as a document: its type, dates, subjects, units and words."""
    shape = _shape(type(event))
    data = {k: plain(v) for k, v in vars(event).items() if k not in _NOT_DATA}
    text = [] if shape.private else words(data, _NOT_TEXT)
    first = history[0]
    units: list[str | None] = [data.get(name) for name in shape.units]
    cadres: list[str | None] = []
    rules: list[str] = []
    effective: Any = None
    extra: dict[str, Any] = {}
    if kind == CADRE:
        effective = event.effective if shape.dated else None
        cadres.append(first.code)
        units.append(_home_unit(history))
        text = [first.name, first.code, *text]
        extra["cadre_name"] = first.name
    elif kind == UNIT:
        units += [first.code, first.parent]
        text = text if event.originator_version == 1 else [first.name, *text]
    elif kind == COMPLAINT:
        cadres += first.subject_cadres
        units += first.subject_units
        effective = getattr(event, "date", None) or getattr(event, "received_at", None)
        if shape.private:
            data.pop("text", None)
    elif kind == FINDING:
        rules.append(first.rule)
        (cadres if first.subject_kind == CADRE else units).append(first.subject_code)
    recorded = event.timestamp
    day = _day(effective)
    doc_id = str(position)
    source = {
        "kind": "events", "id": doc_id, "uid": "events:" + doc_id, "position": position,
        "at": day or _day(recorded), "units": _unique(units), "cadres": _unique(cadres),
        "type": shape.name, "rules": rules, "retracted": False, "text": _unique(text),
        "aggregate": kind, "aggregate_id": str(event.originator_id),
        "version": event.originator_version, "effective_date": day,
        "recorded_at": recorded.isoformat(), "recorded_by": getattr(event, "recorded_by", None),
        "data": data, **extra,
    }  # fmt: skip
    return Document("events", doc_id, position, source)


def _home_unit(history: list[Any]) -> str | None:
    # The home unit as recorded by this event (the latest recruitment or transfer before it).
    for event in reversed(history):
        cls = type(event)
        if cls is ev.Transferred:
            return str(event.to_unit)
        if cls is ev.Recruited:
            return str(event.unit)
    return None


# -- cadres and their secondments -------------------------------------------------------------


def cadre_documents(position: int, history: list[Any]) -> list[Document]:
    """A cadre's current state and each of its secondments (voided ones flagged retracted)."""
    registered, events = history[0], history[1:]
    state = state_as_of(registered, events, None)
    secondment = state.secondment()
    dispatch = state.dispatch()
    recruitment = plain(state.recruitment) if state.recruitment else None
    posts = [
        {"unit": unit, "post": post, "since": since.isoformat()}
        for (unit, post), since in sorted(state.posts.items())
    ]
    docs = [
        document(
            "cadres", registered.code, position,
            at=registered.timestamp, text=[registered.name, registered.code,
                                           registered.growth_place],
            units=[state.home_unit, *(p["unit"] for p in posts),
                   secondment.host_unit if secondment else None],
            cadres=[registered.code],
            code=registered.code, name=registered.name, gender=registered.gender,
            birth_date=plain(registered.birth_date), growth_place=registered.growth_place,
            status=state.status, home_unit=state.home_unit,
            recruited_on=recruitment["effective_date"] if recruitment else None,
            registered_at=plain(registered.timestamp), version=len(history),
            recruitment=recruitment, posts=posts,
            secondment=_secondment_fields(secondment) if secondment else None,
            dispatch=plain(vars(dispatch)) if dispatch else None,
        )
    ]  # fmt: skip
    for s in state.secondments.values():
        docs.append(secondment_document(position, registered, s))
    recorded = {e.secondment_id: e for e in events if isinstance(e, ev.Seconded)}
    for sid, seconded in recorded.items():
        if sid not in state.secondments:  # its Seconded event was retracted
            voided = Secondment(
                secondment_id=sid, home_unit=seconded.home_unit, host_unit=seconded.host_unit,
                home_level=seconded.home_level, host_level=seconded.host_level,
                start_date=seconded.start_date, planned_end_date=seconded.planned_end_date,
                purpose=seconded.purpose, approval=seconded.approval,
            )  # fmt: skip
            docs.append(secondment_document(position, registered, voided, retracted=True))
    return docs


def _secondment_fields(s: Secondment) -> dict[str, Any]:
    approval = s.approval or {}
    return {
        "secondment_id": s.secondment_id, "home_unit": s.home_unit, "home_level": s.home_level,
        "host_unit": s.host_unit, "host_level": s.host_level,
        "start_date": plain(s.start_date), "planned_end_date": plain(s.planned_end_date),
        "end_date": plain(s.end_date), "end_reason": s.end_reason,
        "ended_days": (s.end_date - s.start_date).days if s.end_date else None,
        "approval_level": approval.get("level"), "approved": bool(approval),
        "approval": plain(s.approval), "purpose": s.purpose, "extensions": len(s.extensions),
    }  # fmt: skip


def secondment_document(
    position: int, registered: Any, s: Secondment, *, retracted: bool = False
) -> Document:
    """One secondment: home and host unit and level, dates, approval, duration once ended."""
    approval = s.approval or {}
    return document(
        "secondments", s.secondment_id, position,
        at=s.start_date,
        text=[registered.name, registered.code, s.purpose, *words(approval, {"level"})],
        units=[s.home_unit, s.host_unit], cadres=[registered.code], retracted=retracted,
        cadre_code=registered.code, cadre_name=registered.name, **_secondment_fields(s),
    )  # fmt: skip


# -- complaints and findings ------------------------------------------------------------------


def complaint_document(position: int, history: list[Any]) -> Document:
    """A complaint's handling state (never its reporter, receipt or messages)."""
    filed: c.ComplaintFiled = history[0]
    received_on = filed.received_at.date()
    state: dict[str, Any] = {
        "status": "filed", "accepted_on": None, "decided_on": None, "concluded_on": None,
        "notified_on": None, "extension_days": 0, "handler_unit": None, "finding": None,
        "summary": None,
    }  # fmt: skip
    for event in history[1:]:
        if isinstance(event, c._Transition):
            state["status"] = event.to_state
        if isinstance(event, c.ComplaintAccepted | c.ComplaintDeclined | c.ComplaintForwarded):
            state["decided_on"] = event.date
        if isinstance(event, c.ComplaintAccepted):
            state.update(accepted_on=event.date, handler_unit=event.handler_unit)
        elif isinstance(event, c.ComplaintConcluded):
            state.update(concluded_on=event.date, finding=event.finding, summary=event.summary)
        elif isinstance(event, c.ReporterNotified):
            state["notified_on"] = event.date
        elif isinstance(event, c.ComplaintDeadlineExtended):
            state["extension_days"] = event.days
    decide_by = date.fromordinal(received_on.toordinal() + c.DECIDE_WITHIN_DAYS)
    accepted = state["accepted_on"]
    conclude_by = (
        date.fromordinal(
            accepted.toordinal() + c.CONCLUDE_WITHIN_DAYS + int(state["extension_days"])
        )
        if accepted
        else None
    )
    cid = str(filed.originator_id)
    return document(
        "complaints", cid, position,
        at=received_on, text=[filed.title, filed.body, filed.category, state["summary"] or ""],
        units=[*filed.subject_units, state["handler_unit"]], cadres=list(filed.subject_cadres),
        complaint_id=cid, category=filed.category, title=filed.title, body=filed.body,
        channel=filed.channel, named=filed.named, received_at=plain(filed.received_at),
        received_on=received_on.isoformat(), decide_by=decide_by.isoformat(),
        conclude_by=plain(conclude_by), subject_cadres=list(filed.subject_cadres),
        subject_units=list(filed.subject_units), version=len(history),
        **{k: plain(v) for k, v in state.items()},
    )  # fmt: skip


_FINDING_STATUS = {
    f.FindingReraised: "open", f.FindingWithdrawn: "withdrawn", f.FindingRemedied: "remedied",
    f.FindingAcknowledged: "acknowledged", f.FindingResolved: "resolved",
}  # fmt: skip


def finding_document(position: int, history: list[Any]) -> Document:
    """A finding: its rule, subject, evidence and where it stands."""
    raised: f.FindingRaised = history[0]
    status, resolution = "open", None
    evidence, details = list(raised.evidence), dict(raised.details)
    for event in history[1:]:
        status = _FINDING_STATUS.get(type(event), status)
        if isinstance(event, f.FindingReraised):
            evidence, details, resolution = list(event.evidence), dict(event.details), None
        elif isinstance(event, f.FindingResolved):
            resolution = event.resolution
    subject = raised.subject_code
    fid = str(raised.originator_id)
    return document(
        "findings", fid, position,
        at=raised.timestamp, text=[raised.rule, subject, *words(details)],
        units=[subject] if raised.subject_kind == UNIT else [],
        cadres=[subject] if raised.subject_kind == CADRE else [], rules=[raised.rule],
        finding_id=fid, rule=raised.rule, severity=raised.severity, status=status,
        resolution=resolution, subject_kind=raised.subject_kind, subject_code=subject,
        anchor=raised.anchor, evidence=evidence, details=plain(details),
        raised_at=plain(raised.timestamp), version=len(history),
    )  # fmt: skip
