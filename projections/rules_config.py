"""Reads the rules configuration file: the shipped defaults, with a province's file laid over.

The defaults live beside the catalogue (``domain/rules/defaults.toml``); ``JIANDU_RULES_FILE``
names a province's own file, which may hold only the keys it changes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from domain.errors import InvalidValue
from domain.rules import RuleParameters, check_parameters


class RulesFileError(ValueError):
    """The rules file is missing, is not TOML, or holds values the catalogue refuses."""


def default_text() -> str:
    """The shipped defaults, as text (a province starts its own file from this)."""
    return resources.files("domain.rules").joinpath("defaults.toml").read_text(encoding="utf-8")


def load_parameters(path: Path | None = None) -> RuleParameters:
    """The defaults, overlaid with the file at ``path`` when given."""
    doc: dict[str, Any] = tomllib.loads(default_text())
    source = "defaults"
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise RulesFileError(f"cannot read rules file {path}: {error.strerror}") from None
        try:
            doc = overlay(doc, tomllib.loads(text))
        except tomllib.TOMLDecodeError as error:
            raise RulesFileError(f"rules file {path} is not valid TOML: {error}") from None
        source = str(path)
    try:
        return check_parameters(RuleParameters.from_mapping(doc, source=source))
    except InvalidValue as error:
        raise RulesFileError(f"rules file {source}: {error}") from None


def overlay(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid over ``base``: tables merge key by key, other values replace."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = overlay(merged[key], value)
        else:
            merged[key] = value
    return merged
