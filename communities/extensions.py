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
