"""The key pages: what each is, as whom it is requested, and its target."""

import sys
from urllib.parse import quote

# A signed-in page is judged against the static page in the site's layout, signed in (what
# any signed-in page costs at least: the session, the person, the layout), and that page
# against the anonymous floor; an anonymous page against the floor.
FRAME = {"target": "p50 <= 2x floor", "factor": 2}
THREE = {"target": "p50 <= 3x layout", "layout_factor": 3}
THREE_FLOOR = {"target": "p50 <= 3x floor", "factor": 3}
FIVE = {"target": "p50 <= 5x floor", "factor": 5}
SEARCH = {"target": "p50 <= 3x layout, p95 alone < 50 ms", "layout_factor": 3, "server_p95_ms": 50}


def page(key, name, path, as_, goal=None):
    """A page to measure, requested as `as_`: a list of sessions taken in turn, or None
    (anonymously); `goal` its target, none for a page shown for information."""
    return {"key": key, "name": name, "path": path, "as": as_, **(goal or {})}


def build_pages(subjects, cookies):
    s = subjects
    community, words = s["community"], s["words"]
    # Each page is requested as one person (a list of one session), or anonymously (None); the
    # library search, limited to RATE_LIMITS["search"] per person, as many members in turn.
    member, manager, searchers = [cookies["member"]], [cookies["manager"]], cookies["searchers"]
    common, rare = words["common"], words["rare"]
    return [
        page("floor", "floor (anonymous)", "/bench/floor/", None),
        page("floor_signed_in", "floor, signed in (for information)", "/bench/floor/", member),
        page(
            "layout",
            "a static page in the site's layout, signed in",
            "/accessibility/",
            member,
            FRAME,
        ),
        page("directory", "community directory", "/communities/", member, THREE),
        page(
            "community",
            f"largest community ({s['community_members']:,} members)",
            f"/communities/{community.slug}/",
            member,
            THREE,
        ),
        page(
            "members", "its member list", f"/communities/{community.slug}/members/", member, THREE
        ),
        page(
            "search_common",
            f"library search, common word '{common}' ({words['common_hits']:,} hits)",
            f"/library/search/?q={quote(common)}",
            searchers,
            SEARCH,
        ),
        page(
            "search_rare",
            f"library search, rare word '{rare}' ({words['rare_hits']:,} hits)",
            f"/library/search/?q={quote(rare)}",
            searchers,
            SEARCH,
        ),
        *_discussion_search_pages(s, searchers),
        page(
            "meeting", "a meeting of that community", f"/meetings/{s['meeting'].pk}/", member, THREE
        ),
        page("home", f"member's home ({s['member_communities']} communities)", "/", member, THREE),
        page(
            "dashboard",
            f"programme dashboard, largest network ({s['network_communities']} communities)",
            f"/dashboard/?network={s['network'].slug}",
            manager,
            THREE,
        ),
        *_discussion_pages(s, cookies, member),
        *evaluation_pages(s, manager),
        page(
            "calendar",
            "personal calendar feed (.ics)",
            f"/calendar/{s['feed_token']}.ics",
            None,
            THREE_FLOOR,
        ),
    ]


def only_pages(pages, keys):
    """The floor and the pages named in `keys` (comma-separated), or every page; with the
    layout page too when a page named is judged against it."""
    wanted = {key.strip() for key in keys.split(",") if key.strip()}
    unknown = wanted - {page["key"] for page in pages}
    if unknown:
        sys.exit(f"No such page: {', '.join(sorted(unknown))}")
    if any(page.get("layout_factor") for page in pages if page["key"] in wanted):
        wanted.add("layout")
    return [page for page in pages if not wanted or page["key"] in wanted | {"floor"}]


def _discussion_pages(s, cookies, member):
    """The discussions' pages: the largest community's list, its longest thread, and the
    notifications page of the person with the most notifications."""
    community, discussion, notified = s["community"], s["discussion"], s["notified"]
    return [
        page(
            "discussion_list",
            "largest community's discussions",
            f"/communities/{community.slug}/discussions/",
            member,
            THREE,
        ),
        page(
            "discussion",
            f"its longest discussion ({discussion.reply_count:,} replies)",
            f"/discussions/{discussion.pk}/",
            member,
            THREE,
        ),
        page(
            "notifications",
            f"notifications page ({notified['n']:,} notifications in {notified['groups']:,} groups)",
            "/notifications/",
            [cookies["notified"]],
            THREE,
        ),
    ]


def _discussion_search_pages(s, searchers):
    """The search of discussions and replies, with the library's two words, as the same
    members in turn (it shares the library's rate limit)."""
    words = s["discussion_words"]
    return [
        page(
            f"discussion_search_{which}",
            f"discussion search, {which} word '{words[which]}' "
            f"({words[which + '_hits']:,} matching posts)",
            f"/discussions/search/?q={quote(words[which])}",
            searchers,
            SEARCH,
        )
        for which in ("common", "rare")
    ]


def evaluation_pages(s, manager):
    """The largest network's survey results and its map, as one of its programme managers."""
    network, survey = s["network"], s["survey"]
    return [
        page(
            "survey_results",
            f"survey results, largest network ({survey.answered:,} of {survey.invited:,} answered)",
            f"/surveys/{survey.pk}/results/",
            manager,
            FIVE,
        ),
        page(
            "network_map",
            f"network map, largest network ({s['network_communities']} communities)",
            f"/evaluation/network-maps/{network.slug}/",
            manager,
            FIVE,
        ),
    ]
