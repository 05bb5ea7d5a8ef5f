"""`jiandu token issue|revoke|revocations`: bearer tokens, and taking them back."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from api.access import Revocations
from api.bootstrap import build_keys_db
from api.commands.common import settings_or_exit
from api.secrets import token_secret
from api.tokens import ROLES, TokenError, issue_token, read_token

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
    unit: Annotated[
        str | None,
        typer.Option(help="Limit the token to this unit's subtree (need to know)."),
    ] = None,
) -> None:
    """Print a signed bearer token (signed with JIANDU_SECRET)."""
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    settings = settings_or_exit()
    seconds = parse_ttl(ttl)
    if seconds > settings.token_max_ttl:
        raise typer.BadParameter(
            f"longer than JIANDU_TOKEN_MAX_TTL ({settings.token_max_ttl} s)", param_hint="--ttl"
        )
    try:
        token = issue_token(
            token_secret(settings), subject=subject, role=role, ttl_seconds=seconds, unit=unit
        )
    except (ValueError, RuntimeError) as error:
        raise typer.BadParameter(str(error)) from None
    typer.echo(token)


@app.command()
def revoke(
    reason: Annotated[str, typer.Option(help="Why (kept with the revocation).")],
    token: Annotated[
        str | None, typer.Argument(help="The token to revoke (or give --jti or --subject).")
    ] = None,
    jti: Annotated[str | None, typer.Option(help="The id of the token to revoke.")] = None,
    subject: Annotated[
        str | None, typer.Option(help="Revoke every token of this subject issued until now.")
    ] = None,
    by: Annotated[str, typer.Option(help="Who revokes (kept with the revocation).")] = "operator",
) -> None:
    """Revoke one token, or every token a subject holds; the API refuses them at once."""
    if sum(x is not None for x in (token, jti, subject)) != 1:
        raise typer.BadParameter("give exactly one of TOKEN, --jti or --subject")
    if not reason.strip():
        raise typer.BadParameter("a revocation needs a reason", param_hint="--reason")
    settings = settings_or_exit()
    if token is not None:
        try:
            jti = read_token(token_secret(settings), token).jti
        except TokenError as error:
            raise typer.BadParameter(f"not a token of this installation: {error}") from None
    kind, value = ("subject", subject) if subject is not None else ("jti", jti)
    assert value is not None
    db = build_keys_db(settings)
    try:
        Revocations(db).revoke(kind, value, by=by, reason=reason)
    finally:
        getattr(db, "close", lambda: None)()
    typer.echo(f"revoked {kind} {value}")


@app.command()
def revocations() -> None:
    """List the revocations, newest first."""
    settings = settings_or_exit()
    db = build_keys_db(settings)
    try:
        for r in Revocations(db).list():
            typer.echo(f"{r.revoked_at}  {r.kind:7}  {r.value}  by {r.revoked_by}: {r.reason}")
    finally:
        getattr(db, "close", lambda: None)()
