"""Thin views: find the community or discussion through the permission helpers (404 when it
may not be known), validate a form, call one service, redirect."""

from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communities.moderation import views as moderation_views
from communities.moderation.permissions import can_report
from communities.permissions import can_manage, community_get_managed, is_member
from core.access import AccessDenied, get_visible_or_404
from core.attachments import attachment_download, has_files
from core.http import posted, saved_response, service_form_page, stored_file_download
from core.ratelimits import has_query, rate_limit
from core.search import MAX_RESULTS
from discussions import forms, permissions, search, selectors, services


def _crumbs(community):
    return [
        ("Home", reverse("home")),
        ("Communities", reverse("communities:list")),
        (community.name, reverse("communities:detail", args=[community.slug])),
        ("Discussions", reverse("discussions:list", args=[community.slug])),
    ]


def _service_form_page(request, form, *, act, community, mentions=False, caption=None, **page):
    """core.http.service_form_page in discussions/form.html: under the community's name and
    crumbs, with its ground rules above the form (`ground_rules`) and the mentions script
    where a text may mention (the form's "body")."""
    if mentions:
        _with_mentions(form, community)
    return service_form_page(
        request,
        form,
        act=act,
        caption=community.name if caption is None else caption,
        crumbs=_crumbs(community),
        template="discussions/form.html",
        mentions=mentions,
        **page,
    )


def _with_mentions(form, community):
    """The form's body suggests the community's members as one types @."""
    form.fields["body"].widget.attrs[forms.MENTIONS] = reverse(
        "discussions:people", args=[community.slug]
    )
    return form


def _archived(request, community, heading):
    return render(
        request, "communities/archived.html", {"community": community, "heading": heading}
    )


# --- search --------------------------------------------------------------------------------


@require_GET
@rate_limit("search", method="GET", when=has_query)
def discussion_search(request):
    """Discussions and replies of the person's communities matching the words (see
    discussions/search.py for what may be found)."""
    form = forms.SearchForm(request.GET or None)
    q = form.cleaned_data.get("q", "").strip() if form.is_valid() else ""
    page = search.search_page(user=request.user, q=q, number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "discussions/search.html",
        {
            "form": form,
            "q": q,
            "page": page,
            "results": page.object_list if page else [],
            "max_results": MAX_RESULTS,
            "query": query.urlencode(),
        },
    )


# --- a community's discussions -------------------------------------------------------------


def discussion_list(request, slug):
    community = permissions.community_get_discussions(request.user, slug)
    form = forms.ListFilterForm(request.GET or None)
    unanswered = form.is_valid() and form.cleaned_data.get("show") == "unanswered"
    page = selectors.discussion_page(
        user=request.user,
        community=community,
        number=request.GET.get("page"),
        unanswered=unanswered,
    )
    return render(
        request,
        "discussions/list.html",
        {
            "community": community,
            "form": form,
            "page": page,
            "discussions": page.object_list,
            "unanswered": unanswered,
            "query": "show=unanswered" if unanswered else "",
            "is_member": is_member(request.user, community),
            "can_manage": can_manage(request.user, community),
            "can_post": permissions.can_post_in(request.user, community),
        },
    )


@require_http_methods(["GET", "POST"])
@rate_limit("upload")
def discussion_create(request, slug):
    community = permissions.community_get_discussions(request.user, slug)
    if community.is_archived:
        return _archived(request, community, "Start a discussion")
    if not permissions.can_post_in(request.user, community):
        raise AccessDenied("Members only")
    form = forms.DiscussionForm(posted(request), request.FILES or None)

    def act(data):
        discussion = services.discussion_start(
            community=community, author=request.user, **form.service_kwargs()
        )
        return saved_response(request, form, discussion, "Your discussion has started.")

    return _service_form_page(
        request,
        form,
        act=act,
        community=community,
        mentions=True,
        heading="Start a discussion",
        submit="Start the discussion",
        cancel=reverse("discussions:list", args=[community.slug]),
        intro="Ask a question, share an idea or a near miss to learn from, or ask for comments "
        "on a document. Only the members of this community see it.",
        ground_rules=selectors.ground_rules_html(community),
    )


