"""`jiandu ui link --role ROLE --subject NAME`: a one-time sign-in link for the web pages."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import typer

from api.auth import ROLES
from api.commands.common import settings_or_exit
from api.commands.token import parse_ttl
from api.secrets import token_secret
from api.ui.links import LINK_TTL_SECONDS, make_code

app = typer.Typer(help="The web pages.", no_args_is_help=True)


@app.command()
def link(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    subject: Annotated[str, typer.Option(help="Who signs in (recorded on every event).")],
    session: Annotated[str, typer.Option(help="How long the session lasts, e.g. 30m, 8h.")] = "8h",
    base_url: Annotated[
        str | None, typer.Option(help="The server's address [http://JIANDU_HOST:JIANDU_PORT].")
    ] = None,
) -> None:
    """Print a sign-in link for the staff pages: it works once, within ten minutes.

    No token travels in the link: the session is made when the link is used, so a link that
    lands in a log or a shell history is worthless after its first use or its ten minutes."""
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    settings = settings_or_exit()
    if parse_ttl(session) > settings.token_max_ttl:
        raise typer.BadParameter(
            f"longer than JIANDU_TOKEN_MAX_TTL ({settings.token_max_ttl} s)", param_hint="--session"
        )
    try:
        code = make_code(token_secret(settings).decode(), subject=subject, role=role,
                         session_seconds=parse_ttl(session))  # fmt: skip
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = (base_url or f"http://{host}:{settings.port}").rstrip("/")
    typer.echo(f"{base}/ui/link?code={quote(code)}")
    typer.echo(f"(valid {LINK_TTL_SECONDS // 60} minutes, once)", err=True)
