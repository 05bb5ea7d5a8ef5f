"""The browser tests' machinery: Debian's Chromium through Playwright, and axe-core's verdict on
a page (the app is served by ``tests.support.servers.serve_live``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("JIANDU_CHROMIUM", "/usr/bin/chromium")
# Root needs --no-sandbox; the rest keep Chromium from calling home (updates, sync, field trials).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-default-apps",
    "--disable-domain-reliability", "--metrics-recording-only", "--no-pings", "--lang=zh-CN",
]  # fmt: skip
SERIOUS = ("serious", "critical")


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Chromium at JIANDU_CHROMIUM (default /usr/bin/chromium); fails when it is missing."""
    path = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    if not path or not os.path.exists(path):
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's chromium package "
            "(deploy/local/prereqs.sh does) or set JIANDU_CHROMIUM",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    results = Axe().run(page)
    found = []
    for violation in results.response.get("violations", []):
        if violation.get("impact") in SERIOUS:
            targets = [", ".join(n.get("target", [])) for n in violation.get("nodes", [])][:3]
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} {targets}"
            )
    return found
