"""Servers the tests start themselves: a loopback port for a server process, and uvicorn in a
thread on a socket bound before it starts."""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

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
