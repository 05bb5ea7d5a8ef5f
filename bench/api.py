"""Benchmark: the HTTP API on the embedded default, under concurrent load over loopback.

A real `jiandu serve` process (SQLite, the demo county, one uvicorn worker) and, as the
baseline, a bare FastAPI endpoint under the same server (``bench/bare_app.py``) take the same
bounded load: ``--concurrency`` keep-alive connections, each sending its next request when the
last answered, for ``--requests`` requests in all. The load generator is a minimal HTTP/1.1
client on asyncio (a full client library would spend more CPU than the server on these two
cores). Printed: requests/s, p50/p95/p99 latency, GET a cadre against the bare endpoint, the
basic search (ten words in turn, so answered from the index's kept pages after their first
time), searches never asked before, and the server's resident memory before and after.

    python -m bench.api [--data .cache/bench/api] [--concurrency 32] [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

WORDS = ["借调", "违规借调", "镇", "张伟", "干部", "任免", "举报", "巡察", "借调人员", "培训"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}) before answering")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} never answered")


async def _client(
    port: int, paths: list[str], token: str, count: int, latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    try:
        for i in range(count):
            path = paths[i % len(paths)]
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n{auth}\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise SystemExit(f"GET {path}: HTTP {status}")
    finally:
        writer.close()


def load(
    port: int, paths: list[str], token: str, concurrency: int, requests: int
) -> dict[str, float]:
    """Run the bounded load; requests/s and latency percentiles in ms."""
    latencies: list[float] = []
    per_client = max(1, requests // concurrency)

    def share(c: int) -> list[str]:
        if len(paths) >= requests:  # each path once: every client its own
            return paths[c::concurrency]
        return random.Random(c).sample(paths, len(paths))

    async def run() -> None:
        await asyncio.gather(
            *(_client(port, share(c), token, per_client, latencies) for c in range(concurrency))
        )

    started = time.perf_counter()
    asyncio.run(run())
    seconds = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / seconds,
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "p99": cuts[98] * 1000,
    }


def bench_env(data: Path) -> dict[str, str]:
    """The environment of the server and the commands: the development defaults (a secret
    and seal key made in the data folder), no supervision (its background work is not what is
    measured)."""
    dev = {"JIANDU_ENV": "dev", "JIANDU_DATA_DIR": str(data), "JIANDU_SUPERVISE": "0"}
    return {**os.environ, **dev}


def jiandu(data: Path, *args: str) -> str:
    env = bench_env(data)
    command = [sys.executable, "-c", "from api.cli import main; main()", *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=".cache/bench/api", help="data folder (demo county)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2, help="turns of each load (best kept)")
    args = parser.parse_args()
    data = Path(args.data)
    if not (data / "events.sqlite3").exists():
        data.mkdir(parents=True, exist_ok=True)
        print("loading the demo county ...", flush=True)
        jiandu(data, "demo", "load")
    token = jiandu(data, "token", "issue", "--role", "inspector", "--subject", "bench").strip()
    port, bare_port = free_port(), free_port()
    env = bench_env(data)
    server = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "serve", "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,  # its access log (the default level) is part of the work
    )
    bare = subprocess.Popen([sys.executable, "-m", "bench.bare_app", str(bare_port)])
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", server)
        wait_ready(f"http://127.0.0.1:{bare_port}/bare/x", bare)
        codes = cadre_codes(port, token)
        cadres = [f"/api/v1/cadres/{c}" for c in codes]
        searches = [f"/api/v1/search?q={urllib.parse.quote(w)}" for w in WORDS]
        bare_paths = [f"/bare/{c}" for c in codes]
        warm = min(2000, args.requests)
        load(port, cadres, token, args.concurrency, warm)
        load(bare_port, bare_paths, "", args.concurrency, warm)
        results: dict[str, list[dict[str, float]]] = {}
        # Searches never asked before cost several times a repeated one: a quarter as many.
        fresh = max(args.concurrency, args.requests // 4 // args.concurrency * args.concurrency)
        idle = rss_mb(server.pid)
        for turn in range(args.rounds):
            for name, target, paths, auth in (
                ("bare endpoint", bare_port, bare_paths, ""),
                ("GET a cadre", port, cadres, token),
                ("basic search", port, searches, token),
                ("search, each new", port, distinct(turn, fresh), token),
            ):
                pid = (bare if target == bare_port else server).pid
                count = fresh if name == "search, each new" else args.requests
                cpu = cpu_seconds(pid)
                figures = load(target, paths, auth, args.concurrency, count)
                figures["cpu_ms"] = (cpu_seconds(pid) - cpu) * 1000 / count
                results.setdefault(name, []).append(figures)
                print(f"  {name}: {figures['rps']:,.0f} req/s, p99 {figures['p99']:.1f} ms",
                      flush=True)  # fmt: skip
        loaded = rss_mb(server.pid)
    finally:
        for process in (server, bare):
            process.terminate()
            process.wait()
    report(results, args.concurrency, idle, loaded)


def distinct(turn: int, count: int) -> list[str]:
    """Searches never asked before in the run: the ten words, each up to another day (the index
    keeps a search's page and counts until it moves, so ``basic search`` repeats are answered
    from memory after their first time; these show what a search costs the first time)."""
    start = date.today() - timedelta(days=turn * count)
    return [
        f"/api/v1/search?q={urllib.parse.quote(WORDS[i % len(WORDS)])}"
        f"&to={start - timedelta(days=i // len(WORDS))}"
        for i in range(count)
    ]


def cadre_codes(port: int, token: str) -> list[str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/search?kind=cadres&size=100",
        headers={"Authorization": f"Bearer {token}"},
    )

    with urllib.request.urlopen(request) as answer:
        hits = json.load(answer)["hits"]
    return [h["id"] for h in hits]


def report(
    results: dict[str, list[dict[str, float]]], concurrency: int, idle: float, loaded: float
) -> None:
    best = {name: max(runs, key=lambda f: f["rps"]) for name, runs in results.items()}
    print(f"{concurrency} concurrent connections; best of {len(results['GET a cadre'])} rounds")
    header = (
        f"{'req/s (each round)':>22} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'CPU ms/req':>10}"
    )
    print(f"{'load':14} {header}")
    for name, runs in results.items():
        f = best[name]
        each = ", ".join(f"{r['rps']:,.0f}" for r in runs)
        cpu = min(r["cpu_ms"] for r in runs)
        print(f"{name:14} {each:>22} {f['p50']:7.1f} {f['p95']:7.1f} {f['p99']:7.1f} {cpu:10.2f}")
    ratio = best["GET a cadre"]["rps"] / best["bare endpoint"]["rps"]
    print(f"GET a cadre / bare endpoint: {ratio:.2f} (target ≥ 0.5; p99 target < 50 ms)")
    # The server's CPU time per request: steadier than rates when other work shares the cores.
    cpu = {name: min(r["cpu_ms"] for r in runs) for name, runs in results.items()}
    print(f"  in server CPU per request:  {cpu['bare endpoint'] / cpu['GET a cadre']:.2f}")
    print(f"basic search p95: {best['basic search']['p95']:.1f} ms (target < 100 ms); "
          f"searched the first time: {best['search, each new']['p95']:.1f} ms")  # fmt: skip
    print(f"server RSS: {idle:.0f} MB idle, {loaded:.0f} MB after the load (target < 250 MB)")


if __name__ == "__main__":
    main()
