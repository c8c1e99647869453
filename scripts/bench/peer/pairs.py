"""The pairs of comparable pages: ours and the peer's, requested as the same kind of person.

Paths name the subjects: {meeting} and {slug} ours (a meeting of a public community, the
community), {event} and {category} the peer's (the same meeting and community, as filled).
"""

# key: (what the pair is, our path, the peer's path, signed in, held to the target)
PAIRS = {
    "meeting_anonymous": (
        "a meeting's page, anonymous",
        "/meetings/{meeting}/",
        "/event/{event}/",
        False,
        True,
    ),
    "meeting_signed_in": (
        "a meeting's page, signed in",
        "/meetings/{meeting}/",
        "/event/{event}/",
        True,
        True,
    ),
    "list_anonymous": (
        "a group's meeting list / its category page, anonymous",
        "/communities/{slug}/meetings/",
        "/category/{category}/",
        False,
        True,
    ),
    "list_signed_in": (
        "a group's meeting list / its category page, signed in",
        "/communities/{slug}/meetings/",
        "/category/{category}/",
        True,
        True,
    ),
    "community_signed_in": (
        "a community's page / its category page, signed in",
        "/communities/{slug}/",
        "/category/{category}/",
        True,
        False,
    ),
    "calendar_anonymous": (
        "a group's calendar feed (.ics), anonymous",
        "/communities/{slug}/calendar.ics",
        "/category/{category}/events.ics",
        False,
        True,
    ),
    "calendar_signed_in": (
        "a group's calendar feed (.ics), signed in",
        "/communities/{slug}/calendar.ics",
        "/category/{category}/events.ics",
        True,
        True,
    ),
    "trivial_signed_in": (
        "a trivial page in the layout (accessibility / contact), signed in",
        "/accessibility/",
        "/contact",
        True,
        False,
    ),
}


def build_pairs(keys, ours, theirs):
    """The pairs named by `keys`, each with the page of either side in the shape of
    scripts/bench/pages.py ({"key", "name", "path", "as"}: the sessions taken in turn, or None).

    `ours` and `theirs`: the subjects that fill the paths, and "session", the cookie value
    of the person signed in on that side."""
    pairs = []
    for key in keys:
        name, our_path, their_path, signed_in, target = PAIRS[key]
        sides = {}
        for side, path, subjects in (("ours", our_path, ours), ("theirs", their_path, theirs)):
            sides[side] = {
                "key": f"{key}:{side}",
                "name": f"{name} ({side})",
                "path": path.format(**subjects),
                "as": [subjects["session"]] if signed_in else None,
            }
        pairs.append({"key": key, "name": name, "target": target, **sides})
    return pairs
