"""The screenshots of docs/screenshots/: the home page (the demo convener), a community page
(the demo member) and the programme dashboard (the demo manager), at 1280 and 390 px wide.

With the demo served (`make run`, or `manage.py runserver` after `seed_demo`):
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 docs/screenshots
then, to keep them small: pngquant --quality 70-95 --force --ext .png docs/screenshots/*.png
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: for tests/
from tests.browser.chromium import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402  # as the journeys

BASE, OUT = sys.argv[1].rstrip("/"), Path(sys.argv[2])
OUT.mkdir(parents=True, exist_ok=True)
PASSWORD = "demo-community-2026"  # noqa: S105  # nosec B105  # the published demo password
SHOTS = [
    ("home", "convener@example.nhs.uk", "/"),
    ("community", "member@example.org", "/communities/medicines-safety/"),
    ("dashboard", "manager@example.nhs.uk", "/dashboard/"),
]
with sync_playwright() as p:
    browser = p.chromium.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_FLAGS,
    )
    for name, email, path in SHOTS:
        for width, height in ((1280, 900), (390, 844)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(BASE + "/accounts/login/")
            page.fill("input[name=login]", email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            response = page.goto(BASE + path)
            assert response.status == 200, (path, response.status)
            if name == "dashboard":
                # The filters come first: show the table of communities and their flags.
                page.evaluate(
                    "window.scrollTo(0, document.querySelector('table').getBoundingClientRect().top"
                    " + window.scrollY - 90)"
                )
            page.screenshot(path=str(OUT / f"{name}-{width}.png"))
            print(name, width, page.url)
            context.close()
    browser.close()
