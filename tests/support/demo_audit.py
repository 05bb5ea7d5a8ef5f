"""An independent, simplified reading of RULES.md over the demo's views and timelines.

The test uses it to show that the demo county breaks exactly the rules it plants and no others;
it is no substitute for the rules engine (parameters are the catalogue's defaults).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from api.bootstrap import Platform
from demo.dates import is_workday
from domain.rules.dates import add_months, add_years

RANK = {"village": 1, "township": 2, "county": 3, "city": 4, "province": 5}
SANCTION_MONTHS = {
    "warning": 6, "demerit": 12, "major_demerit": 18, "demotion": 24, "dismissal_from_post": 24,
    "party_warning": 12, "party_serious_warning": 18, "removal_from_party_post": 24,
}  # fmt: skip
NEW_RECRUITS = ("exam", "selected_graduate", "targeted")  # 新录用 channels of the seed


def _joint(unit: str) -> str:
    """The demo's townships: the party committee (X-DW) shares the government's (X) staff."""
    return unit.removesuffix("-DW")


STEPS = ("preview_notice", "democratic_evaluation", "individual_talks", "records_review")


def _d(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _workdays(start: date, end: date) -> int:
    return sum(is_workday(start + timedelta(days=i)) for i in range((end - start).days + 1))


def audit(platform: Platform, today: date) -> dict[str, set[str]]:
    """Rule ids per subject (personnel code, unit code or complaint title)."""
    levels = {r["code"]: r["level"] for r in platform.views.query("SELECT code, level FROM units")}
    found: dict[str, set[str]] = defaultdict(set)
    timelines = {}
    for row in platform.views.query("SELECT code FROM cadres ORDER BY code"):
        code = row["code"]
        events = timelines[code] = platform.reads.timeline(code)["events"]
        found[code] |= _cadre(events, levels)
        found[code] |= _secondments(platform.reads.secondments(today=today, cadre=code), events,
                                    levels, today)  # fmt: skip
        found[code] |= _service(events, levels, today)
    for row in platform.reads.complaints(today=today, limit=1000):
        found[row["title"]] |= _complaint(row, today)
    found.update(_teams(platform, levels, today))
    for unit in _reviews(timelines, levels, today):
        found[unit].add("R-REV-01")
    return {subject: rules for subject, rules in found.items() if rules}


def _homes(events: list[dict[str, Any]]) -> list[tuple[date, str]]:
    homes = []
    for e in events:
        if e["type"] in ("Recruited", "Transferred"):
            data = e["data"]
            homes.append((_d(e["effective_date"]), data.get("unit") or data["to_unit"]))
    return homes  # type: ignore[return-value]


def _home(events: list[dict[str, Any]], day: date) -> str | None:
    found = None
    for start, unit in _homes(events):
        if start <= day:
            found = unit
    return found


def _service(events: list[dict[str, Any]], levels: dict[str, str], today: date) -> set[str]:
    """R-TOWN-05, R-TOWN-06, R-TRAIN-01 and R-DATA-02."""
    rules: set[str] = set()
    recruited = _recruitment(events)
    start = _d(recruited["effective_date"])
    assert start is not None
    new_recruit = levels[recruited["unit"]] == "township" and recruited["channel"] != "transfer_in"
    left = next((_d(e["effective_date"]) for e in events if e["type"] == "Departed"), None)
    moved = [_d(e["effective_date"]) for e in events if e["type"] == "Transferred"]
    if new_recruit and recruited["channel"] in NEW_RECRUITS and left is not None:
        resigned = any("辞" in e["data"]["reason"] for e in events if e["type"] == "Departed")
        if resigned and left < add_years(start, 5) and not moved:
            rules.add("R-TOWN-05")
    due = add_years(start, 1)
    stayed = any(
        e["type"] == "Dispatched" and str(e["data"]["start_date"]) <= due.isoformat()
        for e in events
    )
    prior = any(e["type"] == "PriorServiceRecorded" for e in events)
    gone = any(m is not None and m <= due for m in moved) or (left is not None and left <= due)
    if new_recruit and not prior and today > due and not stayed and not gone:
        rules.add("R-TOWN-06")
    for year in range(max(start.year + 1, 2015), today.year):
        whole = left is None or left > date(year, 12, 31)
        days = sum(e["data"]["days"] for e in events if e["type"] == "TrainingRecorded"
                   and _d(e["data"]["start_date"]).year == year)  # type: ignore[union-attr]  # fmt: skip
        if whole and days < 12:
            rules.add("R-TRAIN-01")
    hosted = [(_d(e["data"]["start_date"]), e["data"]["host_unit"]) for e in events
              if e["type"] == "Seconded"]  # fmt: skip
    for e in events:
        if e["type"] != "Appointed":
            continue
        day, unit = _d(e["effective_date"]), e["data"]["unit"]
        home = _home(events, day)  # type: ignore[arg-type]
        hosts = {h for s, h in hosted if s is not None and s <= day}  # type: ignore[operator]
        if home is not None and _joint(unit) != _joint(home) and unit not in hosts:
            rules.add("R-DATA-02")
    return rules


def _reviews(
    timelines: dict[str, list[dict[str, Any]]], levels: dict[str, str], today: date
) -> set[str]:
    """R-REV-01: township units with more than a fifth of a year's reviews excellent."""
    ratings: dict[tuple[str, int], list[str]] = defaultdict(list)
    for events in timelines.values():
        for e in events:
            if e["type"] == "AnnualReviewRecorded":
                year = e["data"]["year"]
                home = _home(events, date(year, 12, 31))
                if home is not None and levels[home] == "township":
                    ratings[(home, year)].append(e["data"]["rating"])
    return {unit for (unit, _), r in ratings.items() if 5 * r.count("excellent") > len(r)}