@require_GET
def people(request, slug):
    """Members of the community whose name starts with ?q=, for mentions: at most ten."""
    community = permissions.community_get_discussions(request.user, slug)
    found = selectors.mention_suggestions(community=community, prefix=request.GET.get("q", ""))
    response = JsonResponse({"people": found})
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def ground_rules(request, slug):
    community = community_get_managed(request.user, slug)
    if community.is_archived:
        return _archived(request, community, "Ground rules of safe-space discussions")
    form = forms.GroundRulesForm(
        posted(request), initial={"text": selectors.ground_rules_text(community)}
    )

    def act(data):
        services.ground_rules_save(community=community, actor=request.user, text=data["text"])
        messages.success(request, "The ground rules are saved.")
        return redirect("discussions:list", community.slug)

    return _service_form_page(
        request,
        form,
        act=act,
        community=community,
        heading="Ground rules of safe-space discussions",
        submit="Save the ground rules",
        cancel=reverse("discussions:list", args=[community.slug]),
        intro="Every safe-space discussion of the community shows them above its text.",
    )


# --- one discussion ------------------------------------------------------------------------


def discussion_detail(request, pk):
    user = request.user
    discussion = permissions.discussion_get(user, pk)
    community = discussion.community
    context = selectors.thread(discussion=discussion, user=user, number=request.GET.get("page"))
    if context["reveals_hidden_authors"]:
        services.anonymous_authors_viewed(discussion=discussion, viewer=user)
    can_reply = permissions.can_reply(user, discussion)
    form = forms.ReplyForm(safe_space=discussion.is_safe_space) if can_reply else None
    if form is not None:
        _with_mentions(form, community)
    context |= {
        "discussion": discussion,
        "community": community,
        "crumbs": _crumbs(community),
        "reply_form": form,
        "can_reply": can_reply,
        "can_take_part": permissions.can_take_part(user, discussion),
        "can_edit": permissions.can_edit(user, discussion, discussion),
        "can_mark_answer": permissions.can_mark_answer(user, discussion),
        "is_member": is_member(user, community),
        "can_manage": context["moderator"],
    }
    return render(request, "discussions/detail.html", context)


@require_GET
def reply_link(request, pk, reply_pk):
    """Where a link to one reply lands: the page of the thread that shows it, at the reply."""
    discussion = permissions.discussion_get(request.user, pk)
    reply = permissions.reply_get(request.user, discussion, reply_pk)
    number = selectors.reply_page_number(reply)
    return redirect(f"{discussion.get_absolute_url()}?page={number}#reply-{reply.pk}")


def _post_edit_page(request, discussion, post, *, form_class, initial, save, **page):
    """Change the text of `post` (the discussion itself or one of its replies): its author or
    a convener; `save(data)` calls the service, which keeps the earlier text."""
    if not permissions.can_edit(request.user, post, discussion):
        raise AccessDenied("Not yours to change")
    form = form_class(posted(request), initial=initial)

    def act(data):
        save(data)
        return saved_response(request, form, post, "Your changes are saved.")

    return _service_form_page(
        request,
        form,
        act=act,
        community=discussion.community,
        mentions=True,
        submit="Save the changes",
        cancel=post.get_absolute_url(),
        intro="Members see that it was edited; the conveners can read the earlier text.",
        **page,
    )


@require_http_methods(["GET", "POST"])
def discussion_edit(request, pk):
    discussion = permissions.discussion_get(request.user, pk)
    return _post_edit_page(
        request,
        discussion,
        discussion,
        form_class=forms.DiscussionEditForm,
        initial={"title": discussion.title, "body": discussion.body},
        save=lambda data: services.discussion_edit(
            discussion=discussion, editor=request.user, title=data["title"], body=data["body"]
        ),
        heading="Change the discussion",
    )


@require_http_methods(["GET", "POST"])
@rate_limit("upload", when=has_files)
def reply_create(request, pk):
    """The reply form on its own page: with a quoted reply (?quote=), or after an error."""
    discussion = permissions.discussion_get(request.user, pk)
    if not permissions.can_reply(request.user, discussion):
        if discussion.is_closed and permissions.can_take_part(request.user, discussion):
            messages.info(request, "This discussion is closed: it takes no new replies.")
            return redirect(discussion)
        raise AccessDenied("Members only")
    quote = _quote(request, discussion)
    form = forms.ReplyForm(
        posted(request), request.FILES or None, safe_space=discussion.is_safe_space
    )

    def act(data):
        reply = services.reply_add(
            discussion=discussion,
            author=request.user,
            body=data["body"],
            quote=quote,
            author_hidden=data.get("author_hidden", False),
            files=data["attachments"],
        )
        return saved_response(request, form, reply, "Your reply has been added.")

    summary = None
    if quote is not None:
        name, _ = selectors.byline(quote, reveal=False)
        summary = [("Quoting " + name, selectors.post_text(quote.body))]
    return _service_form_page(
        request,
        form,
        act=act,
        community=discussion.community,
        mentions=True,
        heading="Reply",
        submit="Add your reply",
        cancel=discussion.get_absolute_url(),
        caption=discussion.title,
        summary=summary,
        ground_rules=selectors.ground_rules_html(discussion.community)
        if discussion.is_safe_space
        else "",
    )


