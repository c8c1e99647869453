"""The digest as a person reads it: each item's line is written once per batch
(dashboard.digest._prepare_items), each person's lists joined from them (_lines), and the
message must read exactly as the templates' loops over each item's fields printed it; the feed's items are plain records sharing the batch's
communities; the recipients are found without a DISTINCT join."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from dashboard.digest import (
    _day_label,
    _lines,
    _link_maker,
    _prepare_items,
    _starts_label,
    digest_send,
    recipients,
)
from dashboard.feed import feed_for
from knowledge.models import Resource
from meetings.models import Meeting, Minutes
from tests.factories import CommunityFactory, MembershipFactory, StoryFactory, UserFactory

pytestmark = pytest.mark.django_db

# The digest's templates as they were when they looped over each item's fields: what the
# lines written once per batch must reproduce, character for character.
LOOPS_HTML = """{% extends "emails/base.html" %}{% block content %}
<p>Hello {{ recipient.get_short_name }},</p>
<p>Here is what is new in your communities since {{ since|date:"j F" }}.</p>
{% if feed.meetings %}<p><strong>New meetings</strong></p><ul>{% for m in feed.meetings %}<li><a href="{{ m.link }}" style="color:#005eb8;">{{ m.title }}</a> ({{ m.community.name }}), {{ m.starts_label }}</li>{% endfor %}</ul>{% endif %}
{% if feed.minutes %}<p><strong>Minutes published</strong></p><ul>{% for m in feed.minutes %}<li><a href="{{ m.link }}" style="color:#005eb8;">{{ m.meeting.title }}</a> ({{ m.meeting.community.name }})</li>{% endfor %}</ul>{% endif %}
{% if feed.resources %}<p><strong>New resources</strong></p><ul>{% for r in feed.resources %}<li><a href="{{ r.link }}" style="color:#005eb8;">{{ r.title }}</a> ({{ r.community.name }})</li>{% endfor %}</ul>{% endif %}
{% if feed.stories %}<p><strong>New stories</strong></p><ul>{% for s in feed.stories %}<li><a href="{{ s.link }}" style="color:#005eb8;">{{ s.title }}</a> ({{ s.community.name }})</li>{% endfor %}</ul>{% endif %}
<p><a href="{{ home_url }}" style="color:#005eb8;font-weight:bold;">Go to your home page</a></p>
{% endblock %}
"""  # noqa: E501
LOOPS_TEXT = """{% extends "emails/base.txt" %}{% block content %}Hello {{ recipient.get_short_name }},

