"""Read queries over the view tables, shaped as the API answers them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.cadre_state import CadreState
from domain.errors import HistoryBroken, NotFound
from domain.ids import cadre_id, unit_id
from domain.store import Store
from projections import cadre_codec, time_travel
from projections.careers import event_data
from projections.registry import TABLES
from projections.sql import SqlViews


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def cadre_doc(state: CadreState, version: int) -> dict[str, Any]:
    """A cadre's state as the API shows it."""
    secondment = state.secondment()
    dispatch = state.dispatch()
    return {
        "code": state.code,
        "name": state.name,
        "home_unit": state.home_unit,
        "status": state.status,
        "recruitment": cadre_codec._iso(state.recruitment),
        "posts": [
            {"unit": u, "post": p, "since": d.isoformat()}
            for (u, p), d in sorted(state.posts.items())
        ],
        "secondment": None
        if secondment is None
        else {
            "secondment_id": secondment.secondment_id,
            "host_unit": secondment.host_unit,
            "start_date": secondment.start_date.isoformat(),
            "planned_end_date": cadre_codec._iso(secondment.planned_end_date),
        },
        "dispatch": None
        if dispatch is None
        else {
            "dispatch_id": dispatch.dispatch_id,
            "village_unit": dispatch.village_unit,
            "role": dispatch.role,
            "start_date": dispatch.start_date.isoformat(),
            "planned_end_date": dispatch.planned_end_date.isoformat(),
        },
        "version": version,
    }


def _post_doc(post: dict[str, Any], holders: list[str]) -> dict[str, Any]:
    quota = int(post.get("quota") or 1)
    return {
        "code": post["code"],
        "title": post["title"],
        "category": post["category"],
        "team_member": bool(post["team_member"]),
        "principal": bool(post["principal"]),
        "quota": quota,
        "holders": holders,
        "holder": holders[0] if holders else None,
        "over_quota": len(holders) > quota,
    }


def _timeline_order(entry: dict[str, Any]) -> tuple[str, int]:
    # Registration opens the timeline; retractions stand on the day they were recorded.
    if entry["type"] == "CadreRegistered":
        return ("", entry["position"])
    return (entry["effective_date"] or entry["recorded_at"][:10], entry["position"])


FOLDS_KEPT = 1024
"""How many folds of a cadre's events ``ReadModels`` keeps (the least recently asked go)."""

Fold = tuple[CadreState, int]


