"""Playwright against Django's live_server, driving Debian's Chromium.

A missing browser fails the tests: it never skips them (`make test` deselects the browser
marker, and says so, on a workstation without Chromium; CI installs it).
"""

import json
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: apt-get update && apt-get install -y chromium"
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url, "locale": "en-GB"}


@pytest.fixture
def page(page):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_default_timeout(10_000)
    yield page
    # A script error or a CSP violation in any visited page fails the test.
    assert not errors, f"Browser console errors: {errors}"


def assert_house_font(page):
    """The page's text is set in the design system's sans-serif fallback (Arial), not the
    browser's default serif: in the body, the main heading and the form controls."""
    families = page.evaluate(
        """() => [document.body, document.querySelector('h1'),
                  document.querySelector('main input, main button, main select')]
            .filter(Boolean).map(el => getComputedStyle(el).fontFamily)"""
    )
    wrong = [f for f in families if not f.lower().startswith("arial")]
    assert not wrong, f"Not in the house font on {page.url}: {wrong}"


def assert_accessible(page, *, house_style=True):
    """Run axe-core in the page; fail on any WCAG 2.0/2.1/2.2 A or AA violation. Pages of the
    site (not the harness's bare pages) are also checked for the house font."""
    if house_style:
        assert_house_font(page)
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci`.")
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    violations = [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert not violations, f"axe-core violations on {page.url}:\n{json.dumps(violations, indent=2)}"
