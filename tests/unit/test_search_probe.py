"""The search engine probe behind /readyz and /metrics: an engine that hangs is reported
without holding the caller, and never gets a second question while the first is pending."""

from __future__ import annotations

import threading

from api.search_probe import SearchProbe


def test_a_hanging_engine_is_reported_and_asked_once_until_it_answers() -> None:
    release, asked = threading.Event(), []

    def ping() -> None:
        asked.append(1)
        release.wait()

    probe = SearchProbe(ping, wait=0.01)
    assert probe.trouble() == "no answer within 0.01 s"
    assert probe.trouble() == "no answer within 0.01 s"
    assert len(asked) == 1  # the pending question is waited on again, not asked anew
    release.set()
    probe.wait = 60  # bounds the wait only: the released ping returns at once
    assert probe.trouble() is None
    assert probe.trouble() is None and len(asked) == 2  # a finished question: asked anew


def test_an_engine_that_fails_is_named_by_its_error() -> None:
    def ping() -> None:
        raise ConnectionRefusedError("refused")

    assert SearchProbe(ping).trouble() == "ConnectionRefusedError"
