"""Thin views: find the resource or community through the permission helpers (404 when it
may not be known), validate a form, call one service, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from communities import permissions as community_permissions
from communities import selectors as community_selectors
from communities.moderation import views as moderation_views
from communities.moderation.forms import HideForm
from core import uploads
from core.forms import ConfirmForm
from core.http import form_page, posted, saved_response, service_form_page, stored_file_download
from core.ratelimits import has_query, rate_limit
from knowledge import forms, permissions, selectors, services


def _crumbs():
    return [("Home", reverse("home")), ("Library", reverse("knowledge:library"))]


def _form_page(request, form, **kwargs):
    return form_page(request, form, crumbs=_crumbs(), **kwargs)


def _service_form_page(request, form, *, act, **kwargs):
    return service_form_page(request, form, act=act, crumbs=_crumbs(), **kwargs)


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- the libraries -------------------------------------------------------------------------


def _library(request, *, community=None, search=False):
    user = request.user
    communities = None
    networks = None
    if community is None:
        communities, networks = selectors.library_filter_choices(user=user)
    form = forms.LibraryFilterForm(
        request.GET or None,
        communities=communities,
        networks=networks,
        topics=community_selectors.topic_suggestions(signed_in=user.is_authenticated),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    chosen_community = community
    if filters.get("community"):
        chosen_community = next(pk for slug, _, pk in communities if slug == filters["community"])
    chosen_network = None
    if filters.get("network"):
        chosen_network = next(pk for slug, _, pk in networks if slug == filters["network"])
    q = filters.get("q", "")
    page, sort = selectors.resource_page(
        user=user,
        number=request.GET.get("page"),
        q=q,
        topic=filters.get("topic", ""),
        kind=filters.get("kind", ""),
        community=chosen_community,
        network=chosen_network,
        since=filters.get("since"),
        until=filters.get("until"),
        sort=filters.get("sort", ""),
    )
    context = {
        "form": form,
        "page": page,
        "resources": page.object_list,
        "q": q,
        "sort": sort,
        "query": _query_without_page(request),
        "community": community,
        "search": search,
        "ranked_at_most": selectors.ranked_at_most(q=q, sort=sort),
    }
    if community is not None:
        context.update(
            {
                "is_member": community_permissions.is_member(user, community),
                "can_manage": community_permissions.can_manage(user, community),
                "can_post": community_permissions.can_post_in(user, community),
                "stories": list(selectors.story_list(user=user, community=community)[:10]),
            }
        )
        return render(request, "knowledge/community_library.html", context)
    context["can_post"] = (
        permissions.communities_to_post_in(user).exists()
        or permissions.networks_to_post_in(user).exists()
    )
    return render(request, "knowledge/library.html", context)


@login_not_required
@rate_limit("search", method="GET", when=has_query)
def library(request):
    return _library(request)


@login_not_required
@rate_limit("search", method="GET", when=has_query)
def search(request):
    return _library(request, search=True)


@login_not_required
def community_library(request, slug):
    community = community_permissions.community_get(request.user, slug)
    return _library(request, community=community)


# --- resources -----------------------------------------------------------------------------


@login_not_required
def resource_detail(request, pk):
    user = request.user
    resource = permissions.resource_get(user, pk)
    context = {
        "resource": resource,
        **selectors.resource_detail(user=user, resource=resource),
        "can_edit": permissions.can_edit_resource(user, resource),
        "can_moderate": permissions.can_moderate(user, resource),
        "can_take_over": permissions.can_take_over(user, resource),
        "can_take_part": permissions.can_take_part(user, resource),
        "comment_form": forms.CommentForm(),
        "marked_useful": selectors.marked_useful(resource=resource, user=user),
    }
    return render(request, "knowledge/resource.html", context)


@require_http_methods(["GET", "POST"])
@rate_limit("upload")
def resource_create(request):
    user = request.user
    form = forms.ResourceForm(
        posted(request),
        request.FILES or None,
        user=user,
        destination=request.GET.get("to", ""),
    )

    def act(data):
        place = selectors.destination_get(destination=data["destination"])
        resource = services.resource_create(
            author=user, upload=data.get("upload"), **place, **form.service_kwargs()
        )
        response = saved_response(request, form, resource, f"“{resource.title}” is in the library.")
        _say_what_was_kept(request, data.get("upload"), resource)
        return response

    no_place = not form.fields["destination"].choices[1:]
    return _service_form_page(
        request,
        form,
        act=act,
        heading="Share a resource",
        submit="Share the resource",
        cancel=reverse("knowledge:library"),
        intro=(
            "Join a community first: members share resources with their community."
            if no_place
            else "Share something others can use: a leaflet, a toolkit, a protocol, a case study."
        ),
    )


def _say_what_was_kept(request, upload, resource):
    """A file whose content is not what its name says is kept under the name of what it is:
    tell the person, rather than let them find "fake.txt" later."""
    if upload is None:
        return
    version = selectors.latest_version(resource=resource)
    note = uploads.kept_as_note(upload.name, version.original_name) if version else ""
    if note:
        messages.info(request, note)


@require_http_methods(["GET", "POST"])
def resource_delete(request, pk):
    resource = permissions.resource_get_editable(request.user, pk)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        place = resource.community
        services.resource_delete(resource=resource, actor=request.user)
        messages.success(request, f"“{resource.title}” has been deleted.")
        if place is not None:
            return redirect("knowledge:community_library", place.slug)
        return redirect("knowledge:library")
    counts = {
        "version": resource.versions.count(),
        "adoption": resource.adoptions.count(),
        "comment": resource.comments.count(),
    }
    held = ", ".join(f"{n} {name}{'' if n == 1 else 's'}" for name, n in counts.items() if n)
    return _form_page(
        request,
        form,
        heading=f"Delete {resource.title}?",
        submit="Delete the resource",
        cancel=resource.get_absolute_url(),
        warning=True,
        intro=(
            "This cannot be undone. The resource goes from the library and search"
            + (f", with its {held}" if held else "")
            + ". Stories that mention it keep their text."
        ),
    )


@require_http_methods(["GET", "POST"])
def resource_edit(request, pk):
    resource = permissions.resource_get_editable(request.user, pk)
    form = forms.ResourceForm(posted(request), instance=resource, user=request.user)

    def act(data):
        services.resource_update(resource=resource, actor=request.user, **form.service_kwargs())
        return saved_response(request, form, resource, "The resource has been saved.")

    return _service_form_page(
        request,
        form,
        act=act,
        heading=f"Edit {resource.title}",
        submit="Save changes",
        cancel=resource.get_absolute_url(),
        caption=str(resource.place),
    )


@require_http_methods(["GET", "POST"])
@rate_limit("upload")
def version_create(request, pk):
    resource = permissions.resource_get_editable(request.user, pk)

    def act(data):
        version = services.resource_version_add(
            resource=resource,
            actor=request.user,
            upload=data["upload"],
            change_note=data["change_note"],
        )
        messages.success(request, f"Version {version.number} has been uploaded.")
        _say_what_was_kept(request, data["upload"], resource)
        return redirect(resource)

    return _service_form_page(
        request,
        forms.VersionForm(posted(request), request.FILES or None),
        act=act,
        heading="Upload a new version",
        submit="Upload",
        cancel=resource.get_absolute_url(),
        caption=resource.title,
        intro="Earlier versions stay downloadable, with their dates and change notes.",
    )


def _send_file(version):
    return stored_file_download(
        lambda: default_storage.open(version.file.name, "rb"),
        filename=version.original_name,
        content_type=version.content_type,
    )


@login_not_required
def download(request, pk):
    resource = permissions.resource_get(request.user, pk)
    version = selectors.latest_version(resource=resource)
    if version is None:
        raise Http404("No file")
    return _send_file(version)


@login_not_required
def version_download(request, pk, number):
    resource = permissions.resource_get(request.user, pk)
    return _send_file(selectors.version_get(resource=resource, number=number))


@require_http_methods(["GET", "POST"])
def adopt(request, pk):
    resource = permissions.resource_get_for_taking_part(request.user, pk)

    def act(data):
        services.adoption_record(
            resource=resource,
            user=request.user,
            organisation_name=data["organisation_name"],
            community=data["community"],
            note=data["note"],
        )
        messages.success(request, "Thank you: your adoption is recorded on the resource.")
        return redirect(resource)

    return _service_form_page(
        request,
        forms.AdoptionForm(posted(request), user=request.user),
        act=act,
        heading="We adopted this",
        submit="Record the adoption",
        cancel=resource.get_absolute_url(),
        caption=resource.title,
        intro="Tell its authors where their work spread: which organisation or community took it up, and how.",
    )


@require_http_methods(["GET", "POST"])
def useful(request, pk):
    resource = permissions.resource_get_for_taking_part(request.user, pk)
    if request.method == "POST":
        marked = services.useful_toggle(resource=resource, user=request.user)
        messages.success(
            request, "Marked as useful." if marked else "Your “useful” mark has been removed."
        )
    return redirect(resource)


@require_http_methods(["GET", "POST"])
def comment_create(request, pk):
    resource = permissions.resource_get_for_taking_part(request.user, pk)
    if request.method != "POST":
        return redirect(resource)
    form = forms.CommentForm(request.POST)

    def act(data):
        comment = services.comment_add(resource=resource, author=request.user, **data)
        to = reverse("knowledge:resource", args=[pk]) + "#comments"
        return saved_response(request, form, comment, "Your comment has been added.", to)

    return _service_form_page(
        request,
        form,
        act=act,
        heading="Comment on the resource",
        submit="Add comment",
        cancel=resource.get_absolute_url(),
        caption=resource.title,
    )


@require_http_methods(["GET", "POST"])
def resource_take_over(request, pk):
    resource = permissions.resource_get_orphaned(request.user, pk)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.resource_take_over(resource=resource, actor=request.user)
        messages.success(request, f"You now own “{resource.title}”.")
        return redirect(resource)
    return _form_page(
        request,
        form,
        heading=f"Take over {resource.title}?",
        submit="Take it over",
        cancel=resource.get_absolute_url(),
        intro=(
            "Its owner has closed their account. As its owner you edit it, upload new "
            "versions, and receive its review reminders; the other conveners no longer do."
        ),
    )


@require_http_methods(["GET", "POST"])
def resource_hide(request, pk):
    resource = permissions.resource_get_moderated(request.user, pk)
    form = HideForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.resource_hide(
            resource=resource, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, "The resource is hidden and its owner has been told why.")
        return redirect(resource)
    return _form_page(
        request,
        form,
        heading=f"Hide {resource.title}?",
        submit="Hide the resource",
        cancel=resource.get_absolute_url(),
        warning=True,
        intro="It disappears from the library and search. Its owner, the conveners and staff can still open it.",
    )


@require_http_methods(["GET", "POST"])
def comment_hide(request, pk, comment_pk):
    resource = permissions.resource_get_moderated(request.user, pk)
    comment = selectors.comment_get(resource=resource, pk=comment_pk)
    back = reverse("knowledge:resource", args=[pk]) + "#comments"
    return moderation_views.hide_page(request, comment, back=back)


@require_http_methods(["GET", "POST"])
@rate_limit("report")
def comment_report(request, pk, comment_pk):
    resource = permissions.resource_get_for_taking_part(request.user, pk)
    comment = selectors.comment_get(resource=resource, pk=comment_pk)
    if not permissions.can_report(request.user, comment, can_view=permissions.can_view_comment):
        raise Http404("No such comment")
    back = reverse("knowledge:resource", args=[pk]) + "#comments"
    return moderation_views.report_page(request, comment, back=back)


# --- stories -------------------------------------------------------------------------------


@login_not_required
def story_list(request):
    stories = selectors.story_list(user=request.user)
    page = selectors.page_of(stories, request.GET.get("page"))
    return render(
        request,
        "knowledge/stories.html",
        {"page": page, "stories": page.object_list, "query": ""},
    )


@login_not_required
def story_detail(request, pk):
    user = request.user
    story = permissions.story_get(user, pk)
    can_moderate = permissions.can_moderate_story(user, story)
    return render(
        request,
        "knowledge/story.html",
        {
            "story": story,
            "resources": selectors.story_resources(user=user, story=story),
            "can_moderate": can_moderate,
            "can_report": not can_moderate
            and story.author_id != user.pk
            and permissions.can_report(user, story, can_view=permissions.can_view_story),
        },
    )


@require_http_methods(["GET", "POST"])
def story_create(request, slug):
    community = community_permissions.community_get(request.user, slug)
    if community.is_archived:  # known to this person: say why, rather than "not found"
        return render(
            request,
            "communities/archived.html",
            {"community": community, "heading": "Tell a story of changed practice"},
        )
    if not community_permissions.can_post_in(request.user, community):
        raise Http404("Members only")
    form = forms.StoryForm(posted(request), user=request.user, community=community)

    def act(data):
        story = services.story_create(
            author=request.user, community=community, **form.service_kwargs()
        )
        return saved_response(request, form, story, "Your story has been shared.")

    return _service_form_page(
        request,
        form,
        act=act,
        heading="Tell a story of changed practice",
        submit="Share the story",
        cancel=reverse("knowledge:community_library", args=[slug]),
        caption=community.name,
        intro="Follow the value cycle: what happened, what you learned, how you applied it, what difference it made, and what it changed about how you judge success.",
    )


@require_http_methods(["GET", "POST"])
@rate_limit("report")
def story_report(request, pk):
    story = permissions.story_get_for_reporting(request.user, pk)
    return moderation_views.report_page(request, story, back=story.get_absolute_url())


@require_http_methods(["GET", "POST"])
def story_hide(request, pk):
    story = permissions.story_get_moderated(request.user, pk)
    if story.is_hidden:
        return redirect(story)
    return moderation_views.hide_page(request, story, back=story.get_absolute_url())


@require_http_methods(["GET", "POST"])
def story_unhide(request, pk):
    story = permissions.story_get_moderated(request.user, pk)
    if not story.is_hidden:
        return redirect(story)
    return moderation_views.unhide_page(request, story, back=story.get_absolute_url())
