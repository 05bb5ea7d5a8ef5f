"""Helpers of the abuse suite: the `jiandu` command as an operator runs it, strong keys."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

JIANDU = Path(sys.executable).parent / "jiandu"


def strong_secret() -> str:
    """A token secret that passes the production check."""
    return secrets.token_urlsafe(32)


def seal_key() -> str:
    """A fresh seal key as settings carry it."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def jiandu(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``jiandu ARGS`` with only the given JIANDU_* variables."""
    assert JIANDU.exists(), f"{JIANDU} is missing: pip install -e . into this environment"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    return subprocess.run(
        [str(JIANDU), *args],
        env=clean | (env or {}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def postgres_schemas(url: str) -> Iterator[str]:
    """A fresh event-store schema (its read models go to ``<schema>_views``), dropped after."""
    name = f"abuse_{secrets.token_hex(6)}"
    try:
        yield name
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for schema in (name, f"{name}_views"):
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                )
