"""The distributed mode as production runs it, each part its own OS process against the real
PostgreSQL, Kafka and OpenSearch: two API processes, the relay, and the projector, indexer and
supervisor groups. About three thousand commands go through both APIs; one API process and the
projector are SIGKILLed mid-load and restarted (clients retry with their Idempotency-Key).
Afterwards the store holds as many events as the embedded run's, and every cadre, unit, the
findings register and the search answers equal what an embedded `jiandu serve` (SQLite, basic
search) builds from the same commands."""

from __future__ import annotations

import subprocess
import threading
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from opensearchpy import OpenSearch

from tests.support.production import (
    JIANDU,
    Client,
    Command,
    Deployment,
    Part,
    Stack,
    all_findings,
    answering,
    environment,
    jiandu,
    pairs,
    read,
    run_in_threads,
    settled,
    stable,
)
from tests.support.servers import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.kafka, pytest.mark.search]
TODAY = "2026-11-20"
CADRES = 550  # about 5.5 commands each
TOWNS = 6
CLIENTS_PER_API = 3
APPROVAL = {"level": "county", "authority": "中共县委组织部", "document_no": "组函〔2025〕1号"}
SECONDMENTS = "/api/v1/search/secondments?home_level=township&host_level=county&active=true"
HEADLINE = f"{SECONDMENTS}&approved=false&min_days=180"  # the inspectors' headline query


def units() -> list[Command]:
    made: list[Command] = [
        ("/api/v1/units", {"code": "C", "name": "县委", "level": "county",
                           "kind": "party_committee"}),
        ("/api/v1/units", {"code": "C-ORG", "name": "县委组织部", "level": "county",
                           "kind": "department", "parent": "C"}),
    ]  # fmt: skip
    for t in range(TOWNS):
        made.append(("/api/v1/units", {"code": f"T{t}", "name": f"第{t}镇", "level": "township",
                                        "kind": "government", "parent": "C"}))  # fmt: skip
        made += [
            (f"/api/v1/units/T{t}/posts", {"code": f"P{p}", "title": f"岗位{p}",
                                           "category": "leadership"})
            for p in range(4)
        ]  # fmt: skip
    return made


def career(i: int) -> list[Command]:
    """One cadre's commands, in order; some secondments break rules on purpose."""
    code, town, path = f"K{i:05d}", f"T{i % TOWNS}", f"/api/v1/cadres/K{i:05d}"
    start = date(2008, 1, 1) + timedelta(days=i * 7)
    made: list[Command] = [
        ("/api/v1/cadres", {"code": code, "name": f"干部{i}", "birth_date": "1984-06-01",
                            "gender": "female" if i % 2 else "male"}),
        (f"{path}/recruitment", {"effective_date": str(start), "unit": town, "channel": "exam"}),
        (f"{path}/probation", {"effective_date": str(start + timedelta(days=365))}),
        (f"{path}/appointments", {"unit": town, "post": f"P{i % 4}", "kind": "lateral",
                                  "effective_date": str(start + timedelta(days=800)),
                                  "decided_on": str(start + timedelta(days=790)),
                                  "document_no": f"任〔{i}〕号"}),
        (f"{path}/reviews", {"year": 2024, "rating": "competent"}),
    ]  # fmt: skip
    if i % 3 == 0:  # active secondments: approved or not, with a planned end or without
        second: dict[str, Any] = {
            "host_unit": "C-ORG",
            "start_date": "2025-09-01",
            "purpose": "专项",
        }
        if i % 2 == 0:
            second["planned_end_date"] = "2026-02-28"
        if i % 4 == 0:
            second["approval"] = APPROVAL
        made.append((f"{path}/secondments", second))
    if i % 5 == 0:
        made.append((f"{path}/admonishments", {"date": "2025-03-01", "authority": "县纪委",
                                               "reason": "工作作风"}))  # fmt: skip
    return made


