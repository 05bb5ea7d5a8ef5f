"""Servers the tests start themselves: a loopback port for a server process, `jiandu serve` as
its own process, and uvicorn in a thread on a socket bound before it starts."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

JIANDU = Path(sys.executable).parent / "jiandu"
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 20_000
_handed_out: set[int] = set()


def _ephemeral_start() -> int:
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def free_port() -> int:
    """A loopback port nothing listens on, for a server a test starts (or for nothing to answer).

    Picked below the kernel's ephemeral range: a port from ``bind(("127.0.0.1", 0))`` comes from
    that range, where the suite's own client connections (PostgreSQL, Kafka, HTTP) get their
    local ports, so one of them could take it between the pick and the server's bind. Never the
    same port twice in one run (two picks in a row could otherwise coincide)."""
    top = _ephemeral_start()
    rng = random.SystemRandom()
    for _ in range(500):
        port = rng.randrange(LOWEST, top) if top > LOWEST + 1000 else rng.randrange(1024, 65536)
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free loopback port below the ephemeral range")


@contextmanager
def serve_live(app: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 with uvicorn in a thread; yields its base URL.

    The socket is bound here and handed to uvicorn, so no other process can take the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    ready = threading.Event()
    while not server.started and thread.is_alive():
        ready.wait(0.05)  # the lifespan builds the platform first
    if not server.started:
        pytest.fail("uvicorn did not start", pytrace=False)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


@contextmanager
def jiandu_serve(log: Path, port: int, **variables: str) -> Iterator[subprocess.Popen[bytes]]:
    """``jiandu serve --port PORT`` as its own process, with only the given JIANDU_* variables
    of the environment, its output in ``log``; terminated (killed if it lingers) at the end."""
    assert JIANDU.exists(), f"{JIANDU} is missing: pip install -e . into this environment"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")} | variables
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(JIANDU), "serve", "--port", str(port)],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def first_answer(
    server: subprocess.Popen[bytes], log: Path, url: str, **request: Any
) -> httpx.Response:
    """The first answer to ``GET url`` once the server listens (it imports and builds its
    platform first: however long that takes, the wait ends when it answers or exits)."""
    while True:
        assert server.poll() is None, f"jiandu serve exited early:\n{log.read_text()}"
        try:
            return httpx.get(url, timeout=5, **request)
        except httpx.TransportError:
            time.sleep(0.2)
