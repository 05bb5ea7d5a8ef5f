"""`jiandu access verify | anchor`: the access log's chain and its anchors in the event store."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from api.access_anchoring import Anchoring
from api.bootstrap import build
from api.commands.common import settings_or_exit

app = typer.Typer(
    help="The access log (who read which record): check it, anchor it.", no_args_is_help=True
)


@app.command()
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Recompute the access log's hash chain and compare it with every anchor the event store
    holds. Exit 0 when all holds, 1 naming the first broken entry otherwise."""
    with build(settings_or_exit()) as platform:
        anchoring = Anchoring(platform.store, platform.access_log)
        anchors = anchoring.anchors()
        found = platform.access_log.check(anchors)
    last = anchors[-1][0] if anchors else None
    if as_json:
        typer.echo(json.dumps({
            "ok": found.ok, "entries": found.entries, "anchors": found.anchors,
            "last_anchored": last, "first_bad": found.first_bad, "problem": found.problem,
        }, ensure_ascii=False))  # fmt: skip
    elif found.ok:
        anchored = f"entries up to {last} anchored" if last else "no anchor yet"
        typer.echo(f"ok: {found.entries} entries chained; {found.anchors} anchors, {anchored}")
    else:
        typer.echo(
            f"FAILED: access log entry {found.first_bad}: {found.problem} "
            f"({found.entries} entries intact before it; {found.anchors} anchors)"
        )
    raise typer.Exit(code=0 if found.ok else 1)


@app.command()
def anchor() -> None:
    """Record the access log's head in the event store now (the server does it every
    JIANDU_ACCESS_ANCHOR_SECONDS)."""
    with build(settings_or_exit()) as platform:
        head = Anchoring(platform.store, platform.access_log).anchor()
    if head is None:
        typer.echo("nothing new to anchor")
    else:
        typer.echo(f"anchored entry {head[0]} ({head[1][:16]}…)")
