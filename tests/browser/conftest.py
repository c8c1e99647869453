"""Playwright against Django's live_server, driving Debian's Chromium.

A missing browser fails the tests: it never skips them (`make test` deselects the browser
marker, and says so, on a workstation without Chromium; CI installs it). The same goes for
Java, which runs the Nu HTML checker on every page the journeys visit.
"""

import hashlib
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag

import pytest

from tests.browser.chromium import CHROMIUM, CHROMIUM_FLAGS

# The marks of every journey: it drives the browser against the site (live_server), which
# makes its test transactional; serialized_rollback puts back what the migrations wrote (the
# professions list) after each, or the next journey's restore meets content types it did
# not expect. A module adds pytest.mark.eager_tasks where its journey waits for a task.
JOURNEY = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
VNU_JAR = (
    Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


class HtmlChecker:
    """The Nu HTML checker (the W3C validator, npm `vnu-jar`) as a service on a random
    loopback port, started on first use and stopped at the end of the session: starting
    Java for each page would take longer than the journeys themselves. Each distinct page
    is checked once."""

    def __init__(self):
        self.process = None
        self.url = None
        self.checked = {}

    def start(self):
        java = shutil.which("java")
        if java is None:
            pytest.fail(
                "Java is missing (the HTML checker needs it): apt-get install -y default-jre-headless"
            )
        if not VNU_JAR.exists():
            pytest.fail("node_modules/vnu-jar is missing: run `npm ci`.")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            [
                java,
                "-Xss1m",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{port}/?out=json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"The HTML checker stopped at start (exit status {self.process.returncode})"
                )
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()  # noqa: S310
                return
            except OSError:
                time.sleep(0.25)
        self.stop()
        pytest.fail("The HTML checker did not start within 60 seconds")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def errors(self, html):
        """The checker's errors for one HTML document, as readable lines."""
        key = hashlib.sha256(html.encode()).hexdigest()
        if key not in self.checked:
            if self.process is None:
                self.start()
            request = urllib.request.Request(  # noqa: S310 (our own loopback service)
                self.url, data=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"}
            )
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                messages = json.load(response)["messages"]
            self.checked[key] = [
                f"line {m.get('lastLine', '?')}: {m['message']}"
                + (f" [{m['extract'].strip()}]" if m.get("extract") else "")
                for m in messages
                if m["type"] == "error" or m.get("subType") == "fatal"
            ]
        return self.checked[key]


HTML_CHECKER = HtmlChecker()


@pytest.fixture(scope="session", autouse=True)
def _stop_the_html_checker():
    yield
    HTML_CHECKER.stop()


# The last HTML document each page received from the server: what the checker reads (the
# DOM after scripts is the browser's repair of it, not what the site sent).
_DOCUMENTS = {}


def _record_document(page, response):
    if (
        response.request.resource_type == "document"
        and response.frame == page.main_frame
        and "text/html" in (response.headers.get("content-type") or "")
    ):
        _DOCUMENTS[id(page)] = response


def served_html(page):
    """The HTML the server sent for the page being shown; for a page made in the test with
    set_content (no response), what the page holds."""
    response = _DOCUMENTS.get(id(page))
    if response is not None and urldefrag(response.url)[0] == urldefrag(page.url)[0]:
        return response.body().decode()
    return page.content()


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
    page.on("response", lambda response: _record_document(page, response))
    page.set_default_timeout(10_000)
    yield page
    _DOCUMENTS.pop(id(page), None)
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


def assert_valid_html(page):
    """The HTML the server sent passes the Nu HTML checker with no error."""
    errors = HTML_CHECKER.errors(served_html(page))
    assert not errors, f"HTML errors on {page.url}:\n" + "\n".join(errors)


def assert_accessible(page, *, house_style=True):
    """Run axe-core in the page; fail on any WCAG 2.0/2.1/2.2 A or AA violation, and on any
    error of the Nu HTML checker in the page's HTML. Pages of the site (not the harness's
    bare pages) are also checked for the house font."""
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
    assert_valid_html(page)


@pytest.fixture(autouse=True)
def _rows_the_migrations_write(request):
    """The professions of the sign-up forms are written by a migration; a transactional test
    that ran before a journey may have flushed them, and the journeys choose one."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    importlib.import_module("accounts.migrations.0002_professions").add(apps, None)
