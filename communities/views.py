"""Thin views: find the community through the permission helpers (404 when it may not be
known), validate a form, call one service, redirect."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods

from communities import extensions, forms, permissions, selectors, services
from communities.models import Community, Invitation, Membership
from communities.moderation.selectors import open_report_count
from core.forms import ConfirmForm
from core.http import form_page, posted, service_response
from core.ratelimits import rate_limit

PAGE_SIZE = 20


def _page(request, rows, count=None):
    """A page of the rows (a queryset or a list); `count`, when the caller knows how many
    rows there are, spares the COUNT query."""
    paginator = Paginator(rows, PAGE_SIZE)
    if count is not None:
        paginator.count = count
    return paginator.get_page(request.GET.get("page"))


def _page_query(request):
    """The query string without the page number: the pager's links keep the filters."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def managed_unless_archived(*, note):
    """For a view of a community the person manages: it is called with the community in
    place of its slug (404 for anyone who does not manage it). An archived community is
    read-only: instead of the view, a redirect to its page, which says `note`."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            community = permissions.community_get_managed(request.user, slug)
            if community.is_archived:
                messages.info(request, note)
                return redirect("communities:detail", slug)
            return view(request, community, *args, **kwargs)

        return wrapper

    return decorate


# A community the person manages and that can still change.
_editable = managed_unless_archived(note="This community is archived: its pages are read-only.")


def _form_page(request, community, form, *, cancel=None, **kwargs):
    """The one-form page, in or about a community: its name above the heading, the
    directory in the breadcrumbs, and Cancel leading back to it."""
    if cancel is None:
        cancel = (
            reverse("communities:detail", args=[community.slug])
            if community
            else reverse("communities:list")
        )
    crumbs = [("Home", reverse("home")), ("Communities", reverse("communities:list"))]
    caption = community.name if community else ""
    return form_page(request, form, cancel=cancel, caption=caption, crumbs=crumbs, **kwargs)


def _service_form_page(request, community, form, *, act, **kwargs):
    """_form_page, whose valid POST calls a service through `act` (core.http.service_response)."""
    response = service_response(request, form, act)
    if response is not None:
        return response
    return _form_page(request, community, form, **kwargs)


def _join_request_summary(membership):
    """What the conveners answer: who asks, from where, when, and their note."""
    person = membership.user
    return [
        ("Name", person.name),
        ("Organisation", str(person.organisation) if person.organisation else "Not given"),
        ("Asked on", date_format(localtime(membership.requested_at), "j F Y, H:i")),
        ("Their note", membership.request_note or "No note"),
    ]


# --- directory and pages --------------------------------------------------------------------


@login_not_required
def community_list(request):
    form = forms.DirectoryFilterForm(
        request.GET or None,
        topics=selectors.topic_suggestions(signed_in=request.user.is_authenticated),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    ids = selectors.community_list_ids(user=request.user, **{k: v for k, v in filters.items() if v})
    page = _page(request, ids)
    return render(
        request,
        "communities/list.html",
        {
            "form": form,
            "page": page,
            "communities": selectors.communities_for_cards(ids=page.object_list),
            "query": _page_query(request),
        },
    )


@login_not_required
def community_detail(request, slug):
    community = permissions.community_get(request.user, slug)
    user = request.user
    # The active membership is the one the permission checks ask for (and remember); only
    # someone who is not an active member needs another look (a request to join waiting).
    membership = permissions.active_membership(user, community)
    if membership is None and user.is_authenticated:
        membership = selectors.membership_of(community=community, user=user)
    member = membership is not None and membership.is_active
    can_manage = permissions.can_manage(user, community)
    context = {
        "community": community,
        "membership": membership,
        "is_member": member,
        "can_manage": can_manage,
        "can_join": permissions.can_join(user, community),
        "summary": selectors.community_summary(community=community),
        "leaders": selectors.community_leaders(community=community),
        "topics": list(community.topics.all()),
        "regions": list(community.regions.all()),
        "charter": community.charter_versions.first(),
        "timeline": selectors.phase_timeline(community=community),
        "panels": extensions.render_panels(
            request, community, is_member=member, can_manage=can_manage
        ),
        "pending_count": selectors.pending_requests(community=community).count()
        if can_manage
        else 0,
        "report_count": open_report_count(community=community) if can_manage else 0,
    }
    return render(request, "communities/detail.html", context)


@login_not_required
def network_detail(request, slug):
    network = selectors.network_get(slug=slug)
    ids = selectors.community_list_ids(user=request.user, network=network)
    page = _page(request, ids)
    return render(
        request,
        "communities/network.html",
        {
            "network": network,
            "page": page,
            "communities": selectors.communities_for_cards(ids=page.object_list),
            "managers": network.managers.all(),
            "panels": extensions.render_network_panels(
                request, network, can_manage=permissions.can_manage_network(request.user, network)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def community_create(request):
    form = forms.CommunityForm(posted(request), user=request.user)

    def act(data):
        community = services.community_create(creator=request.user, **form.service_kwargs())
        messages.success(request, f"{community.name} has been created. You are its convener.")
        return redirect("communities:detail", community.slug)

    return _service_form_page(
        request,
        None,
        form,
        act=act,
        heading="Start a community",
        submit="Create community",
        intro="You will be its convener. It starts in the Discover phase: reach out to a core group and draft the domain together.",
    )


@require_http_methods(["GET", "POST"])
@_editable
def community_edit(request, community):
    form = forms.CommunityForm(posted(request), instance=community, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.community_update(community=community, actor=request.user, **form.service_kwargs())
        messages.success(request, "The community has been saved.")
        return redirect("communities:detail", community.slug)
    return _form_page(
        request, community, form, heading=f"Edit {community.name}", submit="Save changes"
    )


# --- joining and leaving ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@rate_limit("join")
def community_join(request, slug):
    community = permissions.community_get(request.user, slug)
    if permissions.is_member(request.user, community):
        return redirect("communities:detail", slug)
    if community.is_archived:  # said before anyone fills anything in
        return render(
            request,
            "communities/archived.html",
            {"community": community, "heading": f"Join {community.name}"},
        )

    def act(data):
        membership = services.membership_join(
            community=community, user=request.user, note=data["note"]
        )
        if membership.is_active:
            messages.success(
                request,
                f"Welcome to {community.name}. Tell the others what you need and what you can offer.",
            )
            return redirect("communities:needs_offers_mine", slug)
        messages.success(
            request,
            "Your request has been sent to the conveners. We will e-mail you their answer.",
        )
        return redirect("communities:detail", slug)

    approval = community.join_policy == Community.JoinPolicy.APPROVAL
    return _service_form_page(
        request,
        community,
        forms.JoinForm(posted(request)),
        act=act,
        heading=f"{'Ask to join' if approval else 'Join'} {community.name}",
        submit="Send request" if approval else "Join",
        intro="The conveners approve requests to join this community." if approval else "",
    )


@require_http_methods(["GET", "POST"])
def community_leave(request, slug):
    community = permissions.community_get(request.user, slug)
    membership = permissions.active_membership(request.user, community)
    if membership is None:
        raise Http404("Not a member")

    def act(data):
        services.membership_leave(membership=membership)
        messages.success(request, f"You have left {community.name}.")
        return (
            redirect("communities:detail", slug)
            if permissions.can_view(request.user, community)
            else redirect("home")
        )

    return _service_form_page(
        request,
        community,
        ConfirmForm(posted(request)),
        act=act,
        heading=f"Leave {community.name}?",
        submit="Leave the community",
        warning=True,
        intro="You will stop receiving its news and meeting notices. You can ask to join again later.",
    )


# --- members -------------------------------------------------------------------------------------


def member_list(request, slug):
    community = permissions.community_get_content(request.user, slug)
    figures = selectors.community_summary(community=community)
    form = forms.MemberFilterForm(request.GET or None, figures=figures)
    filters = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
    members = selectors.member_list(community=community, **filters)
    # Unfiltered, the list is every active member: the figures already hold how many.
    page = _page(request, members, count=None if filters else figures["member_count"])
    return render(
        request,
        "communities/members.html",
        {
            "community": community,
            "form": form,
            "page": page,
            "members": page.object_list,
            "query": _page_query(request),
            "can_manage": permissions.can_manage(request.user, community),
        },
    )


def member_detail(request, slug, pk):
    community = permissions.community_get_content(request.user, slug)
    membership = selectors.member_get(community=community, pk=pk)
    return render(
        request,
        "communities/member.html",
        {
            "community": community,
            "membership": membership,
            "person": membership.user,
            "can_manage": permissions.can_manage(request.user, community),
        },
    )


@require_http_methods(["GET", "POST"])
@_editable
def member_manage(request, community, pk):
    membership = selectors.member_get(community=community, pk=pk)
    role_form = forms.RoleForm(
        request.POST if "role" in request.POST else None,
        initial={"role": membership.role},
        prefix="r",
    )
    remove_form = forms.RemoveForm(request.POST if "remove" in request.POST else None, prefix="x")

    def change_role(data):
        services.membership_change_role(
            membership=membership, actor=request.user, role=data["role"]
        )
        messages.success(
            request, f"{membership.user.name} is now {membership.get_role_display().lower()}."
        )
        return redirect("communities:members", community.slug)

    def remove(data):
        services.membership_remove(membership=membership, actor=request.user, reason=data["reason"])
        messages.success(request, f"{membership.user.name} has been removed from the community.")
        return redirect("communities:members", community.slug)

    form, act = (role_form, change_role) if "role" in request.POST else (remove_form, remove)
    if (response := service_response(request, form, act)) is not None:
        return response
    return render(
        request,
        "communities/member_manage.html",
        {
            "community": community,
            "membership": membership,
            "role_form": role_form,
            "remove_form": remove_form,
        },
    )


# --- join requests and invitations -----------------------------------------------------------------


def request_list(request, slug):
    community = permissions.community_get_managed(request.user, slug)
    return render(
        request,
        "communities/requests.html",
        {
            "community": community,
            "requests": selectors.pending_requests(community=community),
            "invitations": selectors.pending_invitations(community=community),
        },
    )


@require_http_methods(["GET", "POST"])
@_editable
def request_decide(request, community, pk):
    membership = selectors.join_request_get(community=community, pk=pk)
    if membership.status != Membership.Status.REQUESTED:
        messages.info(
            request,
            f"This request has already been answered ({membership.get_status_display().lower()}).",
        )
        return redirect("communities:requests", community.slug)
    form = forms.DecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        services.membership_decide(
            membership=membership,
            actor=request.user,
            approve=approve,
            message=form.cleaned_data["message"],
        )
        messages.success(
            request,
            f"{membership.user.name} has been {'approved' if approve else 'declined'} and told by e-mail.",
        )
        return redirect("communities:requests", community.slug)
    return _form_page(
        request,
        community,
        form,
        heading=f"{membership.user.name} asks to join",
        submit="Send answer",
        cancel=reverse("communities:requests", args=[community.slug]),
        summary=_join_request_summary(membership),
    )


@require_http_methods(["GET", "POST"])
@rate_limit("invite")
@_editable
def invite(request, community):
    form = forms.InviteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        invited, skipped = services.invitation_create(
            community=community,
            actor=request.user,
            emails=form.cleaned_data["emails"],
            message=form.cleaned_data["message"],
        )
        if invited:
            messages.success(request, f"Invitation sent to {', '.join(i.email for i in invited)}.")
        for email, why in skipped:
            messages.info(request, f"Not sent to {email}: {why}.")
        return redirect("communities:requests", community.slug)
    return _form_page(
        request,
        community,
        form,
        heading=f"Invite people to {community.name}",
        submit="Send invitations",
        intro="Each person gets an e-mail with a link, valid for 14 days. People without an account can create one from it.",
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    invitation = selectors.invitation_get(token=token)
    community = invitation.community
    user = request.user
    error = None
    try:
        services.invitation_check(invitation, user if user.is_authenticated else None)
    except ValidationError as exc:
        error = exc.messages[0]
    if not user.is_authenticated:
        # Sign-up or sign-in brings the person back here (see dashboard.views.home).
        request.session["invitation_token"] = token
    elif request.method == "POST" and error is None:
        request.session.pop("invitation_token", None)
        if request.POST.get("answer") == "accept":
            services.invitation_accept(invitation=invitation, user=user)
            messages.success(
                request,
                f"Welcome to {community.name}. Tell the others what you need and what you can offer.",
            )
            return redirect("communities:needs_offers_mine", community.slug)
        services.invitation_decline(invitation=invitation, user=user)
        messages.info(request, f"You have declined the invitation to {community.name}.")
        return redirect("home")
    status = (
        410
        if error
        and invitation.status != Invitation.Status.PENDING
        or error
        and invitation.is_expired
        else 200
    )
    return render(
        request,
        "communities/invitation.html",
        {"invitation": invitation, "community": community, "error": error},
        status=status,
    )


# --- needs and offers ------------------------------------------------------------------------------


def needs_offers(request, slug):
    community = permissions.community_get_content(request.user, slug)
    board = selectors.needs_offers_board(community=community)
    return render(request, "communities/needs_offers.html", {"community": community, **board})


@require_http_methods(["GET", "POST"])
def needs_offers_mine(request, slug):
    community = permissions.community_get_content(request.user, slug)
    membership = permissions.active_membership(request.user, community)
    if membership is None:  # staff who are not members have nothing to state
        raise Http404("Not a member")
    initial = {f: getattr(membership, f) for f in forms.NeedsOffersForm.base_fields}
    form = forms.NeedsOffersForm(
        posted(request), initial=initial, topics=selectors.topic_suggestions(signed_in=True)
    )

    def act(data):
        services.needs_offers_update(membership=membership, **data)
        messages.success(request, "Your needs and offers have been saved.")
        return redirect("communities:needs_offers", slug)

    return _service_form_page(
        request,
        community,
        form,
        act=act,
        heading="What you need and what you can offer",
        submit="Save",
        intro="Members see these on the needs and offers board, where offers appear next to the needs they could meet. Topics make the matches.",
    )


# --- charter, phases, transform, activity ------------------------------------------------------------


@login_not_required
def charter(request, slug):
    community = permissions.community_get(request.user, slug)
    versions = selectors.charter_versions(community=community)
    current = versions.first()
    history = list(versions[1:50]) if permissions.can_see_content(request.user, community) else []
    return render(
        request,
        "communities/charter.html",
        {
            "community": community,
            "charter": current,
            "history": history,
            "can_manage": permissions.can_manage(request.user, community),
        },
    )


def charter_version(request, slug, number):
    community = permissions.community_get_content(request.user, slug)
    version = selectors.charter_version_get(community=community, number=number)
    return render(
        request,
        "communities/charter.html",
        {"community": community, "charter": version, "history": [], "is_old": True},
    )


@require_http_methods(["GET", "POST"])
@_editable
def charter_edit(request, community):
    current = community.charter_versions.first()
    initial = {f: getattr(current, f) for f in forms.CharterForm.Meta.fields} if current else {}
    form = forms.CharterForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        version = services.charter_save(
            community=community, actor=request.user, **form.cleaned_data
        )
        messages.success(request, f"The charter has been saved as version {version.number}.")
        return redirect("communities:charter", community.slug)
    return _form_page(
        request,
        community,
        form,
        heading="Edit the charter",
        submit="Save a new version",
        intro="Each save keeps the earlier versions readable.",
    )


@require_http_methods(["GET", "POST"])
@_editable
def phase_change(request, community):

    def act(data):
        services.phase_change(community=community, actor=request.user, **data)
        messages.success(
            request, f"{community.name} is now in the {community.get_phase_display()} phase."
        )
        return redirect("communities:detail", community.slug)

    return _service_form_page(
        request,
        community,
        forms.PhaseForm(posted(request), initial={"to_phase": community.phase}),
        act=act,
        heading="Move the community to another phase",
        submit="Change phase",
        intro="Discover, Unite, Mature, Steward, Transform. The change and your note appear in the community's timeline.",
    )


def person_detail(request, pk):
    """A person's profile: name and organisation for any signed-in person; the rest only
    for people who share a community with them."""
    person = selectors.person_get(pk=pk)
    full = permissions.profile_visible_in_full(request.user, person)
    shared = selectors.shared_communities(viewer=request.user, person=person) if full else []
    return render(
        request, "communities/person.html", {"person": person, "full": full, "shared": shared}
    )


def activity(request, slug):
    community = permissions.community_get_managed(request.user, slug)
    return render(
        request,
        "communities/activity.html",
        {"community": community, "entries": selectors.community_activity(community=community)},
    )
