"""Every benchmark of ``bench/`` imports and runs end to end at a tiny size, embedded mode.

Those that need a real server (Kafka, PostgreSQL, a search engine) run in
``tests/integration/test_benchmarks.py``. No assertion here is about speed: only that each run
completes and that its phases saw the same events (a benchmark measuring a phase that silently
did nothing would print a fine ratio), and that nothing is left in its temporary folder
(``tests.support.benchmarks.run`` checks it after every run).
"""

from __future__ import annotations

import importlib
import json
import signal
from pathlib import Path

import pytest

from tests.support import benchmarks
from tests.support.benchmarks import counts, interrupted, run

# Each benchmark a smoke test runs (here or in the integration suite); the other modules of
# bench/ are parts the benchmarks use.
RUN_HERE = {"rebuild", "import_events", "ledger", "supervision", "pages", "province", "api"}
RUN_WITH_SERVERS = {"kafka", "search", "import_events", "province"}
PARTS = {"county", "bare_app", "kafka_java", "scratch"}
NO_SERVERS = {"JIANDU_TEST_POSTGRES_URL": "", "JIANDU_TEST_KAFKA_BOOTSTRAP": ""}


@pytest.mark.parametrize("module", benchmarks.modules())
def test_every_benchmark_module_imports(module: str) -> None:
    imported = importlib.import_module(f"bench.{module}")
    if module not in PARTS:
        assert callable(imported.main)


def test_every_benchmark_has_a_smoke_run() -> None:
    """A new benchmark needs a smoke run here (or in the integration suite), or to be a part."""
    assert set(benchmarks.modules()) == RUN_HERE | RUN_WITH_SERVERS | PARTS


def test_rebuild_rebuilds_every_event_it_decoded(tmp_path: Path) -> None:
    # No --store: the store it generates is the run's own, gone with it.
    out = run("rebuild", "--events", "300", cwd=tmp_path)
    phases = counts(out, r"^(decode|rebuild)\s+(\d+)\s")
    assert phases["decode"] >= 300
    assert phases["rebuild"] == phases["decode"]
    assert "rebuild / bare read-and-decode:" in out


def test_import_events_imports_the_same_events_both_ways(tmp_path: Path) -> None:
    out = run("import_events", "--cadres", "12", "--batch", "5", cwd=tmp_path, env=NO_SERVERS)
    imported = counts(out, r"^(sqlite\s+\w+)\s+(\d+)\s")
    assert set(imported) == {"sqlite    bare", "sqlite    jiandu"}
    assert imported["sqlite    bare"] == imported["sqlite    jiandu"] > 0


def test_ledger_integrates_and_verifies_every_event(tmp_path: Path) -> None:
    out = run(
        "ledger", "--events", "300", "--cadres", "10", "--batch", "5", "--rounds", "1",
        cwd=tmp_path,
    )  # fmt: skip
    figures = json.loads(out.strip().splitlines()[-1])
    seen = {name: phase[0] for name, phase in figures["phases"].items()}
    assert set(seen) >= {"bare", "integrate", "verify"}
    assert len(set(seen.values())) == 1 and seen["bare"] >= 300
    assert figures["imports"]["alone"] > 0


def test_supervision_catches_up_after_the_load(tmp_path: Path) -> None:
    out = run(
        "supervision", "--seconds", "2", "--rate", "10", "--writers", "2",
        "--drain-limit", "120", cwd=tmp_path,
    )  # fmt: skip
    assert counts(out, r"^load: ()(\d+) written")[""] > 0
    drained = counts(out, r"^(read models|supervision)\s+lag during load: median (\d+)")
    assert set(drained) == {"read models", "supervision"}
    assert out.count("back to 0 after") == 2 and "not within" not in out


def test_pages_answers_every_page(tmp_path: Path) -> None:
    out = run("pages", "--rounds", "2", cwd=tmp_path)
    # Each request of the run asserts HTTP 200; every page gets its row.
    measured = counts(out, r"^(.+?)\s+page p50\s+(\d+)")
    assert {"overview", "search 借调", "cadre file", "findings", "complaint"} <= set(measured)
    assert "slowest page at p95:" in out


def test_province_phases_see_every_imported_event(tmp_path: Path) -> None:
    out = run("province", "--sizes", "0.001", cwd=tmp_path, env=NO_SERVERS)
    phases = counts(out, r"^\s+(decode|rebuild|index|sweep)\s+([\d,]+) events")
    assert set(phases) == {"decode", "rebuild", "index", "sweep"}
    assert phases["rebuild"] == phases["index"] == phases["sweep"] == phases["decode"] >= 1000
    # The end of the log judged as a slice, twice: the same events recorded both times (the
    # digest an A/B of two versions of the code compares).
    where = str(tmp_path / ".cache" / "bench" / "province-1000.sqlite3")
    slices = []
    for n in range(2):
        (folder := tmp_path / f"slice-{n}").mkdir()
        out = run("province", "--phase", "slice", "--where", where, "--warm", "300",
                  "--timed", "200", cwd=folder, env=NO_SERVERS)  # fmt: skip
        slices.append(json.loads(out.splitlines()[-1]))
    assert [s["events"] for s in slices] == [200, 200]
    assert slices[0]["recorded"] == slices[1]["recorded"] > 0
    assert slices[0]["digest"] == slices[1]["digest"]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_province_interrupted_in_the_sweep_leaves_nothing_behind(tmp_path: Path, stop: int) -> None:
    """Ctrl-C (or SIGTERM, as ``timeout`` sends) while the sweep phase's process catches up its
    read models beside its copy of the store: both processes stop and every file of theirs is
    removed; the cached store (the user's, to be reused) stays."""
    status = interrupted(
        "province", "--sizes", "0.001", cwd=tmp_path, env=NO_SERVERS,
        after="  sweep: read models catching up", stop=stop,
    )  # fmt: skip
    assert status != 0
    store = "province-1000.sqlite3"  # with its WAL files, left by a reader that was stopped
    kept = {p.name for p in (tmp_path / ".cache" / "bench").iterdir()}
    assert store in kept <= {store, f"{store}-wal", f"{store}-shm"}


def test_province_interrupted_in_the_import_leaves_nothing_behind(tmp_path: Path) -> None:
    """Ctrl-C while the import phase runs: its process and the benchmark's stop, their files
    are removed, and no half-imported store is left in the cache to be taken for a whole one."""
    status = interrupted(
        "province", "--sizes", "0.01", cwd=tmp_path, env=NO_SERVERS, after="  imported 0 of"
    )
    assert status != 0
    assert list((tmp_path / ".cache" / "bench").iterdir()) == []


def test_api_answers_every_request_of_each_load(tmp_path: Path) -> None:
    out = run(
        "api", "--data", str(tmp_path / "county"), "--requests", "64", "--concurrency", "4",
        "--rounds", "1", cwd=tmp_path,
    )  # fmt: skip
    # The load generator stops the run on any answer but 200.
    loads = counts(
        out, r"^  (bare endpoint|GET a cadre|basic search|search, each new): ([\d,]+) req/s"
    )
    assert set(loads) == {"bare endpoint", "GET a cadre", "basic search", "search, each new"}
    assert "GET a cadre / bare endpoint:" in out and "server RSS:" in out
