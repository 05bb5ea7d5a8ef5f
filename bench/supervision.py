"""Benchmark: does the supervision process keep up with the write rate the API sustains?

The demo county is loaded into a fresh embedded store and caught up; then the platform's
followers run in process (as under ``jiandu serve``: the read models and the supervision
process, each in its thread) while writers record ``--rate`` commands a second for
``--seconds`` seconds (training records, annual reviews, transfers and secondments of random
cadres, through the domain services). Every second it samples how far behind each follower is;
after the load it measures how long each takes to reach the store's head. The read models,
which do far less work per event, are the baseline of the same run.

    python -m bench.supervision --seconds 80 --rate 200
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from api.bootstrap import Platform, build
from api.settings import Settings
from demo.load import DemoLoader
from demo.plan import build_plan
from domain.errors import DomainError

TODAY = date(2026, 11, 26)
BY = "bench-clerk"


@dataclass
class Load:
    """What the writers did."""

    written: int = 0
    refused: int = 0
    seconds: float = 0.0
    samples: list[tuple[float, int, int, int]] = field(default_factory=list)  # t, head, lags


def open_platform(folder: Path) -> Platform:
    settings = Settings(env="test", data_dir=folder, today=TODAY, supervise=True)
    platform = build(settings)
    plan = build_plan(TODAY)
    started = time.perf_counter()
    loaded = DemoLoader(platform.store, platform.services.complaints.vault, platform.clock.now())
    figures = loaded.load(plan)
    platform.projector.catch_up()
    platform.supervision.runner.catch_up()
    print(
        f"demo county: {figures.cadres} cadres, {figures.events} events, loaded and judged "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return platform


def write_one(platform: Platform, rng: random.Random, codes: list[str], towns: list[str]) -> bool:
    """One command of the mix; False when the domain refused it (counted, not retried)."""
    personnel, code = platform.services.personnel, rng.choice(codes)
    roll = rng.random()
    try:
        if roll < 0.5:
            personnel.record_training(BY, code, start_date=TODAY, days=2, topic="业务培训")
        elif roll < 0.7:
            personnel.record_review(BY, code, year=TODAY.year - 1, rating="competent")
        elif roll < 0.85:
            personnel.transfer(BY, code, to_unit=rng.choice(towns), effective_date=TODAY)
        else:
            personnel.second(
                BY, code, host_unit=rng.choice(towns), start_date=TODAY,
                planned_end_date=TODAY + timedelta(days=90),
            )  # fmt: skip
    except DomainError:
        return False
    return True


def lags(platform: Platform) -> tuple[int, int, int]:
    head = platform.store.position()
    return head, head - platform.projector.position(), head - platform.supervision.runner.position()


def run_load(platform: Platform, seconds: float, rate: float, writers: int) -> Load:
    codes = [r["code"] for r in platform.views.query("SELECT code FROM cadres")]
    towns = [
        r["code"] for r in platform.views.query("SELECT code FROM units WHERE level = 'township'")
    ]
    load, lock, stop = Load(), threading.Lock(), threading.Event()
    started = time.perf_counter()

    def writer(n: int) -> None:
        rng = random.Random(n)
        due = started
        while not stop.is_set():
            due += writers / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            ok = write_one(platform, rng, codes, towns)
            with lock:
                load.written += ok
                load.refused += not ok

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(writers)]
    for thread in threads:
        thread.start()
    while (elapsed := time.perf_counter() - started) < seconds:
        time.sleep(1.0)
        load.samples.append((elapsed, *lags(platform)))
    stop.set()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - started
    return load


def drain(platform: Platform, limit: float) -> tuple[float | None, float | None]:
    """Seconds until the read models and the supervision process reach the head."""
    started, head = time.perf_counter(), platform.store.position()
    done: list[float | None] = [None, None]
    while time.perf_counter() - started < limit and None in done:
        _, models, supervision = lags(platform)
        now = time.perf_counter() - started
        if done[0] is None and platform.projector.position() >= head:
            done[0] = now
        if done[1] is None and platform.supervision.runner.position() >= head:
            done[1] = now
        del models, supervision
        time.sleep(0.1)
    return done[0], done[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=80.0)
    parser.add_argument("--rate", type=float, default=200.0, help="commands per second")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--drain-limit", type=float, default=300.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        platform = open_platform(Path(folder))
        try:
            platform.projector.start(interval=0.05)
            platform.supervision.runner.start(interval=0.05)
            load = run_load(platform, args.seconds, args.rate, args.writers)
            end_lags = lags(platform)
            models, supervision = drain(platform, args.drain_limit)
        finally:
            platform.close()
    achieved = (load.written + load.refused) / load.seconds
    print(
        f"load: {load.written} written, {load.refused} refused by the domain in "
        f"{load.seconds:.1f} s = {achieved:.0f} commands/s (asked {args.rate:.0f})"
    )
    for name, column, after in (("read models", 2, models), ("supervision", 3, supervision)):
        series = [s[column] for s in load.samples]
        caught = f"{after:.1f} s" if after is not None else f"not within {args.drain_limit:.0f} s"
        print(
            f"{name:12} lag during load: median {statistics.median(series):.0f}, "
            f"max {max(series)} events; at the end {end_lags[column - 1]}; "
            f"back to 0 after {caught}"
        )
    if models and supervision:
        print(f"supervision / read models, time to drain: {supervision / max(models, 0.1):.1f}x")


if __name__ == "__main__":
    main()
