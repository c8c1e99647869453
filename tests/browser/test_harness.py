"""The harness itself: the accessibility check, the HTML check and the console check must be
able to fail."""

import pytest

from tests.browser.conftest import JOURNEY, assert_accessible, assert_house_font, assert_valid_html

pytestmark = JOURNEY


def test_axe_reports_a_violation(page):
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>x</h1><input type="text"></main></body></html>'
    )
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page, house_style=False)


def test_axe_passes_a_clean_page(page):
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>x</h1><label for="a">A</label><input id="a" type="text"></main></body></html>'
    )
    assert_accessible(page, house_style=False)


def test_the_font_check_fails_on_the_browsers_default_serif(page):
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>x</h1></main></body></html>'
    )
    with pytest.raises(AssertionError, match="house font"):
        assert_house_font(page)


INVALID = (
    '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>x</h1>'
    '<fieldset aria-describedby=""><legend>Pick one</legend></fieldset>'
    '<p><span role="text">a</span></p></main></body></html>'
)


def test_the_html_check_lists_each_error_of_an_invalid_page(page):
    page.set_content(INVALID)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, house_style=False)
    report = str(failure.value)
    assert "HTML errors" in report
    assert "aria-describedby" in report and "role" in report


def test_the_html_check_reads_what_the_server_sent(page, live_server):
    """A page served with a stray end tag fails, although the browser's DOM repairs it."""
    page.route(
        "**/not-valid",
        lambda route: route.fulfill(
            content_type="text/html; charset=utf-8",
            body='<!DOCTYPE html><html lang="en"><head><title>t</title></head>'
            "<body><main><h1>x</h1></div></main></body></html>",
        ),
    )
    page.goto(f"{live_server.url}/not-valid")
    assert "</div>" not in page.content()
    with pytest.raises(AssertionError, match="Stray end tag"):
        assert_valid_html(page)
