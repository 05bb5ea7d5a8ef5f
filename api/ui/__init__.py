"""The web pages: staff pages under ``/ui/`` and the public complaint pages under ``/report``.

Server-rendered (Jinja2, htmx for partial updates), over the same services as the API.
``api.ui.site.install`` adds them to the app: one line in the composition root.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).parent / "static"
HTMX = ("htmx-2.0.11.min.js", "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717")
"""The vendored htmx (npm package htmx.org 2.0.11, dist/htmx.min.js, BSD-0) and its SHA-256."""
