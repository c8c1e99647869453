"""The line of details under a title ({% details %}): a separator between the parts that are
there, never before the first or after the last."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from tests.conftest import soup

LINE = Template(
    "{% load ui %}{% details %}{{ a }}{% sep %}{% if b %}due {{ b }}{% endif %}{% sep %}{{ c }}"
    "{% enddetails %}"
)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"a": "Falls", "b": "8 Dec", "c": "Olu"}, "Falls · due 8 Dec · Olu"),
        ({"a": "", "b": "8 Dec", "c": "Olu"}, "due 8 Dec · Olu"),
        ({"a": "Falls", "b": "", "c": ""}, "Falls"),
        ({"a": "<b>x</b>", "b": "", "c": "Olu"}, "&lt;b&gt;x&lt;/b&gt; · Olu"),
    ],
)
def test_parts_are_joined_without_a_leading_separator(values, expected):
    html = LINE.render(Context(values))
    assert html == f'<span class="nhsuk-body-s app-details">{expected}</span>'


def test_a_line_with_nothing_in_it_is_not_drawn():
    assert LINE.render(Context({"a": "", "b": "", "c": ""})) == ""


@pytest.mark.django_db
def test_no_line_of_details_on_the_home_page_starts_with_a_separator(client):
    from datetime import timedelta

    from tests.factories import CommunityFactory, MembershipFactory, meeting_scheduled

    community = CommunityFactory()
    lead = MembershipFactory(community=community, role="convener").user
    member = MembershipFactory(community=community).user
    meeting_scheduled(community=community, actor=lead, starts_in=timedelta(days=2), announce=False)
    client.force_login(member)
    page = soup(client.get(reverse("home")))
    lines = [" ".join(el.get_text(" ").split()) for el in page.select("main .app-details")]
    assert lines, "the upcoming meeting has its line of details"
    # No line of the page, whether drawn by the component or not, starts or ends with one.
    every = [" ".join(el.get_text(" ").split()) for el in page.select("main span, main p")]
    assert not [line for line in every if line.startswith("·") or line.endswith("·")]
    assert any(line.startswith(community.name) for line in lines)