def loads(clients: list[Client], on_progress: Any) -> list[Any]:
    """Jobs that send every command through ``clients``: units through the first (before
    anything else), then each cadre's commands in order, the cadres dealt among
    ``CLIENTS_PER_API`` threads per client."""
    ready = threading.Event()

    def setup() -> None:
        for n, command in enumerate(units()):
            clients[0].send(f"unit-{n}", command)
        ready.set()

    def work(client: Client, cadres: list[int]) -> None:
        ready.wait()
        for i in cadres:
            for n, command in enumerate(career(i)):
                client.send(f"K{i:05d}-{n}", command)
                on_progress()

    jobs: list[Any] = [setup]
    for client, share in zip(clients, pairs(list(range(CADRES)), len(clients)), strict=True):
        jobs += [lambda c=client, h=hand: work(c, h) for hand in pairs(share, CLIENTS_PER_API)]
    return jobs


def views(url: str, token: str) -> dict[str, Any]:
    """What users see: every cadre and unit, the findings register, search answers."""
    seen: dict[str, Any] = {
        f"cadre {i}": stable(read(url, token, f"/api/v1/cadres/K{i:05d}")) for i in range(CADRES)
    }
    for code in ["C", "C-ORG", *(f"T{t}" for t in range(TOWNS))]:
        seen[f"unit {code}"] = stable(read(url, token, f"/api/v1/units/{code}"))
    seen["findings"] = sorted(
        (f["rule"], f["status"], f["severity"], repr(stable(f.get("subject"))))
        for f in all_findings(url, token)
    )
    for name, query in (("secondments", SECONDMENTS), ("headline", HEADLINE)):
        hits = read(url, token, f"{query}&size=500")  # every hit: engines order ties apart
        seen[f"{name} search"] = (hits["total"], sorted(repr(stable(h)) for h in hits["hits"]))
    for kind in ("cadres", "events", "findings", "secondments"):
        seen[f"{kind} indexed"] = read(url, token, f"/api/v1/search?kind={kind}&size=1")["total"]
    # Free text that both engines read alike: a name found whole (OpenSearch's bigrams and the
    # basic search's substrings part ways on digits run into Chinese, e.g. 干部1 in 干部10).
    for query in (f"干部{CADRES - 1}", "专项"):
        seen[f"search {query}"] = read(url, token, f"/api/v1/search?q={query}&size=1")["total"]
    return seen


def ledger_integrator(env: dict[str, str]) -> bool:
    """Whether this release has the ledger integrator's consumer group."""
    probe = subprocess.run(
        [str(JIANDU), "consume", "integrator", "--help"], env=env, capture_output=True,
        stdin=subprocess.DEVNULL, check=False, timeout=120,
    )  # fmt: skip
    return probe.returncode == 0


def difference(key: str, distributed: dict[str, Any], reference: dict[str, Any]) -> str:
    """What differs under ``key``, briefly: the items only one side has."""
    ours, theirs = distributed[key], reference[key]
    if isinstance(ours, tuple):
        ours, theirs = ours[-1], theirs[-1]
    if isinstance(ours, list) and isinstance(theirs, list):
        only_ours = [item for item in ours if item not in theirs][:2]
        only_theirs = [item for item in theirs if item not in ours][:2]
        return f"{key}: distributed only {only_ours}; embedded only {only_theirs}"
    return f"{key}: distributed {ours!r:.2000}; embedded {theirs!r:.2000}"


@pytest.fixture
def stack(postgres_url: str, kafka_bootstrap: str, search_url: str) -> Any:
    name = f"pl_{uuid.uuid4().hex[:10]}"
    yield Stack(postgres_url, kafka_bootstrap, search_url, name)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for suffix in ("", "_views"):
            conn.execute(f"DROP SCHEMA IF EXISTS {name}{suffix} CASCADE")
    OpenSearch(search_url).indices.delete(index=f"{name.replace('_', '-')}-*")


