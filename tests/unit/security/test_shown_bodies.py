"""JSON answers show invisible format controls written out, and nothing else changes."""

from __future__ import annotations

import json

from api.shown import shown
from domain.values import FORMAT_CONTROLS


def _body(text: str) -> bytes:
    return json.dumps({"text": text}, ensure_ascii=False).encode()


def test_every_control_is_written_out_among_lookalike_punctuation() -> None:
    for ch in FORMAT_CONTROLS:
        body = _body(f"“借调”—{ch}…")
        assert json.loads(shown(body))["text"] == f"“借调”—[U+{ord(ch):04X}]…"


def test_a_body_without_controls_is_answered_as_it_was() -> None:
    # “ ” — … share their leading bytes with the controls (U+2000-U+206F).
    for text in ("“借调”——违规…", "plain", "\u2010\u2028\u2070", ""):
        body = _body(text)
        assert shown(body) is body
