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
        typer.echo(f"jiandu: invalid settings (JIANDU_* variables):\n{error}", err=True)
        raise typer.Exit(code=2) from error