@dataclass
class ReadModels:
    """Answers reads from the views, falling back to the events for time travel."""

    views: SqlViews
    store: Store
    folds_kept: int = FOLDS_KEPT
    _folds: OrderedDict[tuple[str, int, date, datetime | None], Fold] = field(
        default_factory=OrderedDict, init=False, repr=False
    )
    _folds_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        # Every view table exists before the first read, even before any event was applied.
        self.views.ensure(list(TABLES.values()))

    # -- cadres ---------------------------------------------------------------------------

    def cadre(
        self, code: str, *, today: date, as_of: date | None = None, known_at: datetime | None = None
    ) -> dict[str, Any]:
        """Current state from the view; from the events when travelling in time."""
        rows = self.views.query("SELECT * FROM cadres WHERE cadre_id = ?", [str(cadre_id(code))])
        if not rows:
            raise NotFound(f"cadre {code} not found")
        row = self.views._decode(self.views_table("cadres"), rows)[0]
        scheduled = date.fromisoformat(row["state"]["last_key"][0]) > today
        if as_of is None and known_at is None and not scheduled:
            return cadre_doc(cadre_codec.decode(row["state"]), row["version"])
        return cadre_doc(*self._fold(code, as_of or today, known_at))

    def _fold(self, code: str, as_of: date, known_at: datetime | None) -> Fold:
        """``time_travel.cadre_state``, kept by the version of the cadre's last recorded event
        (one indexed row to read): a cadre's events are only ever appended, so the same last
        version means the same events and the same fold. A cadre whose latest event takes
        effect after today is folded on every current read (the view holds its state as of
        that event), so the same fold was asked again and again."""
        key = (code, self.store.version(cadre_id(code)), as_of, known_at)
        with self._folds_lock:
            kept = self._folds.get(key)
            if kept is not None:
                self._folds.move_to_end(key)
                return kept
        fold = time_travel.cadre_state(self.store, code, as_of=as_of, known_at=known_at)
        with self._folds_lock:
            self._folds[key] = fold
            if len(self._folds) > self.folds_kept:
                self._folds.popitem(last=False)
        return fold

    def timeline(
        self,
        code: str,
        *,
        as_of: date | None = None,
        known_at: datetime | None = None,
        include_retracted: bool = False,
    ) -> dict[str, Any]:
        """A cadre's events in effective-date order (position breaks ties)."""
        rows = self.views.query(
            "SELECT * FROM timeline WHERE cadre_id = ? ORDER BY position", [str(cadre_id(code))]
        )
        rows = self.views._decode(self.views_table("timeline"), rows)
        if known_at is not None:
            rows = [r for r in rows if _instant(r["recorded_at"]) <= known_at]
        if not rows:
            raise NotFound(f"cadre {code} not found")
        stored = {e.originator_version: e for e in self.store.history(cadre_id(code))}
        events = []
        for r in rows:
            effective = _day(r["effective_date"])
            if as_of is not None and effective is not None and effective > as_of:
                continue
            retracted = r["retracted_at"] is not None and (
                known_at is None or _instant(r["retracted_at"]) <= known_at
            )
            if (retracted or r["type"] == "EntryRetracted") and not include_retracted:
                continue
            if r["version"] not in stored:
                raise HistoryBroken(cadre_id(code), r["version"])
            events.append(
                {
                    "position": r["position"],
                    "type": r["type"],
                    "effective_date": r["effective_date"],
                    "recorded_at": r["recorded_at"],
                    "recorded_by": r["recorded_by"],
                    "data": event_data(vars(stored[r["version"]])),
                    "retracted": retracted,
                }
            )
        events.sort(key=_timeline_order)
        return {"code": code, "events": events}

    # -- units ----------------------------------------------------------------------------

    def unit(
        self, code: str, *, today: date, as_of: date | None = None, known_at: datetime | None = None
    ) -> dict[str, Any]:
        """A unit with its posts, their holders, and cadres seconded in and out."""
        rows = self.views.query("SELECT * FROM units WHERE unit_id = ?", [str(unit_id(code))])
        if not rows:
            raise NotFound(f"unit {code} not found")
        unit = self.views._decode(self.views_table("units"), rows)[0]
        posts = self.views.query("SELECT * FROM posts WHERE unit = ? ORDER BY code", [code])
        if as_of is None and known_at is None:
            holders: dict[str, list[str]] = {}
            for r in self.views.query(
                "SELECT * FROM holdings WHERE unit = ? ORDER BY cadre_code", [code]
            ):
                holders.setdefault(r["post"], []).append(r["cadre_code"])
            seconded_in = self._active_secondments("host_unit", code)
            seconded_out = self._active_secondments("home_unit", code)
        else:
            holders, seconded_in, seconded_out = self._roster_as_of(code, as_of or today, known_at)
        return {
            "code": unit["code"],
            "name": unit["name"],
            "level": unit["level"],
            "kind": unit["kind"],
            "parent": unit["parent"],
            "joint_with": unit.get("joint_with"),
            "abolished_on": unit["abolished_on"],
            "posts": [_post_doc(p, holders.get(p["code"], [])) for p in posts],
            "seconded_in": seconded_in,
            "seconded_out": seconded_out,
            "version": unit["version"],
        }

    def _active_secondments(self, column: str, code: str) -> list[str]:
        rows = self.views.query(
            f"SELECT cadre_code FROM secondments WHERE {column} = ? AND end_date IS NULL "
            "ORDER BY cadre_code",
            [code],
        )
        return [r["cadre_code"] for r in rows]

    def _roster_as_of(
        self, code: str, as_of: date, known_at: datetime | None
    ) -> tuple[dict[str, list[str]], list[str], list[str]]:
        candidates = self.views.query(
            "SELECT c.code FROM cadre_units u JOIN cadres c ON c.cadre_id = u.cadre_id "
            "WHERE u.unit = ? ORDER BY c.code",
            [code],
        )
        holders: dict[str, list[str]] = {}
        seconded_in: list[str] = []
        seconded_out: list[str] = []
        for row in candidates:
            try:
                state, _ = time_travel.cadre_state(
                    self.store, row["code"], as_of=as_of, known_at=known_at
                )
            except NotFound:
                continue
            for unit, post in state.posts:
                if unit == code:
                    holders.setdefault(post, []).append(state.code)
            secondment = state.secondment()
            if secondment is not None and secondment.host_unit == code:
                seconded_in.append(state.code)
            if secondment is not None and secondment.home_unit == code:
                seconded_out.append(state.code)
        return holders, seconded_in, seconded_out

    # -- secondment register --------------------------------------------------------------

    def secondments(
        self,
        *,
        today: date,
        as_of: date | None = None,
        home_level: str | None = None,
        host_level: str | None = None,
        active: bool | None = None,
        approved: bool | None = None,
        min_days: int | None = None,
        unit: str | None = None,
        cadre: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every secondment matching the filters, with its duration in days as of a date."""
        day = as_of or today
        clauses, params = ["start_date <= ?"], [day.isoformat()]
        for column, value in (("home_level", home_level), ("host_level", host_level)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if unit is not None:
            clauses.append("(home_unit = ? OR host_unit = ?)")
            params += [unit, unit]
        if cadre is not None:
            clauses.append("cadre_code = ?")
            params.append(cadre)
        if approved is not None:
            clauses.append("approval_level IS NOT NULL" if approved else "approval_level IS NULL")
        rows = self.views.query(
            f"SELECT * FROM secondments WHERE {' AND '.join(clauses)} "
            "ORDER BY start_date, secondment_id",
            params,
        )
        rows = self.views._decode(self.views_table("secondments"), rows)
        result = []
        for r in rows:
            end = _day(r["end_date"])
            is_active = end is None or end > day
            if active is not None and is_active != active:
                continue
            start = date.fromisoformat(r["start_date"])
            days = ((day if is_active else end) - start).days  # type: ignore[operator]
            if min_days is not None and days <= min_days:
                continue
            result.append({**r, "active": is_active, "duration_days": days})
        return result

    # -- complaints -----------------------------------------------------------------------

    def complaint(self, complaint_id: str) -> dict[str, Any]:
        """One complaint from the queue."""
        rows = self.views.query("SELECT * FROM complaints WHERE complaint_id = ?", [complaint_id])
        if not rows:
            raise NotFound("complaint not found")
        return self.views._decode(self.views_table("complaints"), rows)[0]

    def complaints(
        self,
        *,
        today: date,
        status: str | None = None,
        category: str | None = None,
        overdue: bool | None = None,
        cadre: str | None = None,
        unit: str | None = None,
        after: tuple[str, str] | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """The complaint queue, oldest first, keyset-paginated by (received_at, id)."""
        clauses, params = ["1 = 1"], []
        for column, value in (("status", status), ("category", category)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        for kind, code in (("cadre", cadre), ("unit", unit)):
            if code is not None:
                clauses.append(
                    "complaint_id IN (SELECT complaint_id FROM complaint_subjects "
                    "WHERE kind = ? AND code = ?)"
                )
                params += [kind, code]
        if overdue is not None:
            late = (
                "((status = 'filed' AND decide_by < ?) "
                "OR (status = 'accepted' AND conclude_by < ?))"
            )
            clauses.append(late if overdue else f"NOT {late}")
            params += [today.isoformat(), today.isoformat()]
        if after is not None:
            clauses.append("(received_at > ? OR (received_at = ? AND complaint_id > ?))")
            params += [after[0], after[0], after[1]]
        rows = self.views.query(
            f"SELECT * FROM complaints WHERE {' AND '.join(clauses)} "
            f"ORDER BY received_at, complaint_id LIMIT {int(limit)}",
            params,
        )
        return self.views._decode(self.views_table("complaints"), rows)

    def open_findings(self, kind: str, code: str) -> list[str]:
        """Ids of the findings that hold for a subject."""
        rows = self.views.query(
            "SELECT finding_id FROM findings WHERE subject_kind = ? AND subject_code = ? "
            "AND status IN ('open', 'acknowledged') ORDER BY finding_id",
            [kind, code],
        )
        return [r["finding_id"] for r in rows]

    def views_table(self, name: str) -> Any:
        """The table spec of a view (for decoding JSON columns)."""
        return TABLES[name]
