"""`jiandu audit keygen | checkpoint | check | witness`, and the offline checker run alone, as
an outside auditor runs it: one copied file, no Jiandu installed beside it."""

from __future__ import annotations

import ast
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from api.app import create_app
from projections.ledger import offline
from projections.ledger.keys import NoteSigner, read_key
from projections.ledger.offline import COSIGNATURE_V1, VerifierKey, open_checkpoint
from tests.support.http import TEST_SEAL_KEY, app_settings, bearer
from tests.support.ledger import county_env
from tests.support.servers import serve_live

JIANDU = Path(sys.executable).parent / "jiandu"
TODAY = date(2026, 6, 15)


def jiandu(county: Path, *args: str, **more: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    return subprocess.run([str(JIANDU), *args], env=env | county_env(county, **more),
                          capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def test_keygen_writes_a_private_key_for_its_owner_and_prints_the_verifier_key(
    tmp_path: Path,
) -> None:
    out = tmp_path / "keys" / "ledger.key"
    done = jiandu(tmp_path, "audit", "keygen", "--origin", "qinghe.gov.example/jiandu",
                  "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    vkey = VerifierKey.parse(done.stdout.strip())
    assert vkey.name == "qinghe.gov.example/jiandu"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert read_key(out).verifier == vkey
    assert Path(f"{out}.pub").read_text().strip() == str(vkey)
    again = jiandu(tmp_path, "audit", "keygen", "--origin", "x.example/y", "--out", str(out))
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr
    assert read_key(out).verifier == vkey
    witness = jiandu(tmp_path, "audit", "keygen", "--origin", "w.example/1", "--witness",
                     "--out", str(tmp_path / "w.key"))  # fmt: skip
    assert VerifierKey.parse(witness.stdout.strip()).type == COSIGNATURE_V1
    bad = jiandu(tmp_path, "audit", "keygen", "--origin", "has space", "--out",
                 str(tmp_path / "z.key"))  # fmt: skip
    assert bad.returncode == 2 and not (tmp_path / "z.key").exists()


def test_a_key_rotation_hands_over_with_a_checkpoint_signed_by_both_keys(county: Path) -> None:
    old = county / "ledger.key"  # the development key the county was loaded with
    new = county / "rotated.key"
    made = jiandu(county, "audit", "keygen", "--origin", read_key(old).name, "--out", str(new))
    assert made.returncode == 0, made.stderr
    rotated = {"JIANDU_LEDGER_KEY_FILE": str(new),
               "JIANDU_LEDGER_PREVIOUS_KEYS": str(read_key(old).verifier)}  # fmt: skip
    nothing = jiandu(county, "audit", "checkpoint", "--also-sign", str(old), **rotated)
    assert nothing.returncode == 0 and "nothing new to sign" in nothing.stderr
    _record_unit(county, "ROTATED")
    signed = jiandu(county, "audit", "checkpoint", "--also-sign", str(old), **rotated)
    assert signed.returncode == 0, signed.stderr
    _, verified = offline.open_note(signed.stdout, [read_key(old).verifier,
                                                    read_key(new).verifier])  # fmt: skip
    assert verified == {read_key(new).name}  # both keys share the log's name
    lines = [line for line in signed.stdout.splitlines() if line.startswith("\u2014 ")]
    assert len(lines) == 2
    verify = jiandu(county, "audit", "verify", "--no-read-models", **rotated)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    without_old = jiandu(county, "audit", "verify", "--no-read-models",
                         JIANDU_LEDGER_KEY_FILE=str(new))  # fmt: skip
    assert without_old.returncode == 1 and "JIANDU_LEDGER_PREVIOUS_KEYS" in without_old.stdout


def _record_unit(county: Path, code: str) -> None:
    from api.bootstrap import build

    platform = build(app_settings(county, today=TODAY))
    try:
        platform.services.organisation.register_unit(
            "clerk-1", code=code, name="新设单位", level="county", kind="government"
        )
    finally:
        platform.close()


def test_the_offline_checker_is_one_file_over_the_standard_library_and_cryptography(
    county: Path, tmp_path: Path
) -> None:
    source = Path(offline.__file__)
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - {"cryptography", "__future__"} <= set(sys.stdlib_module_names)
    alone = tmp_path / "auditor"
    alone.mkdir()
    shutil.copy(source, alone / "offline.py")
    bundle = _export(county, tmp_path)
    vkey = str(read_key(county / "ledger.key").verifier)
    run = [sys.executable, "-I", "offline.py", str(bundle), "--key", vkey]
    done = subprocess.run(run, cwd=alone, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("ok: ")
    via_cli = jiandu(county, "audit", "check", str(bundle), "--key", vkey)
    assert via_cli.returncode == 0 and via_cli.stdout == done.stdout
    wrong = NoteSigner.generate(read_key(county / "ledger.key").name).verifier
    refused = subprocess.run([*run[:-1], str(wrong)], cwd=alone, capture_output=True, text=True,
                             check=False)  # fmt: skip
    assert refused.returncode == 1 and "FAILED" in refused.stdout
    usage = subprocess.run([*run[:-1], "not-a-key"], cwd=alone, capture_output=True, text=True,
                           check=False)  # fmt: skip
    assert usage.returncode == 2


def _export(county: Path, folder: Path) -> Path:
    from tests.support.http import serve

    with serve(county, today=TODAY) as client:
        (row,) = client.app.state.platform.views.query(  # type: ignore[attr-defined]
            "SELECT code FROM cadres ORDER BY code LIMIT 1"
        )
        response = client.get("/api/v1/audit/export", params={"cadre": row["code"]},
                              headers=bearer("auditor"))  # fmt: skip
    assert response.status_code == 200, response.text
    path = folder / "bundle.zip"
    path.write_bytes(response.content)
    return path


# -- witnesses, against a real HTTP server -----------------------------------------------------


@pytest.fixture
def witness_key(tmp_path: Path) -> Path:
    path = tmp_path / "witness.key"
    done = jiandu(tmp_path, "audit", "keygen", "--origin", "witness.example/commission",
                  "--witness", "--out", str(path))  # fmt: skip
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def server(county: Path, witness_key: Path) -> Iterator[str]:
    """The platform over the county, served by uvicorn on a free port, its base URL."""
    vkey = str(read_key(witness_key, cosign=True).verifier)
    settings = app_settings(county, today=TODAY, ledger_witness_keys=vkey,
                        ledger_checkpoint_every=1)  # fmt: skip
    with serve_live(create_app(settings)) as url:
        yield url


def witness(county: Path, url: str, key: Path, state: Path) -> subprocess.CompletedProcess[str]:
    token = bearer("auditor", "commission")["Authorization"].split(" ", 1)[1]
    log_key = str(read_key(county / "ledger.key").verifier)
    return jiandu(county, "audit", "witness", "--url", url, "--key", str(key), "--log-key",
                  log_key, "--state", str(state), "--token", token)  # fmt: skip


def test_a_witness_cosigns_then_follows_the_log_and_refuses_a_fork(
    county: Path, server: str, witness_key: Path, tmp_path: Path
) -> None:
    state = tmp_path / "witness-state.json"
    first = witness(county, server, witness_key, state)
    assert first.returncode == 0, first.stderr
    seen = json.loads(state.read_text())
    cosigner = read_key(witness_key, cosign=True).verifier
    log_key = read_key(county / "ledger.key").verifier
    note = _get(server, "/api/v1/audit/checkpoint")
    checkpoint, _, _ = open_checkpoint(note, [log_key], [cosigner])
    assert checkpoint.size == seen["size"]

    _record_unit(county, "AFTER-WITNESS")  # the log grows; the server signs a new checkpoint
    deadline = time.monotonic() + 60  # the integrator runs in the server's background thread
    while open_checkpoint(_get(server, "/api/v1/audit/checkpoint"), [log_key])[0].size == (
        checkpoint.size
    ):
        assert time.monotonic() < deadline, "the server signed no new checkpoint"
        time.sleep(0.05)
    second = witness(county, server, witness_key, state)
    assert second.returncode == 0, second.stderr
    assert json.loads(state.read_text())["size"] > seen["size"]

    forked = json.loads(state.read_text())
    forked["root"] = forked["root"][:-4] + ("AAA=" if forked["root"][-4:] != "AAA=" else "BBB=")
    state.write_text(json.dumps(forked))
    refused = witness(county, server, witness_key, state)
    assert refused.returncode == 1 and "REFUSED" in refused.stderr and "forked" in refused.stderr
    assert json.loads(state.read_text()) == forked  # the witness's memory is kept

    ahead = {**forked, "size": forked["size"] + 100}
    state.write_text(json.dumps(ahead))
    rollback = witness(county, server, witness_key, state)
    assert rollback.returncode == 1 and "rollback" in rollback.stderr


def _get(url: str, path: str) -> str:
    import urllib.request

    request = urllib.request.Request(url + path, headers=bearer("auditor"))
    with urllib.request.urlopen(request) as response:
        return str(response.read().decode())


def test_outside_dev_without_a_key_the_ledger_commands_say_what_to_set(tmp_path: Path) -> None:
    prod = {"JIANDU_ENV": "prod", "JIANDU_SECRET": "Tq3v9XbL0_wzR7mKp2sNcY8hJ4fD1gA6-eUiOxZ5yWq",
            "JIANDU_SEAL_KEY": TEST_SEAL_KEY}  # fmt: skip
    for args in (("audit", "verify"), ("audit", "integrate"), ("audit", "checkpoint")):
        done = jiandu(tmp_path, *args, **prod)
        assert done.returncode == 2, done.stderr
        assert "JIANDU_LEDGER_KEY_FILE" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "ledger.key").exists()  # never made outside dev/test
    served = jiandu(tmp_path, "serve", "--port", "1", **prod)
    assert served.returncode == 2 and "JIANDU_LEDGER_KEY_FILE" in served.stderr