def _quote(request, discussion):
    raw = request.POST.get("quote") or request.GET.get("quote")
    if not raw or not raw.isdigit():
        return None
    reply = permissions.reply_get(request.user, discussion, int(raw))
    if reply.is_hidden:
        raise Http404("No such reply")
    return reply


@require_http_methods(["GET", "POST"])
def reply_edit(request, pk, reply_pk):
    discussion = permissions.discussion_get(request.user, pk)
    reply = permissions.reply_get(request.user, discussion, reply_pk)
    return _post_edit_page(
        request,
        discussion,
        reply,
        form_class=forms.ReplyEditForm,
        initial={"body": reply.body},
        save=lambda data: services.reply_edit(reply=reply, editor=request.user, body=data["body"]),
        heading="Change the reply",
        caption=discussion.title,
    )


@contextmanager
def _refusal_as_message(request):
    """A one-button POST: a service's ValidationError becomes error messages on the page the
    person is sent back to (what follows the service call in the block does not run)."""
    try:
        yield
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)


@require_POST
def helpful(request, pk, reply_pk):
    discussion = permissions.discussion_get(request.user, pk)
    reply = permissions.reply_get(request.user, discussion, reply_pk)
    with _refusal_as_message(request):
        marked = services.helpful_toggle(reply=reply, user=request.user)
        messages.success(
            request, "Marked as helpful." if marked else "Your “helpful” mark is removed."
        )
    return redirect(reply)


@require_POST
def answer(request, pk, reply_pk):
    discussion = permissions.discussion_get(request.user, pk)
    reply = permissions.reply_get(request.user, discussion, reply_pk)
    clear = request.POST.get("clear") == "1"
    with _refusal_as_message(request):
        services.answer_mark(
            discussion=discussion, reply=None if clear else reply, actor=request.user
        )
        messages.success(
            request, "The question has no chosen answer." if clear else "Marked as the answer."
        )
    return redirect(discussion)


@require_POST
def follow(request, pk):
    discussion = permissions.discussion_get(request.user, pk)
    state = request.POST.get("state", "")
    with _refusal_as_message(request):
        services.follow_set(discussion=discussion, user=request.user, state=state)
        messages.success(
            request,
            {
                "follow": "You follow this discussion: you are told of new replies.",
                "mute": "This discussion is muted: you are told of nothing in it.",
                "unfollow": "You no longer follow this discussion.",
            }[state],
        )
    return redirect(discussion)


def _convener_switch(request, pk, *, name, service, said):
    """A convener's on/off button: the POST's `name` is "1" to switch it on; `said` is what
    is confirmed, (on, off)."""
    discussion = permissions.discussion_get_moderated(request.user, pk)
    on = request.POST.get(name) == "1"
    with _refusal_as_message(request):
        service(discussion=discussion, actor=request.user, **{name: on})
        messages.success(request, said[0] if on else said[1])
    return redirect(discussion)


@require_POST
def pin(request, pk):
    return _convener_switch(
        request,
        pk,
        name="pinned",
        service=services.discussion_pin,
        said=("Pinned to the top of the list.", "Unpinned."),
    )


@require_POST
def close(request, pk):
    return _convener_switch(
        request,
        pk,
        name="closed",
        service=services.discussion_close,
        said=(
            "The discussion is closed: it takes no new replies.",
            "The discussion is open for replies again.",
        ),
    )


@require_http_methods(["GET", "POST"])
def move(request, pk):
    discussion = permissions.discussion_get_moderated(request.user, pk)
    if discussion.community.is_archived:
        return _archived(request, discussion.community, "Move the discussion")
    targets = permissions.move_targets(request.user, discussion)
    form = forms.MoveForm(posted(request), targets=targets)

    def act(data):
        services.discussion_move(discussion=discussion, actor=request.user, to=data["community"])
        messages.success(request, f"The discussion has moved to {data['community'].name}.")
        return redirect(discussion)

    return _service_form_page(
        request,
        form,
        act=act,
        community=discussion.community,
        heading="Move this discussion?",
        submit="Move the discussion",
        cancel=discussion.get_absolute_url(),
        caption=discussion.title,
        warning=True,
        intro=(
            "Only the members of the community you choose will see it from now on. Followers "
            "who are not members there stop following it."
            if targets.exists()
            else "You convene no other community to move it to."
        ),
    )