Here is what is new in your communities since {{ since|date:"j F" }}.
{% if feed.meetings %}
New meetings:
{% for m in feed.meetings %}- {{ m.title }} ({{ m.community.name }}), {{ m.starts_label }}: {{ m.link }}
{% endfor %}{% endif %}{% if feed.minutes %}
Minutes published:
{% for m in feed.minutes %}- {{ m.meeting.title }} ({{ m.meeting.community.name }}): {{ m.link }}
{% endfor %}{% endif %}{% if feed.resources %}
New resources:
{% for r in feed.resources %}- {{ r.title }} ({{ r.community.name }}): {{ r.link }}
{% endfor %}{% endif %}{% if feed.stories %}
New stories:
{% for s in feed.stories %}- {{ s.title }} ({{ s.community.name }}): {{ s.link }}
{% endfor %}{% endif %}
Your home page: {{ home_url }}{% endblock %}
"""


def meeting(community, title, *, days=10, created=None):
    start = timezone.now() + timedelta(days=days)
    made = Meeting.objects.create(
        community=community, title=title, starts_at=start, ends_at=start + timedelta(hours=1)
    )
    if created:
        Meeting.objects.filter(pk=made.pk).update(created_at=created)
    return made


@pytest.fixture
def everything_new():
    """A member of two communities with a meeting, minutes, a resource and a story new in
    them, every title and name with characters that HTML escapes."""
    person = UserFactory(digest_frequency="weekly", name="Ada <Lovelace>")
    falls = CommunityFactory(name="Falls & <Trips>")
    sepsis = CommunityFactory(name='Sepsis "Six"')
    for community in (falls, sepsis):
        MembershipFactory(community=community, user=person)
    meeting(falls, "Huddle <b>bold</b> & more", days=3)
    meeting(sepsis, "Sepsis 'review'", days=12)
    past = meeting(falls, "Last week's <i>huddle</i>", days=-2)
    Minutes.objects.create(
        meeting=past, status=Minutes.Status.PUBLISHED, published_at=timezone.now()
    )
    Resource.objects.create(
        community=sepsis, title="Toolkit <script>alert(1)</script>", summary="s", kind="toolkit"
    )
    StoryFactory(community=falls, title='How we "fixed" it & why')
    return person


def test_each_line_reads_as_the_loops_over_each_item_printed_it(everything_new):
    person = everything_new
    now = timezone.now()
    since = now - timedelta(days=7)
    feeds = feed_for([person], since_by_user={person.pk: since}, until=now)
    _prepare_items(feeds.values())
    context = {
        "recipient": person,
        "site_name": "Communities of Practice",
        "site_url": "http://testserver",
        "unsubscribe_url": "http://testserver/unsubscribe/token/",
        "unsubscribe_label": "digest e-mails",
        "preferences_url": "http://testserver/preferences/",
        "feed": feeds[person.pk],
        **_lines(feeds[person.pk]),
        "since": since,
        "since_label": _day_label(since, {}),
        "frequency": "weekly",
        "home_url": "http://testserver/",
    }
    html = render_to_string("emails/digest.html", context)
    text = render_to_string("emails/digest.txt", context)
    assert html == engines["django"].from_string(LOOPS_HTML).render(context)
    assert text == engines["django"].from_string(LOOPS_TEXT).render(context)
    # What was compared holds every kind of item, escaped in HTML and as written in text.
    assert html.count("<li>") == 5
    assert "Huddle &lt;b&gt;bold&lt;/b&gt; &amp; more</a> (Falls &amp; &lt;Trips&gt;)" in html
    assert "Toolkit &lt;script&gt;" in html and "<script>" not in html
    assert "- Huddle <b>bold</b> & more (Falls & <Trips>), " in text
    assert "- Last week's <i>huddle</i> (Falls & <Trips>): http://testserver/meetings/" in text
    assert '- How we "fixed" it & why (Falls & <Trips>): http://testserver/library/' in text


def test_the_e_mail_a_member_receives_has_each_line_once_in_both_parts(
    everything_new, mailoutbox, django_capture_on_commit_callbacks
):
    person = everything_new
    huddle = Meeting.objects.get(title__startswith="Huddle")
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send(frequency="weekly") == 1
    (message,) = mailoutbox
    html = message.alternatives[0][0]
    url = f"http://testserver{reverse('meetings:detail', args=[huddle.pk])}"
    starts = huddle.starts_at.astimezone(timezone.get_default_timezone())
    label = f"{starts:%a} {starts.day} {starts:%b, %H:%M}"
    line = (
        f'<li><a href="{url}" style="color:#005eb8;">Huddle &lt;b&gt;bold&lt;/b&gt; &amp; more'
        f"</a> (Falls &amp; &lt;Trips&gt;), {label}</li>"
    )
    assert html.count(line) == 1
    assert (
        message.body.count(f"- Huddle <b>bold</b> & more (Falls & <Trips>), {label}: {url}\n") == 1
    )
    assert message.to == [person.email]


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("meetings", "meetings:detail"),
        ("resources", "knowledge:resource"),
        ("stories", "knowledge:story"),
    ],
)
def test_item_addresses_are_the_reversed_ones(kind, name, settings):
    settings.SITE_URL = "https://cop.example.org"
    link = _link_maker(name)
    for pk in (1, 9, 42, 918273645, 10**12):
        assert link(pk) == "https://cop.example.org" + reverse(name, args=[pk])


def test_meeting_times_and_the_period_start_read_as_dateformat_writes_them():
    """The day part is formatted once per day; the whole label must not change for it,
    across the clock changes and around midnight."""
    days = {}
    for value in (
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # the last minute of GMT
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 02:00 BST
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # the hour that happens twice
        datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2027, 1, 4, 9, 5, tzinfo=UTC),
        datetime(2027, 1, 4, 17, 45, tzinfo=UTC),  # a day already formatted
    ):
        expected = dateformat.format(timezone.localtime(value), "D j M, H:i")
        assert _starts_label(value, days) == expected
    assert _starts_label(datetime(2027, 1, 4, 9, 5, tzinfo=UTC), days) == "Mon 4 Jan, 09:05"
    # The day a digest covers from, as the templates' date filter wrote it: 23:30 UTC in
    # summer is already the next day in London.
    summer_night = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    date_filter = engines["django"].from_string('{{ since|date:"j F" }}')
    for since in (
        summer_night,
        summer_night + timedelta(hours=1),
        datetime(2026, 12, 1, tzinfo=UTC),
    ):
        assert _day_label(since, {}) == date_filter.render({"since": since})
    assert _day_label(summer_night, {}) == "2 July"


def test_feed_items_share_the_batch_communities_and_carry_what_is_shown():
    falls, sepsis = CommunityFactory(name="Falls"), CommunityFactory(name="Sepsis")
    ann, bob = UserFactory(), UserFactory()
    for person, community in ((ann, falls), (ann, sepsis), (bob, falls)):
        MembershipFactory(community=community, user=person)
    earlier = timezone.now() - timedelta(days=5)
    old = meeting(falls, "Old news", days=12, created=earlier)
    new = meeting(falls, "Falls huddle")
    past = meeting(sepsis, "Sepsis review", days=-1)
    minutes = Minutes.objects.create(
        meeting=past, status=Minutes.Status.PUBLISHED, published_at=timezone.now()
    )
    now = timezone.now() + timedelta(seconds=1)
    feeds = feed_for(
        [ann, bob],
        since_by_user={ann.pk: now - timedelta(days=7), bob.pk: now - timedelta(days=1)},
        until=now,
    )
    assert [m.pk for m in feeds[ann.pk]["meetings"]] == [new.pk, old.pk]
    assert [m.pk for m in feeds[bob.pk]["meetings"]] == [new.pk]  # since his last digest
    ann_falls = feeds[ann.pk]["meetings"][0].community
    assert ann_falls is feeds[bob.pk]["meetings"][0].community  # one instance per batch
    assert [c["community"] for c in feeds[ann.pk]["communities"]] == [falls, sepsis]
    assert feeds[ann.pk]["communities"][0]["community"] is ann_falls
    (shown,) = feeds[ann.pk]["minutes"]
    assert (shown.pk, shown.meeting_id, shown.meeting.title) == (
        minutes.pk,
        past.pk,
        "Sepsis review",
    )
    assert shown.meeting.community.name == "Sepsis"
    assert feeds[bob.pk]["minutes"] == []  # not his community


def test_the_home_page_shows_minutes_resources_and_stories_from_the_feed(client):
    person = UserFactory()
    falls = CommunityFactory(name="Falls")
    MembershipFactory(community=falls, user=person)
    past = meeting(falls, "Falls review", days=-1)
    Minutes.objects.create(
        meeting=past, status=Minutes.Status.PUBLISHED, published_at=timezone.now()
    )
    toolkit = Resource.objects.create(
        community=falls, title="Falls toolkit", summary="s", kind="toolkit"
    )
    story = StoryFactory(community=falls, title="How we cut falls")
    client.force_login(person)
    response = client.get(reverse("home"))
    new = response.content.decode()
    for label, url, title in (
        ("Minutes", reverse("meetings:detail", args=[past.pk]), "Falls review"),
        ("Resource", reverse("knowledge:resource", args=[toolkit.pk]), "Falls toolkit"),
        ("Story", reverse("knowledge:story", args=[story.pk]), "How we cut falls"),
    ):
        assert f'{label}: <a href="{url}">{title}</a>' in new
    assert new.count('app-details">Falls</span>') >= 3


def test_recipients_are_each_active_member_once_without_a_distinct_join():
    falls, sepsis, gone = CommunityFactory(), CommunityFactory(), CommunityFactory()
    many = UserFactory(digest_frequency="weekly")
    for community in (falls, sepsis, gone):
        MembershipFactory(community=community, user=many)
    removed = UserFactory(digest_frequency="weekly")
    MembershipFactory(community=falls, user=removed, status="removed")
    daily = UserFactory(digest_frequency="daily")
    MembershipFactory(community=falls, user=daily)
    closed = UserFactory(digest_frequency="weekly", is_active=False)
    MembershipFactory(community=falls, user=closed)
    assert list(recipients("weekly")) == [many]
    assert list(recipients("daily")) == [daily]
    sql = str(recipients("weekly").query).upper()
    assert "EXISTS" in sql and "DISTINCT" not in sql
