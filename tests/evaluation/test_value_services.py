"""Value tags through the services and the selectors: evidence by kind, one tag per cycle,
the gap counted right (hidden stories and unshared entries left out)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from conveners import services as convener_services
from core.models import AuditEntry
from evaluation.value import permissions, selectors, services
from evaluation.value.models import ValueTag
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    ResourceFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_figure_needs_its_unit_and_other_kinds_evidence_is_dropped():
    story = StoryFactory()
    with pytest.raises(ValidationError) as refused:
        services.value_tag_save(
            actor=story.author, story=story, cycle="realised", evidence_kind="figure", figure=12
        )
    assert "figure_unit" in refused.value.error_dict
    tag = services.value_tag_save(
        actor=story.author,
        story=story,
        cycle="realised",
        evidence_kind="figure",
        figure=Decimal("12"),
        figure_unit=" fewer falls a month ",
        quote="Typed, then the kind changed",
    )
    assert (tag.figure, tag.figure_unit, tag.quote) == (Decimal("12"), "fewer falls a month", "")
    assert AuditEntry.objects.filter(action="value_tag.add").count() == 1


def test_a_quote_needs_who_said_it_and_a_document_a_link_or_resource():
    story = StoryFactory()
    for kind, missing in (("quote", {"quote", "quote_by"}), ("document", {"resource"})):
        with pytest.raises(ValidationError) as refused:
            services.value_tag_save(
                actor=story.author, story=story, cycle="applied", evidence_kind=kind
            )
        assert set(refused.value.error_dict) == missing
    resource = ResourceFactory(community=story.community)
    tag = services.value_tag_save(
        actor=story.author,
        story=story,
        cycle="applied",
        evidence_kind="document",
        resource=resource,
    )
    assert tag.resource == resource and tag.has_evidence


def test_a_story_claims_a_cycle_once_and_a_change_keeps_the_tag():
    story = StoryFactory()
    tag = services.value_tag_save(actor=story.author, story=story, cycle="immediate")
    with pytest.raises(ValidationError) as refused:
        services.value_tag_save(actor=story.author, story=story, cycle="immediate")
    assert "cycle" in refused.value.error_dict
    changed = services.value_tag_save(
        actor=story.author,
        tag=tag,
        cycle="immediate",
        evidence_kind="quote",
        quote="We stopped reinventing the wheel.",
        quote_by="A practice nurse",
    )
    assert changed.pk == tag.pk and ValueTag.objects.count() == 1
    services.value_tag_remove(tag=changed, actor=story.author)
    assert not ValueTag.objects.exists()
    assert AuditEntry.objects.filter(action="value_tag.remove").count() == 1


def test_who_may_tag_a_story():
    story = StoryFactory()
    convener, member = UserFactory(), UserFactory()
    MembershipFactory(community=story.community, user=convener, role="convener")
    MembershipFactory(community=story.community, user=member)
    manager = UserFactory()
    story.community.network.managers.add(manager)
    allowed = {
        who: permissions.can_tag_story(who, story)
        for who in (story.author, convener, member, manager)
    }
    assert allowed == {story.author: True, convener: True, member: False, manager: False}
    tag = services.value_tag_save(actor=convener, story=story, cycle="applied")
    for who, may in allowed.items():
        assert permissions.tags_editable_by(who).filter(pk=tag.pk).exists() is may


def test_who_may_tag_a_journal_entry(world):
    network, people = world
    application = people["participant"].applications.get()
    entry = convener_services.journal_add(application=application, title="Week 3", body="Text")
    everyone = ("participant", "manager", "other_manager", "member")
    assert not any(permissions.can_tag_entry(people[r], entry) for r in everyone)
    convener_services.journal_share(entry=entry, shared=True)
    entry.refresh_from_db()
    allowed = {r: permissions.can_tag_entry(people[r], entry) for r in everyone}
    assert allowed == {
        "participant": True,
        "manager": True,
        "other_manager": False,
        "member": False,
    }
    for role, may in allowed.items():
        assert permissions.entries_taggable_by(people[role]).filter(pk=entry.pk).exists() is may


def _tag(story, cycle, evidence=False):
    extra = {}
    if evidence:
        extra = {"evidence_kind": "document", "url": "https://example.org/audit"}
    return services.value_tag_save(actor=story.author, story=story, cycle=cycle, **extra)


def test_the_gap_counts_with_and_without_evidence_and_puts_the_missing_first():
    community = CommunityFactory()
    first, second, hidden = StoryFactory.create_batch(3, community=community)
    _tag(first, "applied", evidence=True)
    _tag(second, "applied")
    _tag(second, "immediate", evidence=True)
    _tag(hidden, "realised", evidence=True)
    hidden.is_hidden = True
    hidden.save()
    _tag(StoryFactory(), "realised", evidence=True)  # another community's
    gap = selectors.community_gap(community=community)
    counts = {c.cycle: (c.evidenced, c.unevidenced) for c in gap.cycles}
    assert counts == {
        "immediate": (1, 0),
        "potential": (0, 0),
        "applied": (1, 1),
        "realised": (0, 0),
        "reframing": (0, 0),
    }
    assert [c.cycle for c in gap.missing] == ["potential", "realised", "reframing"]
    assert [c.cycle for c in gap.by_gap][:3] == ["potential", "realised", "reframing"]


def test_the_network_gap_counts_every_community_and_the_shared_journals(world):
    network, people = world
    public = CommunityFactory(network=network, name="Alpha medicines safety")
    private = CommunityFactory(network=network, name="Beta near misses", visibility="private")
    _tag(StoryFactory(community=public), "applied", evidence=True)
    _tag(StoryFactory(community=private, visibility="members"), "applied")
    _tag(StoryFactory(community=CommunityFactory()), "applied")  # another network's
    application = people["participant"].applications.get()
    shared = convener_services.journal_add(application=application, title="Shared", body="x")
    private_entry = convener_services.journal_add(application=application, title="Mine", body="y")
    services.value_tag_save(
        actor=people["participant"], journal_entry=shared, cycle="reframing", evidence_kind=""
    )
    services.value_tag_save(
        actor=people["participant"], journal_entry=private_entry, cycle="applied"
    )
    convener_services.journal_share(entry=shared, shared=True)
    gap = selectors.network_gap(network=network)
    totals = {c.cycle: (c.evidenced, c.unevidenced) for c in gap.cycles}
    assert totals["applied"] == (1, 1)  # the private entry is not counted
    assert totals["reframing"] == (0, 1)
    rows = {
        name: {c.cycle: (c.evidenced, c.unevidenced) for c in cycles} for name, cycles in gap.rows
    }
    assert rows["Alpha medicines safety"]["applied"] == (1, 0)
    assert rows["Beta near misses"]["applied"] == (0, 1)
    assert rows["Leadership programme journals"]["reframing"] == (0, 1)
    csv_rows = selectors.gap_csv_rows(gap=gap, name=network.name)
    assert ["Beta near misses", "Applied value", 0, 1] in csv_rows
