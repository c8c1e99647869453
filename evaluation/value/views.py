"""Tagging stories with the value they show, and the evidence gap of a community or network."""

from collections.abc import Callable
from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from communities.permissions import communities_managed_by, community_get_managed
from core.http import confirm_page, posted, saved_response, service_form_page, table_download
from evaluation.value import forms, permissions, selectors, services

TAG_INTRO = (
    "Choose the value-creation cycle this shows and the evidence it cites. A story can claim "
    "several cycles, one tag each."
)


def _entry_back(user, entry):
    programme = entry.application.programme
    if entry.application.applicant_id == user.pk:
        return reverse("conveners:participant", args=[programme.slug])
    return reverse("conveners:shared_journal", args=[programme.slug])


def _subject_of(tag):
    if tag.story_id:
        story = tag.story
        return story.title, story.get_absolute_url(), story.community.network_id, story.community
    entry = tag.journal_entry
    back = reverse("evaluation:value_entry", args=[entry.pk])
    return entry.title, back, entry.application.programme.network_id, None


def _tag_page(request, form, *, subject, back, about, heading, submit="Save the tag"):
    """The form of one tag; its valid POST saves it through the service. `about` names
    what it tags ({"story": ...}, {"journal_entry": ...}) or the tag it changes
    ({"tag": ...})."""

    def saved(data):
        tag = services.value_tag_save(
            actor=request.user, cycle=data["cycle"], **about, **_evidence(data)
        )
        return saved_response(request, form, tag, "The value tag has been saved.", back)

    return service_form_page(
        request,
        form,
        act=saved,
        heading=heading,
        submit=submit,
        cancel=back,
        caption=subject,
        intro=TAG_INTRO,
    )


def _evidence(data):
    return {name: data.get(name) for name in ("evidence_kind", *services.EVIDENCE_FIELDS)}


@require_http_methods(["GET", "POST"])
def story_tag_new(request, pk):
    story = permissions.story_get_taggable(request.user, pk)
    form = forms.ValueTagForm(
        posted(request),
        user=request.user,
        network=story.community.network_id,
        community=story.community,
    )
    return _tag_page(
        request,
        form,
        subject=story.title,
        back=story.get_absolute_url(),
        about={"story": story},
        heading="Tag the value this story shows",
    )


@require_GET
def entry_value(request, pk):
    entry = permissions.entry_get_taggable(request.user, pk)
    return render(
        request,
        "evaluation/value/entry.html",
        {
            "entry": entry,
            "tags": selectors.entry_tags(entry=entry),
            "back": _entry_back(request.user, entry),
        },
    )


@require_http_methods(["GET", "POST"])
def entry_tag_new(request, pk):
    entry = permissions.entry_get_taggable(request.user, pk)
    form = forms.ValueTagForm(
        posted(request), user=request.user, network=entry.application.programme.network_id
    )
    return _tag_page(
        request,
        form,
        subject=entry.title,
        back=reverse("evaluation:value_entry", args=[entry.pk]),
        about={"journal_entry": entry},
        heading="Tag the value this journal entry shows",
    )


@require_http_methods(["GET", "POST"])
def tag_edit(request, pk):
    tag = permissions.tag_get_editable(request.user, pk)
    subject, back, network, community = _subject_of(tag)
    form = forms.ValueTagForm.for_tag(
        posted(request), tag=tag, user=request.user, network=network, community=community
    )
    return _tag_page(
        request,
        form,
        subject=subject,
        back=back,
        about={"tag": tag},
        heading="Change the value tag",
        submit="Save the change",
    )


@require_http_methods(["GET", "POST"])
def tag_remove(request, pk):
    tag = permissions.tag_get_editable(request.user, pk)
    subject, back, _network, _community = _subject_of(tag)
    return confirm_page(
        request,
        act=lambda: services.value_tag_remove(tag=tag, actor=request.user),
        done="The value tag has been removed.",
        to=back,
        heading=f"Remove the tag “{tag.get_cycle_display()}”?",
        submit="Remove the tag",
        cancel=back,
        caption=subject,
        intro="The story stays; only this claim and its evidence are removed.",
        warning=True,
    )


@require_GET
def value_index(request):
    """Where a convener or a programme manager finds the gaps they may read."""
    return render(
        request,
        "evaluation/value/index.html",
        {
            "networks": permissions.networks_gap_visible_to(request.user).order_by("name"),
            "communities": communities_managed_by(request.user).distinct().order_by("name"),
        },
    )


@dataclass(frozen=True)
class _GapOf:
    """What an evidence gap is read for: how the place is fetched for the reader (404 if
    not theirs), its gap, the page's title, its export's URL name."""

    get: Callable
    gap: Callable
    title: str
    export: str
    per_community: bool


GAP_OF = {
    "community": _GapOf(
        community_get_managed,
        lambda community: selectors.community_gap(community=community),
        "Evidence of the value created",
        "evaluation:value_community_export",
        False,
    ),
    "network": _GapOf(
        permissions.network_get_for_gap,
        lambda network: selectors.network_gap(network=network),
        "Evidence of the value created across the network",
        "evaluation:value_network_export",
        True,
    ),
}


@require_GET
def gap_page(request, slug, of):
    """The evidence gap of a community (`of` "community") or a network ("network")."""
    found = GAP_OF[of]
    place = found.get(request.user, slug)
    return render(
        request,
        "evaluation/value/gap.html",
        {
            "gap": found.gap(place),
            "title": found.title,
            "caption": place.name,
            "export": reverse(found.export, args=[slug]),
            "per_community": found.per_community,
        },
    )


@require_GET
def gap_export(request, slug, of):
    found = GAP_OF[of]
    place = found.get(request.user, slug)
    return table_download(
        name=f"value-{place.slug}",
        header=selectors.CSV_HEADER,
        rows=selectors.gap_csv_rows(gap=found.gap(place), name=place.name),
    )