def _audit_revealed(request, discussion, post):
    """The history names who made each edit: of a hidden name too, so it is audited."""
    if discussion.is_safe_space and post.author_hidden:
        services.anonymous_authors_viewed(discussion=discussion, viewer=request.user)


def _history_page(request, discussion, post, *, title, revisions, what):
    """The edits of `post` (the discussion itself or one of its replies)."""
    _audit_revealed(request, discussion, post)
    return render(
        request,
        "discussions/history.html",
        {
            "discussion": discussion,
            "community": discussion.community,
            "crumbs": _crumbs(discussion.community),
            "current_title": title,
            "current_body": post.body,
            "edited_at": post.edited_at,
            "revisions": revisions,
            "what": what,
        },
    )


def history(request, pk):
    discussion = permissions.discussion_get_moderated(request.user, pk)
    return _history_page(
        request,
        discussion,
        discussion,
        title=discussion.title,
        revisions=selectors.revisions(discussion=discussion),
        what="discussion",
    )


def reply_history(request, pk, reply_pk):
    discussion = permissions.discussion_get_moderated(request.user, pk)
    reply = permissions.reply_get(request.user, discussion, reply_pk)
    return _history_page(
        request,
        discussion,
        reply,
        title="",
        revisions=selectors.revisions(reply=reply),
        what="reply",
    )


def attachment(request, pk):
    discussion = permissions.discussion_get(request.user, pk)
    if not discussion.attachment:
        raise Http404("No document")
    return stored_file_download(
        lambda: default_storage.open(discussion.attachment.name, "rb"),
        filename=discussion.attachment_name,
        content_type=discussion.attachment_type,
    )


@require_GET
def reply_attachment(request, pk, reply_pk, file_pk):
    """A file of a reply, for whoever may read the reply (a hidden one's files are gone)."""
    visible = permissions.reply_attachments_visible_to(request.user)
    lookup = {"reply__discussion": pk, "reply": reply_pk, "pk": file_pk}
    return attachment_download(get_visible_or_404(visible, **lookup))


# --- moderation, through the shared path ---------------------------------------------------


@require_http_methods(["GET", "POST"])
@rate_limit("report")
def report(request, pk):
    discussion = permissions.discussion_get(request.user, pk)
    if not can_report(request.user, discussion, can_view=permissions.can_view_discussion):
        raise Http404("No such discussion")
    return moderation_views.report_page(request, discussion, back=discussion.get_absolute_url())


@require_http_methods(["GET", "POST"])
def hide(request, pk):
    discussion = permissions.discussion_get_moderated(request.user, pk)
    return moderation_views.hide_page(request, discussion, back=discussion.get_absolute_url())


@require_http_methods(["GET", "POST"])
def unhide(request, pk):
    discussion = permissions.discussion_get_moderated(request.user, pk)
    return moderation_views.unhide_page(request, discussion, back=discussion.get_absolute_url())


@require_http_methods(["GET", "POST"])
@rate_limit("report")
def reply_report(request, pk, reply_pk):
    discussion = permissions.discussion_get(request.user, pk)
    reply = permissions.reply_get(request.user, discussion, reply_pk)
    if not can_report(request.user, reply, can_view=permissions.can_view_reply):
        raise Http404("No such reply")
    return moderation_views.report_page(request, reply, back=reply.get_absolute_url())


@require_http_methods(["GET", "POST"])
def reply_hide(request, pk, reply_pk):
    discussion = permissions.discussion_get_moderated(request.user, pk)
    reply = permissions.reply_get(request.user, discussion, reply_pk)
    return moderation_views.hide_page(request, reply, back=reply.get_absolute_url())


@require_http_methods(["GET", "POST"])
def reply_unhide(request, pk, reply_pk):
    discussion = permissions.discussion_get_moderated(request.user, pk)
    reply = permissions.reply_get(request.user, discussion, reply_pk)
    return moderation_views.unhide_page(request, reply, back=reply.get_absolute_url())
