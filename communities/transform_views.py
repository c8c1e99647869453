"""The end of a community's life (the Transform phase): a choice of three, then one screen
per action (archive, merge, split) saying what will happen, and a confirmation before
anything changes. Thin views, as in communities.views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from communities import extensions, forms, permissions, selectors, services
from communities.views import managed_unless_archived
from core.http import add_service_errors, posted

# A community its conveners (or staff) may still archive, merge or split.
_transformable = managed_unless_archived(note="This community is already archived.")


def _counted(n, singular, plural):
    return f"{n} {singular if n == 1 else plural}"


def _two_steps(request, community, form, *, page, confirm, act):
    """A transform in two screens: the form, saying what will happen; then, once it is
    valid, a confirmation that says it again with the choices made. Nothing changes
    before the confirmation's button. `page` and `confirm(cleaned_data)` give each
    screen's context; `act(cleaned_data)` calls the service and answers the redirect."""
    if request.method == "POST" and form.is_valid() and "change" not in request.POST:
        if request.POST.get("confirm") == "yes":
            try:
                return act(form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
        else:
            # The answers go again, as sent, in plain hidden inputs (a field's own hidden
            # widget would keep the hint's aria-describedby, which a hidden input may not have).
            hidden = [(name, v) for name in form.fields for v in form.data.getlist(name)]
            return render(
                request,
                "communities/transform_confirm.html",
                {"community": community, "hidden": hidden, **confirm(form.cleaned_data)},
            )
    return render(
        request, "communities/transform_step.html", {"community": community, "form": form, **page}
    )


@_transformable
def transform(request, community):
    """The three ends of a community (archive, merge, split), each on its own screen."""
    return render(
        request,
        "communities/transform.html",
        {
            "community": community,
            "figures": selectors.community_summary(community=community),
            "holdings": extensions.holdings_counted(community),
        },
    )


@require_http_methods(["GET", "POST"])
@_transformable
def transform_archive(request, community):
    figures = selectors.community_summary(community=community)
    holdings = {h.key: n for h, n in extensions.holdings_counted(community)}
    meetings = holdings.get("meetings", 0)
    outcome = [
        f"{community.name} becomes read-only: its pages, past meetings and library stay "
        "readable, with a banner saying it has ended; nobody can post, register or join.",
        f"{_counted(meetings, 'future meeting', 'future meetings')} "
        f"{'is' if meetings == 1 else 'are'} cancelled, and the people registered are told.",
        f"{_counted(figures['member_count'], 'member is', 'members are')} told by e-mail, "
        "with your note.",
    ]

    def act(data):
        services.community_archive(community=community, actor=request.user, note=data["note"])
        messages.success(request, f"{community.name} has been archived. Its pages stay findable.")
        return redirect("communities:detail", community.slug)

    return _two_steps(
        request,
        community,
        forms.ArchiveForm(posted(request)),
        page={"heading": f"Archive {community.name}", "outcome": outcome, "submit": "Continue"},
        confirm=lambda data: {
            "heading": f"Archive {community.name}?",
            "outcome": outcome,
            "answers": [("Your note", data["note"])],
            "submit": f"Archive {community.name}",
        },
        act=act,
    )


@require_http_methods(["GET", "POST"])
@_transformable
def transform_merge(request, community):
    targets = permissions.merge_targets(request.user, community).order_by("name")
    figures = selectors.community_summary(community=community)
    what = extensions.holdings_phrase({h.key: n for h, n in extensions.holdings_counted(community)})

    def outcome(into_name):
        return [
            f"{_counted(figures['member_count'], 'member', 'members')}, {what} will move to "
            f"{into_name}. Each member "
            "keeps the stronger of their two roles there; conveners become co-conveners.",
            "Past meetings, their minutes and done action points stay with "
            f"{community.name}'s record.",
            f"{community.name} becomes read-only and its pages lead to {into_name}.",
            "Every member is told once, by e-mail, what moved.",
        ]

    def act(data):
        into = data["into"]
        services.community_merge(
            community=community, into=into, actor=request.user, note=data["note"]
        )
        messages.success(request, f"{community.name} has been merged into {into.name}.")
        return redirect("communities:detail", into.slug)

    return _two_steps(
        request,
        community,
        forms.MergeForm(posted(request), targets=targets),
        page={
            "heading": f"Merge {community.name} into another community",
            "outcome": outcome("the community you choose"),
            "submit": "Continue",
            "empty": None
            if targets.exists()
            else "You convene no other active community to merge into.",
        },
        confirm=lambda data: {
            "heading": f"Merge {community.name} into {data['into'].name}?",
            "outcome": outcome(data["into"].name),
            "answers": [
                ("Merge into", data["into"].name),
                ("Your note", data["note"] or "No note"),
            ],
            "submit": f"Merge into {data['into'].name}",
        },
        act=act,
    )


def _choosable(holdings):
    """ "future meetings, resources and discussions": what a split lets its convener pick."""
    labels = [holding.label for holding, _ in holdings]
    if len(labels) < 2:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


@require_http_methods(["GET", "POST"])
@_transformable
def transform_split(request, community):
    holdings = [(h, h.choices(community)) for h in extensions.HOLDINGS if h.choices]
    form = forms.SplitForm(
        posted(request),
        members=selectors.split_candidates(community=community, actor=request.user),
        holdings=holdings,
    )
    outcome = [
        "A new community starts with you as its convener, in the Discover phase.",
        "The members you choose are invited to it by e-mail; they stay members of "
        f"{community.name}.",
        f"The {_choosable(holdings)} you choose move to it; the people registered "
        "for a moved meeting are told it now belongs to the new community.",
        f"{community.name} carries on with everything else.",
    ]

    def confirm(data):
        labels = {h.key: dict(choices) for h, choices in holdings}
        answers = [
            ("Name", data["new_name"]),
            ("Web address", data["new_slug"]),
            ("What it cares about", data["new_domain"]),
            (
                "Members invited",
                ", ".join(u.name for u in data["members"]) or "Nobody yet",
            ),
        ]
        for holding, _ in holdings:
            chosen = [labels[holding.key][pk] for pk in data.get(holding.key, [])]
            answers.append((holding.label.capitalize(), "; ".join(chosen) or "None"))
        return {
            "heading": f"Start {data['new_name']} from {community.name}?",
            "outcome": outcome,
            "answers": answers,
            "submit": f"Start {data['new_name']}",
        }

    def act(data):
        new = services.community_split(
            community=community,
            actor=request.user,
            name=data["new_name"],
            slug=data["new_slug"],
            domain=data["new_domain"],
            note=data["note"],
            members=data["members"],
            chosen={holding.key: data.get(holding.key, []) for holding, _ in holdings},
        )
        invited = len(data["members"])
        messages.success(
            request,
            f"{new.name} has been started from {community.name}. You are its convener"
            + (f", and {invited} members have been invited." if invited else "."),
        )
        return redirect("communities:detail", new.slug)

    return _two_steps(
        request,
        community,
        form,
        page={
            "heading": f"Split a new community off {community.name}",
            "outcome": outcome,
            "submit": "Continue",
        },
        confirm=confirm,
        act=act,
    )
