"""The manifest of a backup folder: what it holds, from where, and each file's checksum."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT = "jiandu-backup"
FORMAT_VERSION = 1
NAME = "manifest.json"


class BackupError(Exception):
    """A backup cannot be taken or restored as asked; nothing was written (exit 2)."""


@dataclass
class Manifest:
    """``position``: every event up to it is in the backup (later ones may be too)."""

    mode: str  # embedded | distributed
    release: str
    position: int
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    schemas: dict[str, str] = field(default_factory=dict)  # distributed: store, views
    kept_tables: list[str] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def add(self, folder: Path, name: str) -> None:
        """Record a file of the backup with its size and SHA-256."""
        path = folder / name
        self.files[name] = {"bytes": path.stat().st_size, "sha256": sha256(path)}

    def write(self, folder: Path) -> None:
        (folder / NAME).write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The manifest of a backup folder whose files are all there and intact."""
        path = folder / NAME
        if not path.is_file():
            raise BackupError(f"{folder} is not a Jiandu backup (no {NAME})")
        try:
            data = json.loads(path.read_text())
            manifest = cls(**data)
        except (ValueError, TypeError) as error:
            raise BackupError(f"{path} is not a readable backup manifest: {error}") from error
        if manifest.format != FORMAT or manifest.format_version != FORMAT_VERSION:
            raise BackupError(
                f"{path}: format {manifest.format} v{manifest.format_version} is not "
                f"{FORMAT} v{FORMAT_VERSION}"
            )
        for name, facts in manifest.files.items():
            file = folder / name
            if not file.is_file():
                raise BackupError(f"the backup lacks {name}")
            if sha256(file) != facts["sha256"]:
                raise BackupError(f"{name} does not match its checksum: the backup is damaged")
        return manifest


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def empty_folder(folder: Path) -> None:
    """Make ``folder`` (a new or empty folder), or refuse one that holds anything."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} exists and is not an empty folder: choose a new one")
    folder.mkdir(parents=True, exist_ok=True)