def test_the_distributed_mode_survives_killed_parts_and_converges_to_the_embedded_run(
    stack: Stack, tmp_path: Path
) -> None:
    env = stack.env(JIANDU_TODAY=TODAY)
    jiandu(env, "migrate")
    token = (
        jiandu(env, "token", "issue", "--role", "admin", "--subject", "load").strip().split()[-1]
    )
    ports = [free_port(), free_port()]
    parts = {
        f"api-{n}": Part(f"api-{n}", ["serve", "--port", str(port)], env, tmp_path)
        for n, port in enumerate(ports)
    }
    parts["relay"] = Part(
        "relay", ["relay", "--batch-size", "200", "--lease-check", "1"], env, tmp_path
    )
    groups = ["projector", "indexer", "supervisor"]
    if ledger_integrator(env):  # the audit ledger's group, in releases that have it
        groups.append("integrator")
    for group in groups:
        sized = [] if group == "integrator" else ["--batch-size", "200"]  # it reads the store
        parts[group] = Part(group, ["consume", group, *sized], env, tmp_path)
    deployment = Deployment(parts)
    embedded_env = environment(JIANDU_DATA_DIR=str(tmp_path / "embedded"), JIANDU_TODAY=TODAY,
                               JIANDU_SUPERVISE="1")  # fmt: skip
    embedded_port = free_port()
    embedded = Part("embedded", ["serve", "--port", str(embedded_port)], embedded_env, tmp_path)
    deployment.start_all()
    embedded.start()
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for n, url in enumerate(urls):
            answering(url, parts[f"api-{n}"])
        embedded_url = f"http://127.0.0.1:{embedded_port}"
        answering(embedded_url, embedded)

        clients = [Client(url, token, parts[f"api-{n}"]) for n, url in enumerate(urls)]
        total = len(units()) + sum(len(career(i)) for i in range(CADRES))
        killed = threading.Event()

        def kill_midway() -> None:  # a third of the way: one API and one consumer die hard
            if killed.is_set() or sum(c.acknowledged for c in clients) < total // 3:
                return
            killed.set()
            for name in ("api-1", "projector"):
                parts[name].kill()
            for name in ("api-1", "projector"):
                parts[name].start()

        solo = Client(embedded_url, token)  # the embedded run, loaded at the same time
        run_in_threads(loads(clients, kill_midway) + loads([solo], lambda: None))
        sent = sum(c.acknowledged for c in clients)
        assert sent == solo.acknowledged == total >= 3000
        assert killed.is_set() and parts["api-1"].starts == parts["projector"].starts == 2
        assert clients[1].retries > 0  # the killed API's clients saw it die and retried

        jiandu(env, "rules", "sweep", "--as-of", TODAY)  # the daily sweep (a CronJob)
        jiandu(embedded_env, "rules", "sweep", "--as-of", TODAY)
        report = settled(lambda: read(urls[0], token, "/api/v1/status"), [*parts.values()])
        alone = settled(lambda: read(embedded_url, token, "/api/v1/status"), [embedded])
        # Every command once (none again after a kill) and every finding raised once (none
        # withdrawn and raised again by a part judging behind the others): as many events as
        # the embedded run, counted by the audit ledger's leaves (positions are no count: a
        # PostgreSQL insert rolled back by a lost race leaves a gap in them).
        assert report["ledger"]["size"] == alone["ledger"]["size"]

        distributed = views(urls[0], token)
        assert distributed == views(urls[1], token)  # both API processes read the same
        reference = views(embedded_url, token)
        assert distributed["findings"], "the history should raise findings"
        assert distributed["headline search"][1], "the search should find unapproved secondments"
        for key in reference:
            assert distributed[key] == reference[key], difference(key, distributed, reference)
        if "integrator" in parts:  # the ledger signed the distributed history: it verifies
            jiandu(env, "audit", "integrate")
            jiandu(env, "audit", "verify")
        print(f"{sent} commands, {report['ledger']['size']} events (store at "
              f"{report['position']}), "
              f"{clients[1].retries} retries after the kill "
              f"({clients[1].replayed} answered from the idempotency record), "
              f"{len(distributed['findings'])} findings")  # fmt: skip
    except BaseException:
        print(deployment.logs() + embedded.tail())
        raise
    finally:
        exits = deployment.stop_all()
        embedded.stop()
    assert exits["relay"] == 0 and exits["projector"] == 0, deployment.logs()
