"""Where the token secret and the seal key come from, and what makes a secret strong enough.

Outside ``JIANDU_ENV=dev|test`` both must be set, each to at least 32 random bytes. In
development an unset one is generated once into the data folder (mode 0600) and the log says
so; no secret is ever a constant of the source.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import logging
import math
import os
import secrets
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.settings import Settings

log = logging.getLogger(__name__)

MIN_SECRET_BYTES = 32
MIN_SECRET_CHARS = 43  # 32 bytes in unpadded base64
MIN_ENTROPY_BITS = 160
RETIRED_DEFAULTS = ("jiandu-dev-secret-not-for-production",)
"""Secrets that once shipped in the source: refused anywhere, whatever is added around them."""
WEAK_WORDS = ("changeme", "password", "secret", "jiandu", "example", "default")
TOKEN_SECRET_FILE = "token-secret"
SEAL_KEY_FILE = "seal-key"


def secret_weakness(text: str) -> str | None:
    """Why ``text`` is not a strong secret (at least 32 random bytes), or None when it is.

    A heuristic, not a proof: it refuses the mistakes people make (short values, white space,
    a repeated character or pattern, runs such as ``abcd``, words such as ``secret``, an old
    default with something added) and accepts what ``openssl rand -base64 32`` prints.
    """
    if any(ch.isspace() for ch in text):
        return "it contains white space"
    if not text.isprintable():
        return "it contains control characters"
    lowered = text.lower()
    if any(old in lowered for old in RETIRED_DEFAULTS):
        return "it contains a development secret that once shipped in the source"
    if len(text.encode()) < MIN_SECRET_CHARS:
        return f"it is shorter than {MIN_SECRET_CHARS} characters (32 random bytes in base64)"
    if any(word in lowered for word in WEAK_WORDS):
        return "it contains a common word"
    if _periodic(text):
        return "it repeats a shorter pattern"
    if _entropy_bits(_without_runs(text)) < MIN_ENTROPY_BITS:
        if _has_run(text, 6):
            return "it has a run of repeated or consecutive characters"
        return "it has too little entropy (use `openssl rand -base64 32`)"
    return None


def _periodic(text: str) -> bool:
    """Whether ``text`` is a shorter string repeated (``abcabcabc``)."""
    return text in (text + text)[1:-1]


def _run_lengths(text: str) -> list[int]:
    """For each character, how long the run it ends is: characters in a row stepping evenly by
    -1, 0 or +1 (``aaaaaa``, ``abcdef``, ``987``)."""
    lengths = [1] * min(len(text), 1)
    run, step = 1, None
    for a, b in itertools.pairwise(text):
        delta = ord(b) - ord(a)
        if abs(delta) <= 1 and (delta == step or run == 1):
            run, step = run + 1, delta
        elif abs(delta) <= 1:
            run, step = 2, delta
        else:
            run, step = 1, None
        lengths.append(run)
    return lengths


def _has_run(text: str, length: int) -> bool:
    """Whether ``length`` characters in a row step evenly by -1, 0 or +1 (aaaaaa, abcdef)."""
    return any(run >= length for run in _run_lengths(text))


def _without_runs(text: str) -> str:
    """``text`` less every character that continues a run past its second: a run carries no
    entropy, so ``abcdefgh`` counts as ``ab``.

    Runs are not refused outright: random secrets have them too (a 64-digit hex secret holds a
    run of six about once in 5,000), and refusing those would refuse what ``openssl rand -hex
    32`` prints. The entropy is judged without them instead.
    """
    return "".join(ch for ch, run in zip(text, _run_lengths(text), strict=True) if run <= 2)


def _entropy_bits(text: str) -> float:
    """Length times the empirical entropy per character: low for few distinct characters."""
    counts = Counter(text)
    per_char = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    return per_char * len(text)


def decode_seal_key(text: str) -> bytes:
    """A seal key as settings carry it: base64 (or base64url) of exactly 32 bytes."""
    try:
        key = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("a seal key must be base64 (e.g. `openssl rand -base64 32`)") from error
    if len(key) != 32:
        raise ValueError(f"a seal key must decode to 32 bytes (AES-256), got {len(key)}")
    if len(set(key)) < 8:
        raise ValueError("a seal key must be random bytes (this one repeats a few values)")
    return key


def development_file(data_dir: Path, name: str, make: bytes) -> bytes:
    """The content of ``data_dir/name``, creating it (0600) with ``make`` the first time.

    Two processes starting together agree: the file is written aside and linked into place,
    and the one that loses the race reads the winner's.
    """
    path = data_dir / name
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    aside = data_dir / f".{name}.{secrets.token_hex(6)}"
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(make + b"\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(aside, path)
            log.warning(
                "development: generated a random %s into %s (set it explicitly outside dev)",
                name.replace("-", " "), path,
            )  # fmt: skip
        except FileExistsError:
            pass
    finally:
        aside.unlink(missing_ok=True)
    return path.read_bytes().strip()


class MissingSecret(RuntimeError):
    """A secret the settings must name outside dev/test is not set (the CLI says so, exit 2)."""


DATABASE_FILES = ("events.sqlite3", "views.sqlite3", "keys.sqlite3")


def private_folder(data_dir: Path) -> None:
    """Make the data folder readable by its owner only: the folder 0700, every file in it 0600,
    and the databases created empty with 0600 before SQLite opens them (SQLite gives its
    write-ahead log and shared-memory files the database file's mode)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in DATABASE_FILES:
        os.close(os.open(data_dir / name, os.O_WRONLY | os.O_CREAT, 0o600))
    for path in [data_dir, *data_dir.iterdir()]:
        if path.is_symlink() or not (path.is_file() or path == data_dir):
            continue
        try:
            os.chmod(path, 0o700 if path == data_dir else 0o600)
        except PermissionError:  # a mount owned by someone else: say so, do not stop
            log.warning("cannot make %s private to its owner (not ours)", path)


def random_text(nbytes: int = 32) -> bytes:
    """``nbytes`` random bytes as unpadded base64url text."""
    return base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).rstrip(b"=")


