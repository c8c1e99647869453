"""The digest as a person reads it: each group's lines are written once per batch
(dashboard.digest._prepare_groups), each person's news joined from them (_lines), and the
message must read exactly as the templates' loops over each group's items would print it;
the feed's items are plain records sharing the batch's communities; the recipients are
found without a DISTINCT join."""

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
    _prepare_groups,
    _starts_label,
    digest_send,
    recipients,
)
from dashboard.feed import feed_for
from dashboard.updates import updates_for
from knowledge.models import Resource
from meetings.models import Meeting, Minutes
from tests.conftest import soup
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    MinutesFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# The news part of the digest as loops over each group's items would print it: what the
# lines written once per batch must reproduce, character for character.
LOOPS_HTML = """{% for g in feed.groups %}<p style="margin-bottom:4px;"><strong><a href="{{ g.link }}" style="color:#005eb8;">{{ g.community.name }}</a></strong></p><ul>{% for i in g.items %}{% if i.kind == "meeting" %}<li>New meeting: <a href="{{ i.link }}" style="color:#005eb8;">{{ i.title }}</a>, {{ i.starts_label }}</li>{% else %}<li>{% if i.kind == "minutes" %}Minutes{% elif i.kind == "resource" %}Resource{% else %}Story{% endif %}: <a href="{{ i.link }}" style="color:#005eb8;">{{ i.title }}</a></li>{% endif %}{% endfor %}</ul>{% if g.more %}<p><a href="{{ g.link }}" style="color:#005eb8;">and {{ g.more }} more in {{ g.community.name }}</a></p>{% endif %}{% endfor %}"""  # noqa: E501
LOOPS_TEXT = """{% autoescape off %}{% for g in feed.groups %}{% if not forloop.first %}
{% endif %}{{ g.community.name }}:
{% for i in g.items %}{% if i.kind == "meeting" %}- New meeting: {{ i.title }}, {{ i.starts_label }}: {{ i.link }}
{% else %}- {% if i.kind == "minutes" %}Minutes{% elif i.kind == "resource" %}Resource{% else %}Story{% endif %}: {{ i.title }}: {{ i.link }}
{% endif %}{% endfor %}{% if g.more %}- and {{ g.more }} more in {{ g.community.name }}: {{ g.link }}
{% endif %}{% endfor %}{% endautoescape %}"""  # noqa: E501


def meeting(community, title, *, days=10, created=None):
    start = timezone.now() + timedelta(days=days)
    made = MeetingFactory(community=community, title=title, starts_at=start)
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
    MinutesFactory(meeting=past, status=Minutes.Status.PUBLISHED, published_at=timezone.now())
    Resource.objects.create(
        community=sepsis, title="Toolkit <script>alert(1)</script>", summary="s", kind="toolkit"
    )
    StoryFactory(community=falls, title='How we "fixed" it & why')
    return person


def test_each_line_reads_as_the_loops_over_each_group_printed_it(everything_new):
    person = everything_new
    now = timezone.now()
    since = now - timedelta(days=7)
    feeds = updates_for([person], since_by_user={person.pk: since}, now=now)
    _prepare_groups(feeds.values())
    context = {"feed": feeds[person.pk], **_lines(feeds[person.pk], person)}
    html = str(context["html_lines"])
    text = context["text_lines"]
    assert html == engines["django"].from_string(LOOPS_HTML).render(context)
    assert text == engines["django"].from_string(LOOPS_TEXT).render(context)
    # What was compared holds every kind of item, escaped in HTML and as written in text,
    # the busier community first.
    assert html.count("<li>") == 5
    assert html.index("Falls &amp; &lt;Trips&gt;") < html.index("Sepsis &quot;Six&quot;")
    assert "Huddle &lt;b&gt;bold&lt;/b&gt; &amp; more</a>, " in html
    assert "Toolkit &lt;script&gt;" in html and "<script>" not in html
    assert "Falls & <Trips>:\n- Minutes: Last week's <i>huddle</i>: http://testserver/" in text
    assert "- New meeting: Huddle <b>bold</b> & more, " in text
    assert '- Story: How we "fixed" it & why: http://testserver/library/' in text
    rendered = render_to_string(
        "emails/digest.html",
        {
            **context,
            "recipient": person,
            "since_label": _day_label(since, {}),
            "home_url": "http://testserver/",
            "site_url": "http://testserver",
        },
    )
    assert rendered.count(html) == 1


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
        f'<li>New meeting: <a href="{url}" style="color:#005eb8;">Huddle &lt;b&gt;bold&lt;/b&gt;'
        f" &amp; more</a>, {label}</li>"
    )
    assert html.count(line) == 1
    assert message.body.count(f"- New meeting: Huddle <b>bold</b> & more, {label}: {url}\n") == 1
    assert message.to == [person.email]


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("meeting", "meetings:detail"),
        ("resource", "knowledge:resource"),
        ("story", "knowledge:story"),
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
    minutes = MinutesFactory(
        meeting=past, status=Minutes.Status.PUBLISHED, published_at=timezone.now()
    )
    now = timezone.now() + timedelta(seconds=1)
    feeds = feed_for(
        [ann, bob],
        since_by_user={ann.pk: now - timedelta(days=7), bob.pk: now - timedelta(days=1)},
        until=now,
    )
    ann_falls, ann_sepsis = feeds[ann.pk]["communities"]
    (bob_falls,) = feeds[bob.pk]["communities"]
    # The soonest meeting first; Bob's since his last digest only.
    assert [m.pk for m in ann_falls.items] == [new.pk, old.pk]
    assert [m.pk for m in bob_falls.items] == [new.pk]
    assert ann_falls.items[0].community is bob_falls.items[0].community  # one per batch
    assert [g.community for g in feeds[ann.pk]["communities"]] == [falls, sepsis]
    assert ann_falls.community is ann_falls.items[0].community
    # The busiest first: two new in Falls, one in Sepsis.
    assert feeds[ann.pk]["groups"] == [ann_falls, ann_sepsis]
    (shown,) = ann_sepsis.items
    assert (shown.pk, shown.meeting_id, shown.meeting.title) == (
        minutes.pk,
        past.pk,
        "Sepsis review",
    )
    assert shown.meeting.community.name == "Sepsis"
    assert feeds[bob.pk]["groups"] == [bob_falls]  # Sepsis is not his community


def test_the_home_page_shows_minutes_resources_and_stories_from_the_feed(client):
    person = UserFactory()
    falls = CommunityFactory(name="Falls")
    MembershipFactory(community=falls, user=person)
    past = meeting(falls, "Falls review", days=-1)
    MinutesFactory(meeting=past, status=Minutes.Status.PUBLISHED, published_at=timezone.now())
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
    # Under their community's heading, minutes first.
    page = soup(response)
    (group,) = page.select(".app-home-new h3")
    assert group.get_text(strip=True) == "Falls"
    assert [
        li.get_text(" ", strip=True).split(":")[0] for li in page.select(".app-home-new li")
    ] == [
        "Minutes",
        "Resource",
        "Story",
    ]


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
