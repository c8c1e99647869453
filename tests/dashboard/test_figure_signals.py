"""The dashboard forgets a network's cached figures when a row that feeds them changes, and
listens only to the models that do: a save of anything else runs none of its code."""

from unittest import mock

import pytest
from django.db.models.signals import post_delete, post_save
from django.dispatch.dispatcher import _make_id

from dashboard.signals import NETWORKS_FED
from knowledge.models import Comment
from tests.factories import CommentFactory, CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _dashboard_receivers(signal):
    """(dispatch uid, sender id) of the dashboard's receivers of `signal`."""
    return [key for key, *_ in signal.receivers if str(key[0]).startswith("dashboard.")]


@pytest.mark.parametrize("signal", [post_save, post_delete])
def test_one_receiver_per_model_that_feeds_the_figures_each_with_its_sender(signal):
    connected = _dashboard_receivers(signal)
    assert {sender for _uid, sender in connected} == {_make_id(m) for m in NETWORKS_FED}
    assert _make_id(None) not in {sender for _uid, sender in connected}


def test_a_row_that_feeds_the_figures_forgets_its_networks_and_nothing_else_does():
    community = CommunityFactory()
    comment = CommentFactory(resource__community=community)
    with mock.patch("dashboard.signals.figures_changed") as forget:
        MembershipFactory(community=community)
        # (the membership's own row, and the stored figures it refreshes)
        assert forget.call_args_list
        assert all(c == mock.call([community.network_id]) for c in forget.call_args_list)
        forget.reset_mock()
        UserFactory()
        Comment.objects.get(pk=comment.pk).save()
        comment.delete()
        assert forget.call_count == 0
