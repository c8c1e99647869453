"""How higher apps (meetings, knowledge...) add to a community's pages without this app
importing them: they register tabs and panels from their AppConfig.ready().

A tab is a link in the community's navigation; a panel is a block of HTML on the
community's overview page, rendered by a function of the higher app with a fixed number
of queries.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Tab:
    key: str  # the `current` value of the pages it leads to
    label: str
    url_name: str  # reversed with the community's slug
    members_only: bool = True
    order: int = 100


TABS: list[Tab] = []
# Each panel: (order, function(request, community, *, is_member, can_manage) -> HTML or "").
PANELS: list[tuple[int, object]] = []


def register_tab(tab):
    if all(t.key != tab.key for t in TABS):
        TABS.append(tab)
        TABS.sort(key=lambda t: t.order)


def register_panel(function, order=100):
    if all(f is not function for _, f in PANELS):
        PANELS.append((order, function))
        PANELS.sort(key=lambda p: p[0])


def render_panels(request, community, *, is_member, can_manage):
    html = (f(request, community, is_member=is_member, can_manage=can_manage) for _, f in PANELS)
    return [h for h in html if h]


# Where topic suggestions come from: functions(*, signed_in) each returning the objects of
# one tagged model that anyone may see (signed in with no membership, or signed out), whose
# topics selectors.topic_suggestions counts. Each app with topics registers its own, so no
# topic of a private community or of members-only content is ever suggested.
TOPIC_SOURCES: list = []


def register_topic_source(function):
    if function not in TOPIC_SOURCES:
        TOPIC_SOURCES.append(function)


# Panels on a network's page: function(request, network, *, can_manage) -> HTML or "".
NETWORK_PANELS: list[tuple[int, object]] = []


def register_network_panel(function, order=100):
    if all(f is not function for _, f in NETWORK_PANELS):
        NETWORK_PANELS.append((order, function))
        NETWORK_PANELS.sort(key=lambda p: p[0])


def render_network_panels(request, network, *, can_manage):
    html = (f(request, network, can_manage=can_manage) for _, f in NETWORK_PANELS)
    return [h for h in html if h]


# What the apps above hold of a community that a merge or a split carries to another one
# (future meetings, resources, open action points). The screens say what will move before
# anything does: count(community) -> int, what a merge moves; choices(community) -> list
# of (pk, label), what a split may take (None: a split does not offer it). The moving
# itself happens in receivers of communities.services.community_merging and
# community_splitting, inside the service's transaction.
@dataclass(frozen=True)
class Holding:
    key: str  # the key receivers use in the counts they return: "meetings"
    label: str  # plural, for "3 future meetings"
    singular: str
    count: object
    choices: object = None
    order: int = 100


def titled_rows(key, label, singular, rows, *, order=100):
    """The Holding of rows with a title: `rows(community)` is the queryset of them, in the
    order a split lists them; a merge moves them all."""
    return Holding(
        key,
        label,
        singular,
        count=lambda community: rows(community).count(),
        choices=lambda community: list(rows(community).values_list("pk", "title")),
        order=order,
    )


HOLDINGS: list[Holding] = []


def register_holding(*holdings):
    for holding in holdings:
        if all(h.key != holding.key for h in HOLDINGS):
            HOLDINGS.append(holding)
    HOLDINGS.sort(key=lambda h: h.order)


def holdings_counted(community):
    """[(holding, count)] of what a merge of this community would move."""
    return [(h, h.count(community)) for h in HOLDINGS]


def holdings_phrase(counts, *, chosen_only=False):
    """'3 future meetings, 1 resource and 5 open action points' from {key: count}; with
    chosen_only, only what a split lets its convener choose and they chose ("" for
    nothing)."""
    parts = []
    for holding in HOLDINGS:
        n = counts.get(holding.key, 0)
        if chosen_only and (holding.choices is None or not n):
            continue
        parts.append(f"{n} {holding.singular if n == 1 else holding.label}")
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# Actions beside a person (the member list, needs and offers, a member's and a profile
# page): function(viewer, person, community) -> (label, url) or None. `community` is the
# one the page is in, where both are members (None where that is not known). Called for
# each person of a page: it may not query the database.
PERSON_ACTIONS: list = []


def register_person_action(function):
    if function not in PERSON_ACTIONS:
        PERSON_ACTIONS.append(function)


def person_actions(viewer, person, community=None):
    """[(label, url)] of the actions offered to `viewer` beside `person`."""
    found = (f(viewer, person, community) for f in PERSON_ACTIONS)
    return [action for action in found if action]
