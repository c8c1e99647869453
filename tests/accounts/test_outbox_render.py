"""One message drawn for many people (render_same, behind a meeting's reminders) is, for
each of them, the message drawn for them alone (render_one): generated names full of what
HTML escapes, any letters, any time zone, preferences on and off, and the three kinds of
template (one that reads the recipient's name, which cannot be shared; one that changes
the short name with a filter, which cannot either; and the reminder, which is shared).

No database: the people and the meeting are not saved. Examples are not stored between
runs (database=None), so the tests leave nothing behind in the working tree."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test.signals import template_rendered
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User, zone_of
from accounts.outbox.preferences import PREFERENCES
from accounts.outbox.render import render_one, render_same
from meetings.models import Meeting

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# What HTML escapes, and any other letter (no lone surrogates: they cannot be sent).
TEXT = st.text(
    alphabet=st.one_of(st.sampled_from("&<>\"' "), st.characters(codec="utf-8")), max_size=24
)
ZONES = st.one_of(st.timezone_keys(), st.sampled_from(["", "Mars/Olympus_Mons"]))

STARTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))

TEMPLATES = [
    "test_notice",  # reads recipient.name: nothing to share, each drawn alone
    "test_shout",  # the short name through |upper: the placeholder is changed
    "meeting_reminder",  # shared: drawn once a time zone
]


@st.composite
def people(draw):
    """Up to six people, some of them with the message's preference switched off."""
    preference = PREFERENCES[draw(st.sampled_from(sorted(PREFERENCES)))]
    found = []
    for n in range(draw(st.integers(min_value=0, max_value=6))):
        person = User(
            pk=n + 1,
            email=f"person{n}@example.org",
            name=draw(TEXT),
            timezone=draw(ZONES),
            is_active=draw(st.booleans() | st.just(True)),
        )
        if not draw(st.booleans() | st.just(True)):
            setattr(person, preference.field, preference.off_value)
        found.append(person)
    return preference.key, found


def drawing(template, context, preference, recipients):
    """Both ways of drawing, at one instant (an unsubscribe token holds the time), with the
    number of times the HTML template was drawn for the shared messages."""
    drawn = []

    def count(sender, template, **kwargs):
        drawn.append(template.name)

    template_rendered.connect(count)
    try:
        same = list(
            render_same(
                recipients=recipients, template=template, context=context, preference=preference
            )
        )
    finally:
        template_rendered.disconnect(count)
    alone = [
        (person, message)
        for person in recipients
        if (
            message := render_one(
                recipient=person,
                template=template,
                context=context,
                preference=preference,
                transactional=False,
            )
        )
        is not None
    ]
    return same, alone, drawn.count(f"emails/{template}.html")


@pytest.mark.parametrize("template", TEMPLATES)
@PROPERTY
@given(chosen=people(), title=TEXT, body=TEXT, venue=TEXT, starts=STARTS)
def test_one_message_for_many_is_what_each_would_get_alone(
    template, chosen, title, body, venue, starts
):
    preference, recipients = chosen
    starts = starts.replace(second=0, microsecond=0, tzinfo=UTC)
    meeting = Meeting(
        title=title, venue=venue, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    context = {"body": body, "meeting": meeting, "meeting_url": "https://example.org/m/1/"}
    with time_machine.travel(datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), tick=False):
        same, alone, drawn = drawing(template, context, preference, recipients)
    # Grouped by time zone, in another order: the same people, each the same message.
    assert sorted((person.pk, message) for person, message in same) == [
        (person.pk, message) for person, message in alone
    ]
    if template == "meeting_reminder":  # drawn once a time zone, not once a person
        assert drawn == len({zone_of(person).key for person, _ in alone})
