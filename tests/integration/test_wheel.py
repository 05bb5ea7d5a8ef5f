"""The wheel the image installs: built from this tree, installed into a fresh virtual
environment (no source tree beside it), and working there."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, check=False, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_installs_alone_and_its_command_works(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("jiandu-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("jiandu-")}
    assert tops == {"api", "consumers", "demo", "domain", "projections"}
    assert "domain/rules/defaults.toml" in names  # package data the rules need at run time

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    run(bin_dir / "pip", "install", "-q", "--disable-pip-version-check", wheel, cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"  # nothing of the source tree is importable from here
    elsewhere.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("JIANDU_", "PYTHON"))}
    environ |= {"JIANDU_DATA_DIR": str(elsewhere / "data"), "JIANDU_ENV": "test"}
    jiandu = bin_dir / "jiandu"
    assert "serve" in run(jiandu, "--help", cwd=elsewhere, env=environ)
    assert run(jiandu, "version", cwd=elsewhere, env=environ).startswith("jiandu 0.")
    assert "transfer_ban_years" in run(jiandu, "rules", "defaults", cwd=elsewhere, env=environ)
    assert "setup recorded" in run(jiandu, "migrate", cwd=elsewhere, env=environ)
    where = run(bin_dir / "python", "-c", "import api; print(api.__file__)", cwd=elsewhere,
                env=environ)  # fmt: skip
    assert where.startswith(str(env_dir))
