"""CadreState to and from JSON-ready dicts (the careers view keeps the fold between events)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.cadre_state import CadreState, Dispatch, Secondment


def _iso(value: Any) -> Any:
    # Exact types first: this runs for every field of every fold a rebuild writes.
    kind = type(value)
    if value is None or kind is str or kind is int:
        return value
    if kind is date:
        return value.isoformat()
    if kind is dict:
        return {k: v if v is None or type(v) is str else _iso(v) for k, v in value.items()}
    if kind is list:
        return [_iso(v) for v in value]
    if isinstance(value, str | int):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def secondment_doc(s: Secondment) -> dict[str, Any]:
    """A secondment as JSON-ready data."""
    return {
        "secondment_id": s.secondment_id,
        "home_unit": s.home_unit,
        "host_unit": s.host_unit,
        "home_level": s.home_level,
        "host_level": s.host_level,
        "start_date": s.start_date.isoformat(),
        "planned_end_date": _iso(s.planned_end_date),
        "purpose": s.purpose,
        "approval": s.approval,
        "extensions": _iso(s.extensions),
        "end_date": _iso(s.end_date),
        "end_reason": s.end_reason,
    }


def dispatch_doc(d: Dispatch) -> dict[str, Any]:
    """A dispatch as JSON-ready data."""
    return {
        "dispatch_id": d.dispatch_id,
        "village_unit": d.village_unit,
        "role": d.role,
        "start_date": d.start_date.isoformat(),
        "planned_end_date": d.planned_end_date.isoformat(),
        "end_date": _iso(d.end_date),
        "end_reason": d.end_reason,
    }


def encode(state: CadreState, secondments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """JSON-ready form of a fold (``secondments``: its secondments' documents, when the caller
    made them already)."""
    if secondments is None:
        secondments = [secondment_doc(s) for s in state.secondments.values()]
    return {
        "code": state.code,
        "name": state.name,
        "status": state.status,
        "recruitment": _iso(state.recruitment),
        "home_unit": state.home_unit,
        "home_level": state.home_level,
        "posts": [[u, p, d.isoformat()] for (u, p), d in state.posts.items()],
        "secondments": secondments,
        "active_secondment": state.active_secondment,
        "dispatches": [dispatch_doc(d) for d in state.dispatches.values()],
        "active_dispatch": state.active_dispatch,
        "open_investigations": _iso(state.open_investigations),
        "departed_on": _iso(state.departed_on),
    }


def decode(doc: dict[str, Any]) -> CadreState:
    """The fold back from its JSON-ready form."""
    recruitment = doc["recruitment"]
    if recruitment:
        recruitment = dict(recruitment)
        recruitment["effective_date"] = _day(recruitment["effective_date"])
        recruitment["probation_completed"] = _day(recruitment.get("probation_completed"))
    secondments = {}
    for s in doc["secondments"]:
        extensions = [
            {
                **x,
                "decided_on": _day(x["decided_on"]),
                "new_planned_end_date": _day(x["new_planned_end_date"]),
            }
            for x in s["extensions"]
        ]
        secondments[s["secondment_id"]] = Secondment(
            **{
                **s,
                "start_date": _day(s["start_date"]),
                "planned_end_date": _day(s["planned_end_date"]),
                "end_date": _day(s["end_date"]),
                "extensions": extensions,
            }
        )
    dispatches = {
        d["dispatch_id"]: Dispatch(
            **{
                **d,
                "start_date": _day(d["start_date"]),
                "planned_end_date": _day(d["planned_end_date"]),
                "end_date": _day(d["end_date"]),
            }
        )
        for d in doc["dispatches"]
    }
    return CadreState(
        code=doc["code"],
        name=doc["name"],
        status=doc["status"],
        recruitment=recruitment,
        home_unit=doc["home_unit"],
        home_level=doc.get("home_level"),
        posts={(u, p): date.fromisoformat(d) for u, p, d in doc["posts"]},
        secondments=secondments,
        active_secondment=doc["active_secondment"],
        dispatches=dispatches,
        active_dispatch=doc["active_dispatch"],
        open_investigations={
            k: date.fromisoformat(v) for k, v in doc["open_investigations"].items()
        },
        departed_on=_day(doc["departed_on"]),
    )
