"""Each yes/no rule of discussions agrees with its queryset form, for every kind of person
(tests/conftest.py ROLES) and every community visibility, hidden discussions included."""

import pytest
from django.contrib.auth.models import AnonymousUser

from communities.models import Membership
from communities.moderation.services import content_hide
from discussions import permissions
from discussions.models import Discussion
from tests.conftest import ROLES
from tests.factories import CommunityFactory, DiscussionFactory, MembershipFactory


@pytest.mark.parametrize("visibility", ["public", "listed", "private"])
def test_every_rule_agrees_with_its_queryset(world, visibility):
    network, people = world
    community = CommunityFactory(network=network, visibility=visibility)
    MembershipFactory(community=community, user=people["member"])
    MembershipFactory(community=community, user=people["convener"], role=Membership.Role.CONVENER)
    shown = DiscussionFactory(community=community, author=people["member"])
    mine_hidden = DiscussionFactory(community=community, author=people["member"])
    other_hidden = DiscussionFactory(community=community)
    for d in (mine_hidden, other_hidden):
        content_hide(target=d, actor=people["convener"], reason="Off topic")
    elsewhere = DiscussionFactory(community=CommunityFactory(visibility="public"))
    for role in ROLES:
        user = AnonymousUser() if role == "anonymous" else people[role]
        pages = set(permissions.discussion_pages_visible_to(user))
        listed = set(permissions.discussions_visible_to(user))
        places = set(permissions.communities_with_discussions_for(user))
        for d in Discussion.objects.select_related("community"):
            assert (d in pages) == permissions.can_view_discussion(user, d), (role, d.title)
            assert (d in listed) == (
                permissions.can_view_discussion(user, d) and not d.is_hidden
            ), (role, d.title)
            assert (d.community in places) == permissions.can_view_discussions(user, d.community)
        member_like = role in ("member", "convener", "staff")
        assert (shown in pages) == member_like
        assert (other_hidden in pages) == (role in ("convener", "staff"))
        assert (mine_hidden in pages) == (role in ("member", "convener", "staff"))
        assert (elsewhere in pages) == (role == "staff")
