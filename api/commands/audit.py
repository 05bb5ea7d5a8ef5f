"""`jiandu audit keygen | verify | check | checkpoint | witness | integrate`."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from api.audit_check import run_verification
from api.bootstrap import Platform, build
from api.commands.common import settings_or_exit
from projections.framework import Progress as Reached
from projections.ledger import offline
from projections.ledger.keys import NoteSigner, read_key, write_key
from projections.ledger.offline import COSIGNATURE_V1, ED25519, LedgerError, VerifierKey
from projections.ledger.service import AuditLedger
from projections.ledger.witness import Refused, Witnessed, cosign


def ledger_of(platform: Platform, *, signing: bool = False) -> AuditLedger:
    """The platform's ledger, or a message naming the setting and exit 2."""
    ledger = platform.ledger
    if ledger is None or (signing and ledger.keys.signer is None):
        what = "the log's signing key" if ledger is not None else "the log's key"
        typer.echo(
            f"jiandu: the audit ledger needs {what}: set JIANDU_LEDGER_KEY_FILE (a key from "
            "`jiandu audit keygen`)"
            + ("" if signing else ", or JIANDU_LEDGER_VKEY to verify only"),
            err=True,
        )
        raise typer.Exit(code=2)
    return ledger


app = typer.Typer(
    help="The audit ledger: keys, verification, checkpoints, witnesses.", no_args_is_help=True
)
console = Console(stderr=True)


@app.command()
def keygen(
    origin: Annotated[
        str, typer.Option(help="The log's (or witness's) name, e.g. qinghe.gov.example/jiandu.")
    ],
    out: Annotated[Path, typer.Option(help="The private key file to write (mode 0600).")],
    witness: Annotated[bool, typer.Option(help="A witness's cosigning key.")] = False,
) -> None:
    """Write a new Ed25519 signed-note key; its verifier key goes to OUT.pub and stdout."""
    try:
        signer = NoteSigner.generate(origin, COSIGNATURE_V1 if witness else ED25519)
        write_key(out, signer)
    except FileExistsError:
        typer.echo(f"jiandu: {out} exists; refusing to overwrite a key", err=True)
        raise typer.Exit(code=2) from None
    except LedgerError as error:
        typer.echo(f"jiandu: {error}", err=True)
        raise typer.Exit(code=2) from None
    console.print(f"private key written to {out} (keep it secret); verifier key in {out}.pub:")
    typer.echo(str(signer.verifier))


