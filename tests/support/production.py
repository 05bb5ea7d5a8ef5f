"""The distributed mode as production runs it: every part its own `jiandu` OS process, the
clients that load it over HTTP (retrying with their Idempotency-Key when a process dies under
them), and the reads that say what users see.

Used by tests/integration/test_production_like.py.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
JIANDU = ROOT / ".venv" / "bin" / "jiandu"
SECRET = base64.b64encode(b"production-like test secret, 32+ bytes long!!").decode()
SEAL_KEY = base64.b64encode(bytes(range(32))).decode()
# Fields that say when or where something was recorded, not what: they differ between two runs
# of the same commands (a concurrent run interleaves aggregates differently).
VOLATILE = {"position", "recorded_at", "raised_position", "updated_at", "known_at", "at_position",
            "raised_at", "cursor", "next_cursor", "took_ms", "generation"}  # fmt: skip


@dataclass
class Part:
    """One process of the deployment (restartable)."""

    name: str
    args: list[str]
    env: dict[str, str]
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def log(self) -> Path:
        return self.folder / f"{self.name}.log"

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"--- start {self.starts}\n".encode())
            self.process = subprocess.Popen(
                [str(JIANDU), *self.args], env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL: no batch finished, nothing closed."""
        assert self.process is not None and self.process.poll() is None, self.tail()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int | None:
        """SIGTERM, and the exit status (None if it had to be killed)."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} log\n" + "\n".join(text.splitlines()[-lines:])


def environment(**variables: str) -> dict[str, str]:
    """The environment of a `jiandu` process: this one's, minus JIANDU_*, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    return env | {"JIANDU_ENV": "test", "JIANDU_SECRET": SECRET, "JIANDU_SEAL_KEY": SEAL_KEY,
                  "JIANDU_LOG_LEVEL": "warning", **variables}  # fmt: skip


def jiandu(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(JIANDU), *args], env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, check=False, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, f"jiandu {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def answering(url: str, part: Part | None = None, attempts: int = 600) -> None:
    """Wait until an API answers /healthz (each attempt waits for a refusal or an answer)."""
    for _ in range(attempts):
        if part is not None:
            assert part.alive(), part.tail()
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered" + (part.tail() if part else ""))


Command = tuple[str, dict[str, Any]]


@dataclass
class Client:
    """Sends commands to one API, each with its Idempotency-Key, retrying while the API is
    down or dies mid-request (the retry returns the first answer if it was applied)."""

    url: str
    token: str
    part: Part | None = None  # the API process, when the test runs it: its death fails at once
    retries: int = 0
    replayed: int = 0  # retries answered from the idempotency record: the first try was applied
    acknowledged: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)

    def session(self) -> httpx.Client:
        """This thread's keep-alive connection pool (it reconnects after a failure)."""
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(base_url=self.url, timeout=60)
        client: httpx.Client = self.local.client
        return client

    def check_part(self) -> None:
        """Fail at once, with its log, if the API process exited on its own (one the test
        killed, SIGKILL, is being started again)."""
        process = self.part.process if self.part is not None else None
        code = process.poll() if process is not None else None
        assert code in (None, -signal.SIGKILL), self.part.tail() if self.part else ""

    def send(self, key: str, command: Command, attempts: int = 900) -> dict[str, Any]:
        path, body = command
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
        broken = False  # a request of this command died with its connection
        for attempt in range(attempts):
            try:
                response = self.session().post(path, json=body, headers=headers)
            except httpx.TransportError:
                with self.lock:
                    self.retries += 1
                broken = True
                self.check_part()
                time.sleep(0.2)
                continue
            if response.status_code in (502, 503, 504):
                time.sleep(0.2)
                continue
            # A retry of a command the killed process applied is answered from its idempotency
            # record (written in the command's transaction): 201 again, never a 409.
            assert response.status_code == 201, f"{path} (attempt {attempt}): {response.text}"
            with self.lock:
                self.acknowledged += 1
                self.replayed += int(broken and "idempotent-replayed" in response.headers)
            answer: dict[str, Any] = response.json()
            return answer
        raise AssertionError(f"{path}: no answer after {attempts} attempts")


def run_in_threads(jobs: list[Callable[[], None]]) -> None:
    """Run the jobs at once; re-raise the first failure."""
    failures: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def stable(value: Any) -> Any:
    """A read with its volatile fields dropped, keys and lists in a canonical order."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in sorted(value.items()) if k not in VOLATILE}
    if isinstance(value, list):
        return sorted((stable(v) for v in value), key=repr)
    return value


def read(url: str, token: str, path: str) -> Any:
    response = httpx.get(f"{url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert response.status_code == 200, f"{path}: {response.text}"
    return response.json()


def all_findings(url: str, token: str) -> list[dict[str, Any]]:
    """Every finding of the register, page after page."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = read(
            url, token, "/api/v1/findings?limit=200" + (f"&cursor={cursor}" if cursor else "")
        )
        found += page["findings"]
        cursor = page["next_cursor"]
        if not cursor:
            return found


@dataclass
class Deployment:
    """The parts, by name."""

    parts: dict[str, Part]

    def start_all(self) -> None:
        for part in self.parts.values():
            part.start()

    def stop_all(self) -> dict[str, int | None]:
        return {name: part.stop() for name, part in self.parts.items()}

    def logs(self) -> str:
        return "\n".join(part.tail() for part in self.parts.values())


def settled(
    status: Callable[[], dict[str, Any]], parts: list[Part], polls: int = 600
) -> dict[str, Any]:
    """Poll the platform status until every follower (and under Kafka the relay and every
    group) has caught up and the store stopped growing (the supervisor's findings are events
    too) over two reports in a row. A part that died fails at once."""
    previous: tuple[int, ...] | None = None
    for _ in range(polls):
        for part in parts:
            assert part.alive(), part.tail()
        report = status()
        consumers = report.get("consumers") or {}
        groups = consumers.get("groups") or {}
        lags = [f["lag"] for f in report["projections"].values()]
        if consumers:
            lags += [consumers["relay"]["lag"], *(g["lag"] for g in groups.values())]
        figures = (report["position"], *lags)
        caught_up = not any(lags) and (groups or not consumers)
        if caught_up and figures == previous:
            return report
        previous = figures if caught_up else None
        time.sleep(1)
    raise AssertionError(f"the deployment never settled: {report}")


@dataclass
class Stack:
    """Names of a deployment's own schema, topic, groups and index prefix on the shared servers."""

    postgres_url: str
    bootstrap: str
    search_url: str
    name: str

    def env(self, **more: str) -> dict[str, str]:
        return environment(
            JIANDU_STORE="postgres", JIANDU_POSTGRES_URL=self.postgres_url,
            JIANDU_POSTGRES_SCHEMA=self.name, JIANDU_KAFKA_BOOTSTRAP=self.bootstrap,
            JIANDU_KAFKA_TOPIC=f"jiandu.test.{self.name}", JIANDU_KAFKA_PARTITIONS="4",
            JIANDU_KAFKA_GROUP_PREFIX=self.name, JIANDU_TRANSPORT="kafka",
            JIANDU_SEARCH_URL=self.search_url,
            JIANDU_SEARCH_INDEX_PREFIX=self.name.replace("_", "-"),
            **more,
        )  # fmt: skip


def pairs(items: list[Any], count: int) -> Iterator[list[Any]]:
    """``items`` dealt round-robin into ``count`` hands."""
    for hand in range(count):
        yield items[hand::count]