def token_secret(settings: Settings) -> bytes:
    """The key that signs tokens and cursors: JIANDU_SECRET, or in dev/test a generated one."""
    if settings.secret is not None:
        return settings.secret.get_secret_value().encode()
    if not settings.development():
        raise MissingSecret(
            f"JIANDU_ENV={settings.env} needs JIANDU_SECRET (at least 32 random bytes, "
            "e.g. `openssl rand -base64 32`; JIANDU_ENV=dev generates one)"
        )
    path = settings.data_dir.resolve() / TOKEN_SECRET_FILE
    if path not in _GENERATED:  # read once per process (web pages ask on every request)
        _GENERATED[path] = development_file(settings.data_dir, TOKEN_SECRET_FILE, random_text())
    return _GENERATED[path]


_GENERATED: dict[Path, bytes] = {}


def seal_keys(settings: Settings) -> tuple[bytes, list[bytes]]:
    """The seal key (key-encryption key) in force and the earlier ones still accepted.

    JIANDU_SEAL_KEY, or in dev/test one generated into the data folder; never derived from
    the token secret, so that whoever can sign tokens still cannot unseal identities.
    """
    previous = []
    if settings.seal_key_previous is not None:
        text = settings.seal_key_previous.get_secret_value()
        previous = [decode_seal_key(part.strip()) for part in text.split(",") if part.strip()]
    if settings.seal_key is not None:
        return decode_seal_key(settings.seal_key.get_secret_value()), previous
    if not settings.development():
        raise MissingSecret(
            f"JIANDU_ENV={settings.env} needs JIANDU_SEAL_KEY (`openssl rand -base64 32`; "
            "JIANDU_ENV=dev generates one)"
        )
    made = base64.b64encode(secrets.token_bytes(32))
    kept = development_file(settings.data_dir, SEAL_KEY_FILE, made)
    return decode_seal_key(kept.decode()), previous