@app.command()
def verify(
    read_models: Annotated[
        bool, typer.Option(help="Also compare the read models with a rebuild from the events.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Recompute every leaf from the event store, check the tiles and every checkpoint, and
    compare the read models with a rebuild. Exit 0 when all holds, 1 naming the first bad
    position otherwise."""
    with build(settings_or_exit()) as platform:
        ledger_of(platform)
        with Progress(
            TextColumn("rebuilding read models to compare"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("rebuild", total=None)

            def advance(reached: Reached) -> None:
                bar.update(task, completed=reached.position, total=reached.target)

            console.print("verifying the audit ledger against the event store ...")
            report = run_verification(platform, read_models=read_models, on_progress=advance)
    document = report.document()
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=1))
    else:
        _print_report(document)
    raise typer.Exit(code=0 if report.ok else 1)


def _print_report(doc: dict[str, Any]) -> None:
    for problem in doc["problems"]:
        where = f"position {problem['position']}" if problem["position"] is not None else "ledger"
        typer.echo(f"FAILED {where}: {problem['problem']}")
    models = doc["read_models"]
    if models is not None and models["difference"]:
        state = "FAILED" if not models["ok"] else "skipped"
        typer.echo(f"{state} read models: {models['difference']}")
    summary = (
        f"{doc['checked']} events, {doc['leaves']} leaves, {doc['checkpoints']} checkpoints "
        f"checked; {doc['pending']} events not in the ledger yet"
    )
    if models is not None and models["ok"] and not models["difference"]:
        summary += f"; read models match a rebuild at position {models['position']}"
    if doc["ok"]:
        typer.echo(f"ok: {summary}")
    else:
        first = doc["first_bad_position"]
        typer.echo(f"FAILED: first bad position {first}; {summary}")


@app.command()
def check(
    bundle: Annotated[Path, typer.Argument(help="A bundle from GET /api/v1/audit/export.")],
    key: Annotated[
        list[str], typer.Option(help="The log's verifier key (repeat after a key rotation).")
    ],
    witness: Annotated[
        list[str] | None, typer.Option(help="A witness's verifier key that must have cosigned.")
    ] = None,
) -> None:
    """Verify an export bundle offline: no database, no server (the offline checker)."""
    argv = [str(bundle)] + [a for k in key for a in ("--key", k)]
    argv += [a for w in witness or [] for a in ("--witness", w)]
    raise typer.Exit(code=offline.main(argv))


@app.command()
def checkpoint(
    also_sign: Annotated[
        Path | None,
        typer.Option(
            help="Another log key file that signs the checkpoint too (the old key, "
            "to hand over during a key rotation)."
        ),
    ] = None,
) -> None:
    """Append what the store holds, sign a checkpoint now if the tree grew, print the latest."""
    with build(settings_or_exit()) as platform:
        ledger = ledger_of(platform, signing=True)
        also = [read_key(also_sign)] if also_sign else []
        try:
            signed = ledger.sign_now(also)
        except LedgerError as error:
            typer.echo(f"jiandu: {error}", err=True)
            raise typer.Exit(code=1) from None
        latest = ledger.checkpoint_note()
    if signed is None:
        console.print("nothing new to sign; the latest checkpoint:")
    typer.echo(latest, nl=False)


@app.command()
def integrate() -> None:
    """Append every stored event to the ledger now, with progress (serve does it continuously)."""
    with build(settings_or_exit()) as platform:
        ledger = ledger_of(platform, signing=True)
        integrator = ledger.integrator
        with Progress(
            TextColumn("integrating"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar:
            task = bar.add_task("integrate", total=platform.store.position())
            integrator.catch_up(lambda done, target: bar.update(task, completed=done, total=target))
        integrator.sign_if_due(force=True)
        head = ledger.tables.head()
    typer.echo(f"ledger at {head.size} leaves (position {head.position})")


@app.command(name="witness")
def witness_command(
    url: Annotated[str, typer.Option(help="The platform's base URL, e.g. https://jiandu.example")],
    key: Annotated[Path, typer.Option(help="This witness's private key file.")],
    log_key: Annotated[str, typer.Option(help="The log's verifier key.")],
    state: Annotated[Path, typer.Option(help="This witness's state file (last cosigned).")],
    token: Annotated[
        str | None, typer.Option(help="An auditor's API token [JIANDU_WITNESS_TOKEN].")
    ] = None,
) -> None:
    """Cosign the platform's latest checkpoint if it extends the last one this witness
    cosigned (checked with a consistency proof); refuse a fork or a rollback (exit 1)."""
    bearer = token or os.environ.get("JIANDU_WITNESS_TOKEN")
    if not bearer:
        typer.echo("jiandu: give --token or JIANDU_WITNESS_TOKEN (an auditor's token)", err=True)
        raise typer.Exit(code=2)
    try:
        signer = read_key(key, cosign=True)
        log_vkey = VerifierKey.parse(log_key)
        last = Witnessed.load(state)
    except LedgerError as error:
        typer.echo(f"jiandu: {error}", err=True)
        raise typer.Exit(code=2) from None
    api = _Api(url, bearer)
    try:
        note = api.get("/api/v1/audit/checkpoint").decode("utf-8")
        signed, line = cosign(note, log_vkey, signer, last, api.consistency)
    except Refused as error:
        typer.echo(f"REFUSED: {error}", err=True)
        raise typer.Exit(code=1) from None
    except (LedgerError, OSError, ValueError) as error:
        typer.echo(f"jiandu: {error}", err=True)
        raise typer.Exit(code=2) from None
    Witnessed(signed.origin, signed.size, signed.root).save(state)
    try:
        api.post(
            "/api/v1/audit/checkpoint/cosignatures", {"size": signed.size, "cosignatures": [line]}
        )
    except OSError as error:
        typer.echo(f"jiandu: cosigned size {signed.size}, but submitting failed: {error}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"cosigned {signed.origin} at size {signed.size}")


class _Api:
    """The few calls a witness makes (standard library HTTP)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> bytes:
        request = urllib.request.Request(self.base + path, headers=self.headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            body: bytes = response.read()
            return body

    def post(self, path: str, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        headers = {**self.headers, "Content-Type": "application/json"}
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=30):
            pass

    def consistency(self, first: int, second: int) -> list[bytes]:
        query = urllib.parse.urlencode({"first": first, "second": second})
        found = json.loads(self.get(f"/api/v1/audit/consistency?{query}"))
        return [base64.b64decode(h) for h in found["proof"]]
