"""Helpers shared by the command families."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from api.settings import Settings


def settings_or_exit(**overrides: object) -> Settings:
    """Settings from the environment (plus given options), or a clear message and exit 2."""
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as error:
        typer.echo(f"jiandu: invalid settings (JIANDU_* variables):\n{described(error)}", err=True)
        raise typer.Exit(code=2) from error


def described(error: ValidationError) -> str:
    """One line per problem, naming the variable, never echoing a value (values hold
    secrets: the token secret, the seal key, the Kafka password)."""
    lines = []
    for problem in error.errors(include_url=False, include_input=False, include_context=False):
        name = "_".join(str(part) for part in problem["loc"]).upper()
        where = f"JIANDU_{name}" if name else "settings"
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)