def _recruitment(events: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e["data"] for e in events if e["type"] == "Recruited")


def _cadre(events: list[dict[str, Any]], levels: dict[str, str]) -> set[str]:
    rules: set[str] = set()
    recruited = _recruitment(events)
    start = _d(recruited["effective_date"])
    assert start is not None
    township = levels[recruited["unit"]] == "township"
    township_recruit = township and recruited["channel"] in NEW_RECRUITS
    admonished = [_d(e["data"]["date"]) for e in events if e["type"] == "Admonished"]
    sanctions = [
        (_d(e["data"]["date"]), e["data"]["kind"], e["data"].get("term_months"))
        for e in events
        if e["type"] == "Sanctioned"
    ]
    opened = [_d(e["data"]["opened_on"]) for e in events if e["type"] == "InvestigationOpened"]
    for event in events:
        data, effective = event["data"], _d(event["effective_date"])
        recorded = datetime.fromisoformat(event["recorded_at"]).date()
        late = effective is not None and (recorded - effective).days > 30
        if late and event["type"] != "PriorServiceRecorded":
            rules.add("R-DATA-01")
        if any(o is not None and effective is not None and o <= effective for o in opened) and (
            event["type"] == "Transferred" or data.get("kind") in ("promotion", "exceptional")
        ):
            rules.add("R-DISC-03")
        if event["type"] == "Transferred" and township_recruit:
            assert effective is not None
            approval = (data.get("approval") or {}).get("level")
            if effective < add_years(start, 2):
                rules.add("R-TOWN-01")
            elif (
                effective < add_years(start, 5)
                and levels[data["from_unit"]] == "township"
                and levels[data["to_unit"]] not in ("township", "village")
                and (approval not in ("city", "province"))
            ):
                rules.add("R-TOWN-02")
        if event["type"] == "Appointed":
            rules |= _appointment(data, start, township, levels, admonished, sanctions)
    return rules


def _appointment(data: dict[str, Any], recruited: date, township: bool, levels: dict[str, str],
                 admonished: list[Any], sanctions: list[Any]) -> set[str]:  # fmt: skip
    rules: set[str] = set()
    effective, decided = _d(data["effective_date"]), _d(data["decided_on"])
    assert effective is not None and decided is not None
    talk = _d(data.get("integrity_talk"))
    if data["post_category"] == "leadership" and (talk is None or talk > effective):
        rules.add("R-APPT-03")
    if data["kind"] not in ("promotion", "exceptional"):
        return rules
    notice = data.get("public_notice")
    if not notice:
        rules.add("R-APPT-01")
    else:
        begin, end = _d(notice["start"]), _d(notice["end"])
        assert begin is not None and end is not None
        if _workdays(begin, end) < 5 or begin < decided or effective < end:
            rules.add("R-APPT-01")
    steps = data.get("procedure") or {}
    if any(steps.get(s) is None or _d(steps[s]) > decided for s in STEPS):  # type: ignore[operator]
        rules.add("R-APPT-02")
    if any(a < decided <= add_months(a, 6) for a in admonished):
        rules.add("R-DISC-01")
    if any(s <= decided < _sanction_end(s, k, term) for s, k, term in sanctions):
        rules.add("R-DISC-02")
    if data["kind"] == "exceptional":
        rules.add("R-APPT-04")  # the demo makes no exceptional promotion
    in_township = levels[data["unit"]] == "township"
    non_leadership = data["post_category"] == "non_leadership"
    if township and in_township and non_leadership and effective < add_years(recruited, 5):
        rules.add("R-TOWN-03")
    return rules


