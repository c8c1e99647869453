"""An action point keeps the audience of the minutes it was agreed in, wherever it is shown:
the next meeting's page, the home page, "my actions" and marking it done. A private
community's pages are its members' alone, programme managers of its network included."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from tests.conftest import soup
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    NetworkFactory,
    UserFactory,
    meeting_made,
    minutes_saved,
)

pytestmark = pytest.mark.django_db

SECRET = "CONFIDENTIAL review patient X"


def _meeting(community, lead, *, days, visibility="public"):
    return meeting_made(
        community=community,
        actor=lead,
        starts_in=timedelta(days=days),
        hours=1,
        title=f"Meeting in {days} days",
        visibility=visibility,
        announce=False,
    )


def _minutes(meeting, lead, owner, *, publish):
    minutes_saved(
        meeting=meeting,
        actor=lead,
        actions=[
            {
                "description": SECRET,
                "owner": owner,
                "due_date": timezone.localdate() + timedelta(days=7),
            }
        ],
    )
    if publish:
        services.minutes_publish(minutes=meeting.minutes, actor=lead)


@pytest.fixture
def place():
    network = NetworkFactory()
    community = CommunityFactory(network=network, visibility="public")
    lead = MembershipFactory(community=community, role="convener").user
    owner = MembershipFactory(community=community, user=UserFactory(name="Olu Owner")).user
    manager = UserFactory()
    network.managers.add(manager)
    return community, lead, owner, manager


def _agreed_earlier(place, *elsewhere):
    """Action points agreed a month ago for the place's owner: at a members-only and a
    public meeting of its community with published minutes and a public one with draft
    minutes, then at each (community, convener, meeting visibility, published) of
    `elsewhere`."""
    community, lead, owner, _ = place
    plans = [(community, lead, "members", True), (community, lead, "public", True)]
    plans += [(community, lead, "public", False), *elsewhere]
    for where, by, visibility, publish in plans:
        _minutes(_meeting(where, by, days=-30, visibility=visibility), by, owner, publish=publish)


def _page_text(client, person, meeting):
    if person is None:
        client.logout()
    else:
        client.force_login(person)
    response = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert response.status_code == 200
    return soup(response).get_text(" ")


def test_actions_of_members_only_minutes_are_not_carried_to_a_public_meeting(client, place):
    community, lead, owner, manager = place
    earlier = _meeting(community, lead, days=-30, visibility="members")
    _minutes(earlier, lead, owner, publish=True)
    later = _meeting(community, lead, days=5, visibility="public")
    client.logout()
    assert client.get(reverse("meetings:detail", args=[earlier.pk])).status_code == 404
    for person in (None, UserFactory(), manager):
        text = _page_text(client, person, later)
        assert SECRET not in text
        assert "Olu Owner" not in text
    for person in (owner, lead):
        assert SECRET in _page_text(client, person, later)


def test_actions_of_draft_minutes_are_the_conveners_alone(client, place):
    community, lead, owner, _ = place
    earlier = _meeting(community, lead, days=-30)
    _minutes(earlier, lead, owner, publish=False)
    later = _meeting(community, lead, days=5)
    assert SECRET not in _page_text(client, owner, later)
    assert SECRET not in client.get(reverse("meetings:my_actions")).content.decode()
    assert SECRET not in client.get(reverse("home")).content.decode()
    action = earlier.action_items.get()
    assert client.post(reverse("meetings:action_done", args=[action.pk])).status_code == 404
    assert SECRET in _page_text(client, lead, later)  # conveners see their drafts

    services.minutes_publish(minutes=earlier.minutes, actor=lead)
    assert SECRET in _page_text(client, owner, later)
    assert SECRET in client.get(reverse("meetings:my_actions")).content.decode()
    assert SECRET in client.get(reverse("home")).content.decode()


def test_a_former_member_no_longer_reads_a_private_communitys_actions(client, place):
    community, lead, owner, _ = place
    community.visibility = "private"
    community.save()
    earlier = _meeting(community, lead, days=-30)
    _minutes(earlier, lead, owner, publish=True)
    client.force_login(owner)
    assert SECRET in client.get(reverse("meetings:my_actions")).content.decode()
    owner.memberships.update(status="left")
    owner.__dict__.pop("_membership_cache", None)
    assert SECRET not in client.get(reverse("meetings:my_actions")).content.decode()
    assert SECRET not in client.get(reverse("home")).content.decode()


def test_a_programme_manager_sees_a_private_community_as_figures_only(client, place):
    community, lead, owner, manager = place
    community.visibility = "private"
    community.save()
    client.force_login(manager)
    for name in ("communities:detail", "communities:charter", "meetings:community_list"):
        assert client.get(reverse(name, args=[community.slug])).status_code == 404, name
    assert (
        client.get(reverse("knowledge:community_library", args=[community.slug])).status_code == 404
    )
    assert community.name not in soup(client.get(reverse("communities:list"))).get_text()
    dashboard = soup(client.get(reverse("dashboard:programme")))
    assert community.name in dashboard.get_text()  # its figures, by name
    assert not dashboard.select(f'a[href="{reverse("communities:detail", args=[community.slug])}"]')


def test_staff_reach_a_private_community_from_the_dashboard(client, place):
    # Staff may open a private community: its dashboard row links to it, as every other row
    # does, while its network's manager sees its figures only (above).
    community, _lead, _owner, _manager = place
    community.visibility = "private"
    community.save()
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("dashboard:programme"))
    assert response.status_code == 200
    link = reverse("communities:detail", args=[community.slug])
    assert soup(response).select(f'a[href="{link}"]')
    assert "private: figures only" not in response.content.decode()
    assert client.get(link).status_code == 200


def test_choosing_among_some_action_points_gives_the_same_answer_as_filtering_all(place):
    """actions_visible_to(user, among=...) narrows the meetings it works out to those of the
    action points chosen from: for every person, the same action points as the whole rule
    filtered afterwards."""
    from django.contrib.auth.models import AnonymousUser

    from meetings.models import ActionItem
    from meetings.permissions import actions_visible_to

    community, lead, owner, manager = place
    other = CommunityFactory(visibility="private")
    other_lead = MembershipFactory(community=other, role="convener").user
    _agreed_earlier(place, (other, other_lead, "public", True))
    staff = UserFactory(is_staff=True)
    people = [lead, owner, manager, other_lead, staff, UserFactory(), AnonymousUser()]
    choices = [
        ActionItem.objects.filter(community=community, status=ActionItem.Status.OPEN),
        ActionItem.objects.filter(owner=owner),
        ActionItem.objects.filter(pk=ActionItem.objects.order_by("pk").last().pk),
    ]
    for person in people:
        for among in choices:
            whole = set(
                actions_visible_to(person).filter(pk__in=among).values_list("pk", flat=True)
            )
            narrowed = set(actions_visible_to(person, among=among).values_list("pk", flat=True))
            assert narrowed == whole, (person, among.query)
    assert set(
        actions_visible_to(lead, among=choices[0]).values_list("pk", flat=True)
    )  # not vacuous


def test_a_communitys_action_points_are_read_by_the_same_rule_as_all_of_them(place):
    """community_actions_visible_to (the meeting page's carried actions) works out the
    meetings' audience from the communities they were held in, a merged one's included: for
    every person and community, the same action points as the whole rule."""
    from django.contrib.auth.models import AnonymousUser

    from communities.services import community_merge
    from meetings.models import ActionItem
    from meetings.permissions import actions_visible_to, community_actions_visible_to

    community, lead, owner, manager = place
    merged = CommunityFactory(visibility="private", network=community.network)
    merged_lead = MembershipFactory(community=merged, role="convener").user
    closed = CommunityFactory(visibility="private")
    closed_lead = MembershipFactory(community=closed, role="convener").user
    listed = CommunityFactory(visibility="listed")
    listed_lead = MembershipFactory(community=listed, role="convener").user
    _agreed_earlier(
        place,
        (merged, merged_lead, "public", True),
        (merged, merged_lead, "members", True),
        (closed, closed_lead, "public", True),
        (listed, listed_lead, "public", True),
        (listed, listed_lead, "members", True),
    )
    community_merge(community=merged, into=community, actor=merged_lead)
    assert ActionItem.objects.filter(community=community, meeting__community=merged).exists()
    staff = UserFactory(is_staff=True)
    people = [lead, owner, manager, merged_lead, closed_lead, listed_lead, staff]
    people += [UserFactory(), AnonymousUser()]
    seen = set()
    for where in (community, merged, closed, listed):
        for person in people:
            whole = set(
                actions_visible_to(person).filter(community=where).values_list("pk", flat=True)
            )
            scoped = community_actions_visible_to(person, where).values_list("pk", flat=True)
            assert set(scoped) == whole, (person, where)
            seen.add(len(whole))
    assert len(seen) > 2  # people saw different numbers of action points: not vacuous
