"""`jiandu keys status|rotate-seal`: the seal key and the data keys it wraps."""

from __future__ import annotations

from collections import Counter

import typer

from api.bootstrap import build_keys_db, build_vault
from api.commands.common import settings_or_exit
from api.vault import AesGcmVault

app = typer.Typer(help="The seal key and the wrapped data keys.", no_args_is_help=True)


def _vault() -> tuple[AesGcmVault, object]:
    settings = settings_or_exit()
    db = build_keys_db(settings)
    return build_vault(settings, db), db


def _close(db: object) -> None:
    getattr(db, "close", lambda: None)()


@app.command()
def status() -> None:
    """How many data keys each seal key wraps, and which seal key is in force."""
    vault, db = _vault()
    try:
        by_kek = Counter(
            row.kek_id if row.wrapped is not None else "shredded" for row in vault.keys.rows()
        )
    finally:
        _close(db)
    typer.echo(f"seal key in force: {vault.kek_id}")
    for kek, count in sorted(by_kek.items()):
        mark = " (in force)" if kek == vault.kek_id else ""
        typer.echo(f"  {kek}{mark}: {count} data keys")


@app.command("rotate-seal")
def rotate_seal() -> None:
    """Re-wrap every data key under JIANDU_SEAL_KEY; no stored event changes.

    Set the new key as JIANDU_SEAL_KEY and the old one as JIANDU_SEAL_KEY_PREVIOUS (on every
    process, so that they read both meanwhile), run this, then drop the old key.
    """
    vault, db = _vault()
    try:
        known = set(vault.known_keks())
        unknown = {r.kek_id for r in vault.keys.rows() if r.wrapped and r.kek_id not in known}
        if unknown:
            typer.echo(
                f"jiandu: data keys are wrapped by seal keys that are not configured: "
                f"{', '.join(sorted(unknown))} (give the old key in JIANDU_SEAL_KEY_PREVIOUS); "
                "nothing was changed",
                err=True,
            )
            raise typer.Exit(code=1)
        done = vault.rotate()
    finally:
        _close(db)
    typer.echo(
        f"re-wrapped {done.rewrapped} data keys under seal key {vault.kek_id} "
        f"({done.current} were under it already, {done.shredded} shredded)"
    )
