"""Secrets: generated per data folder in dev (0600, stable, race-free), required elsewhere."""

from __future__ import annotations

import base64
import logging
import stat
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from api.secrets import (
    SEAL_KEY_FILE,
    TOKEN_SECRET_FILE,
    development_file,
    seal_keys,
    secret_weakness,
    token_secret,
)
from api.settings import Settings

SEAL_KEY = base64.b64encode(bytes(range(40, 72))).decode()


def test_dev_generates_a_random_token_secret_once_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(env="dev", data_dir=tmp_path)
    with caplog.at_level(logging.WARNING):
        first = token_secret(settings)
    assert str(tmp_path / TOKEN_SECRET_FILE) in caplog.text
    assert token_secret(settings) == first
    assert secret_weakness(first.decode()) is None
    assert stat.S_IMODE((tmp_path / TOKEN_SECRET_FILE).stat().st_mode) == 0o600
    other = Settings(env="dev", data_dir=tmp_path / "other")
    assert token_secret(other) != first  # never a constant


def test_dev_generates_a_seal_key_that_is_not_derived_from_the_token_secret(
    tmp_path: Path,
) -> None:
    same_secret = SecretStr("one-token-secret-for-both-data-folders-0123456789")
    one = Settings(env="dev", data_dir=tmp_path / "a", secret=same_secret)
    two = Settings(env="dev", data_dir=tmp_path / "b", secret=same_secret)
    assert token_secret(one) == token_secret(two)
    assert seal_keys(one)[0] != seal_keys(two)[0]
    assert stat.S_IMODE((tmp_path / "a" / SEAL_KEY_FILE).stat().st_mode) == 0o600


def test_a_given_seal_key_and_previous_keys_are_used(tmp_path: Path) -> None:
    old = base64.b64encode(bytes(range(100, 132))).decode()
    settings = Settings(
        env="prod", data_dir=tmp_path, seal_key=SecretStr(SEAL_KEY),
        seal_key_previous=SecretStr(f"{old}, "),
    )  # fmt: skip
    key, previous = seal_keys(settings)
    assert key == base64.b64decode(SEAL_KEY) and previous == [base64.b64decode(old)]
    assert not (tmp_path / SEAL_KEY_FILE).exists()


def test_production_never_generates_anything(tmp_path: Path) -> None:
    settings = Settings(env="prod", data_dir=tmp_path)
    with pytest.raises(RuntimeError, match="JIANDU_SECRET"):
        token_secret(settings)
    with pytest.raises(RuntimeError, match="JIANDU_SEAL_KEY"):
        seal_keys(settings)
    assert list(tmp_path.iterdir()) == []


def test_processes_starting_together_agree_on_one_generated_file(tmp_path: Path) -> None:
    results: list[bytes] = []
    barrier = threading.Barrier(8)

    def start(n: int) -> None:
        barrier.wait()
        results.append(development_file(tmp_path, "shared", f"candidate-{n}".encode()))

    threads = [threading.Thread(target=start, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["shared"]  # no leftovers