def _sanction_end(day: date, kind: str, term: int | None) -> date:
    if kind == "expulsion":
        return date.max
    if kind == "party_probation":
        return add_months(day, (term or 24) + 12)
    return add_months(day, SANCTION_MONTHS.get(kind, 0))


def _secondments(rows: list[dict[str, Any]], events: list[dict[str, Any]],
                 levels: dict[str, str], today: date) -> set[str]:  # fmt: skip
    rules: set[str] = set()
    recruited = _recruitment(events)
    township_recruit = levels[recruited["unit"]] == "township"
    two_years = add_years(_d(recruited["effective_date"]), 2)  # type: ignore[arg-type]
    previous_end: date | None = None
    for row in rows:
        start, planned, end = (
            _d(row["start_date"]),
            _d(row["planned_end_date"]),
            _d(row["end_date"]),
        )
        assert start is not None
        home, host = RANK[row["home_level"]], RANK[row["host_level"]]
        approvals = [row.get("approval")] + [x.get("approval") for x in row["extensions"]]
        levels_ok = [RANK[a["level"]] for a in approvals if a]
        approved = row.get("approval") and RANK[row["approval"]["level"]] >= host
        if home == RANK["township"] and host > home and not approved:
            rules.add("R-SEC-01")
        if planned is None:
            rules.add("R-SEC-02")
        if township_recruit and host > home and start < two_years:
            rules.add("R-SEC-03")
        lasts = end if end is not None else max(today, planned or today)
        if lasts > add_months(start, 6) and not row["extensions"]:
            rules.add("R-SEC-04")
        if lasts > add_months(start, 12) and not any(level > host for level in levels_ok):
            rules.add("R-SEC-04")
        if end is None and planned is not None and today > planned:
            rules.add("R-SEC-05")
        if previous_end is not None and start < add_years(previous_end, 2):
            rules.add("R-SEC-06")
        previous_end = end
        if home <= RANK["county"] and host > home:
            rules.add("R-SEC-07")
    return rules


def _complaint(row: dict[str, Any], today: date) -> set[str]:
    rules: set[str] = set()
    decided, decide_by = _d(row["decided_on"]), _d(row["decide_by"])
    assert decide_by is not None
    if (decided or today) > decide_by:
        rules.add("R-PET-01")
    conclude_by, concluded = _d(row["conclude_by"]), _d(row["concluded_on"])
    if conclude_by is not None and (concluded or today) > conclude_by:
        rules.add("R-PET-02")
    if row["named"] and concluded is not None:
        told = _d(row["notified_on"]) or today
        if _workdays(concluded + timedelta(days=1), told) > 15:
            rules.add("R-PET-03")
    return rules


def _teams(platform: Platform, levels: dict[str, str], today: date) -> dict[str, set[str]]:
    """R-TOWN-04: at least 2/3 of the people on a township's team (party committee and
    government together) with 2+ years in townships."""
    found: dict[str, set[str]] = {}
    rows = platform.views.query(
        "SELECT h.unit, h.cadre_code FROM holdings h JOIN posts p "
        "ON p.unit = h.unit AND p.code = h.post WHERE p.team_member = 1"
    )
    members: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if levels[row["unit"]] == "township":
            members[_joint(row["unit"])].add(row["cadre_code"])
    for unit, codes in members.items():
        seasoned = 0
        for code in codes:
            recruited = _recruitment(platform.reads.timeline(code)["events"])
            since = _d(recruited["effective_date"])
            if levels[recruited["unit"]] == "township" and add_years(since, 2) <= today:  # type: ignore[arg-type]
                seasoned += 1
        if 3 * seasoned < 2 * len(codes):
            found[unit] = {"R-TOWN-04"}
    return found
