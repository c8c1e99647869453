"""XSS payloads in every user-written field render inert in pages and e-mails."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from core.markdown import render_markdown
from knowledge import services
from knowledge.models import Resource
from tests.conftest import soup
from tests.factories import (
    ConvenedCommunityFactory,
    MembershipFactory,
    ResourceFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<svg onload="alert(1)"></svg>',
    '"><script>alert(2)</script>',
    "[link](javascript:alert(3))",
    '<iframe src="https://example.org"></iframe>',
    "<body onload=alert(4)>",
]


def assert_inert(html):
    page = soup_of(html)
    assert not page.find_all(["script", "iframe", "svg", "object", "embed"])
    for tag in page.find_all(True):
        for attr, value in tag.attrs.items():
            assert not attr.lower().startswith("on"), (tag, attr)
            if attr in ("href", "src"):
                assert "javascript:" not in str(value).lower(), tag


def soup_of(html):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_is_sanitised(payload):
    assert_inert(str(render_markdown(f"Intro\n\n{payload}\n\n**bold**")))


@pytest.mark.eager_tasks
@pytest.mark.parametrize("payload", PAYLOADS)
def test_pages_render_payloads_inert(client, payload, django_capture_on_commit_callbacks):
    community = ConvenedCommunityFactory(members=1)
    convener, owner = community.lead, community.members[0]
    resource = ResourceFactory(
        community=community,
        owner=owner,
        title=f"Toolkit {payload}",
        summary=f"Summary toolkit {payload}",
        body=f"Body {payload}",
    )
    services.search_vector_update(resource_ids=[resource.pk])
    comment = services.comment_add(resource=resource, author=owner, body=f"Comment {payload}")
    story = StoryFactory(
        community=community,
        title=f"Story {payload}",
        what_happened=f"Happened {payload}",
        new_knowledge=payload,
        how_applied=payload,
        difference_made=payload,
        reframed_success=payload,
    )
    story.resources.add(resource)
    client.force_login(convener)
    urls = [
        reverse("knowledge:resource", args=[resource.pk]),
        reverse("knowledge:library"),
        reverse("knowledge:search") + "?q=toolkit",
        reverse("knowledge:community_library", args=[community.slug]),
        reverse("knowledge:story", args=[story.pk]),
        reverse("knowledge:stories"),
        reverse("communities:detail", args=[community.slug]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = soup(response)
        main = page.find("main") or page
        assert_inert(str(main))
    # E-mails: hiding the resource and the comment tells their authors.
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_hide(comment=comment, actor=convener, reason=f"Reason {payload}")
        services.resource_hide(resource=resource, actor=convener, reason=f"Reason {payload}")
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        html = message.alternatives[0][0]
        assert_inert(html.split("<body", 1)[1])
        # Subject and text part are plain text, which no mail client runs as markup.
        assert "&lt;" not in message.subject


@pytest.mark.eager_tasks
def test_review_email_escapes_the_title(django_capture_on_commit_callbacks):
    membership = MembershipFactory()
    owner, community = membership.user, membership.community
    ResourceFactory(
        community=community,
        owner=owner,
        title="<script>alert(1)</script> leaflet",
        review_date=date(2020, 1, 1),
        visibility=Resource.Visibility.MEMBERS,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.review_reminders_send(today=date(2020, 1, 2))
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_one_text_leaves_nothing_behind_for_the_next():
    """The parser is reused: a link reference or a list defined in one text must not reach
    the next one."""
    first = render_markdown("[minutes]: https://example.org/minutes\n\nSee the [minutes].")
    assert 'href="https://example.org/minutes"' in first
    second = render_markdown("Also see the [minutes].")
    assert "href" not in second
    assert "<p>Also see the [minutes].</p>" in second
