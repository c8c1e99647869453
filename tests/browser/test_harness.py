"""The harness itself: the accessibility check and the console check must be able to fail."""

import pytest

from tests.browser.conftest import assert_accessible, assert_house_font

pytestmark = pytest.mark.browser


def test_axe_reports_a_violation(page):
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>x</h1><input type="text"></main></body></html>'
    )
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page, house_style=False)


def test_axe_passes_a_clean_page(page):
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>x</h1><label for="a">A</label><input id="a" type="text"></main></body></html>'
    )
    assert_accessible(page, house_style=False)


def test_the_font_check_fails_on_the_browsers_default_serif(page):
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>x</h1></main></body></html>'
    )
    with pytest.raises(AssertionError, match="house font"):
        assert_house_font(page)
