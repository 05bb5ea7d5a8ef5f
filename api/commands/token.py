"""`jiandu token issue --role ROLE --subject NAME [--ttl 8h]`."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from api.auth import ROLES, issue_token
from api.commands.common import settings_or_exit

app = typer.Typer(help="API tokens.", no_args_is_help=True)
_TTL = re.compile(r"^(\d+)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> int:
    """Seconds of a duration such as 90s, 30m, 8h or 7d."""
    match = _TTL.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise typer.BadParameter("use a duration such as 30m, 8h or 7d")
    return int(match.group(1)) * _UNIT[match.group(2)]


@app.command()
def issue(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    subject: Annotated[
        str, typer.Option(help="Who acts with this token (recorded on every event).")
    ],
    ttl: Annotated[str, typer.Option(help="Lifetime, e.g. 30m, 8h, 7d.")] = "8h",
) -> None:
    """Print a signed bearer token (signed with JIANDU_SECRET)."""
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    settings = settings_or_exit()
    secret = settings.secret.get_secret_value()
    try:
        token = issue_token(secret, subject=subject, role=role, ttl_seconds=parse_ttl(ttl))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    typer.echo(token)
