"""Benchmark: how long the web pages take to render for the demo county, against the JSON
endpoint that serves the same data, both measured in the same run.

    python -m bench.pages [--rounds 60] [--today 2026-06-15]

The demo county is loaded into a temporary data folder (embedded mode, the basic search), its
read models, findings and index built; then each page and its JSON counterpart are requested in
turn, interleaved, through the app in process (Starlette's test client: no network, the whole
ASGI stack, middleware and all). Printed per page: p50 and p95 of each in milliseconds, and the
ratio page / JSON at p95 (what rendering HTML adds to the same reads).
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from api.app import create_app
from api.auth import issue_token
from api.bootstrap import build
from api.commands import demo
from api.settings import Settings

SECRET = secrets.token_urlsafe(32)  # this run's token secret (the app and the tokens share it)
BUDGET_MS = 300.0


def _county(data_dir: Path, today: date) -> Settings:
    env = {"JIANDU_DATA_DIR": str(data_dir), "JIANDU_TODAY": today.isoformat(),
           "JIANDU_STORE": "sqlite", "JIANDU_ENV": "test"}  # fmt: skip
    loaded = CliRunner().invoke(demo.app, ["load"], env=env)
    if loaded.exit_code != 0:
        raise SystemExit(loaded.output)
    settings = Settings(
        env="test", store="sqlite", data_dir=data_dir, today=today, secret=SecretStr(SECRET)
    )
    platform = build(settings)
    try:
        platform.projector.catch_up()
        platform.supervision.sweep()
        platform.projector.catch_up()
        if platform.search is not None:
            platform.search.catch_up()
        if platform.ledger is not None:
            platform.ledger.integrator.catch_up()
            platform.ledger.sign_now()
    finally:
        platform.close()
    return settings


def _sign_in(client: TestClient, token: str) -> None:
    form = client.get("/ui/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, "the sign-in page has its form"
    answer = client.post("/ui/login", data={"csrf": csrf.group(1), "token": token},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def _pairs(client: TestClient, cadre: str) -> dict[str, tuple[str, list[str]]]:
    """Page -> (its path, the JSON paths that serve the same data)."""
    finding = re.search(r"/ui/findings/([0-9a-f-]{36})", client.get("/ui/findings").text)
    complaint = re.search(r"/ui/complaints/([0-9a-f-]{36})", client.get("/ui/complaints").text)
    assert finding and complaint
    f, c = finding.group(1), complaint.group(1)
    headline = ("home_level=township&host_level=county,city,province&active=true"
                "&approved=false&min_days=180")  # fmt: skip
    return {
        "overview": ("/ui/", ["/api/v1/status", "/api/v1/findings?limit=200",
                              "/api/v1/complaints?overdue=true"]),
        "search 借调": ("/ui/search?q=借调", ["/api/v1/search?q=借调"]),
        "secondments": ("/ui/secondments", [f"/api/v1/search/secondments?{headline}"]),
        "secondments.csv": ("/ui/secondments.csv", [f"/api/v1/search/secondments?{headline}"]),
        "cadre file": (f"/ui/cadres/{cadre}", [f"/api/v1/cadres/{cadre}",
                                               f"/api/v1/cadres/{cadre}/timeline",
                                               f"/api/v1/findings?cadre={cadre}"]),
        "cadre as of": (f"/ui/cadres/{cadre}?as_of=2020-01-01",
                        [f"/api/v1/cadres/{cadre}?as_of=2020-01-01",
                         f"/api/v1/cadres/{cadre}/timeline?as_of=2020-01-01",
                         f"/api/v1/findings?cadre={cadre}"]),
        "findings": ("/ui/findings", ["/api/v1/findings"]),
        "finding": (f"/ui/findings/{f}", [f"/api/v1/findings/{f}"]),
        "complaints": ("/ui/complaints", ["/api/v1/complaints"]),
        "complaint": (f"/ui/complaints/{c}", [f"/api/v1/complaints/{c}"]),
        "ledger": ("/ui/ledger", ["/api/v1/status", "/api/v1/audit/key",
                                  "/api/v1/audit/checkpoints"]),
        "report form": ("/report", ["/healthz"]),
    }  # fmt: skip


def run(rounds: int, today: date) -> list[tuple[str, float, float, float, float]]:
    """(page, page p50, page p95, json p50, json p95) for each page, in milliseconds."""
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        print("loading the demo county ...", flush=True)
        settings = _county(Path(folder), today)
        token = issue_token(SECRET, subject="bench", role="admin", ttl_seconds=3600)
        bearer = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(settings), base_url="https://testserver") as client:
            _sign_in(client, token)
            cadre = CliRunner().invoke(demo.app, ["example"]).output.strip()
            rows: list[tuple[str, float, float, float, float]] = []
            for name, (page, jsons) in _pairs(client, cadre).items():
                for _ in range(3):  # warm both paths (template compilation, caches)
                    client.get(page)
                    for path in jsons:
                        client.get(path, headers=bearer)
                page_ms: list[float] = []
                json_ms: list[float] = []
                for _ in range(rounds):
                    page_ms.append(_timed(lambda: _ok(client.get(page))))  # noqa: B023
                    json_ms.append(
                        sum(_timed(lambda: _ok(client.get(j, headers=bearer))) for j in jsons)  # noqa: B023
                    )
                (p50, p95), (j50, j95) = _p50_p95(page_ms), _p50_p95(json_ms)
                rows.append((name, p50, p95, j50, j95))
                print(_line(rows[-1]), flush=True)
            return rows


def _ok(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status == 200, (status, response.text[:200])  # type: ignore[attr-defined]


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _line(row: tuple[str, float, float, float, float]) -> str:
    name, p50, p95, j50, j95 = row
    verdict = "ok" if p95 < BUDGET_MS else f"OVER {BUDGET_MS:.0f} ms"
    return (f"{name:<16} page p50 {p50:7.1f} ms  p95 {p95:7.1f} ms   json p50 {j50:7.1f} ms  "
            f"p95 {j95:7.1f} ms   page/json at p95 {p95 / j95:5.2f}   {verdict}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 6, 15))
    args = parser.parse_args()
    rows = run(args.rounds, args.today)
    worst = max(rows, key=lambda r: r[2])
    print(f"\nslowest page at p95: {worst[0]} {worst[2]:.1f} ms (budget {BUDGET_MS:.0f} ms); "
          f"page/json at p95 over all pages: {statistics.median(r[2] / r[4] for r in rows):.2f} "
          "(median)")  # fmt: skip


if __name__ == "__main__":
    main()
