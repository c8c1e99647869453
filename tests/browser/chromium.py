"""The Chromium that drives the pages, and the flags it starts with: the same for the
journeys (tests/browser/conftest.py) and the documentation's screenshots
(scripts/screenshots.py). It imports nothing of pytest or Django, so a script may use it."""

import os

CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
