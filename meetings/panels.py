"""The meetings block of a community's overview page (registered in apps.py)."""

from django.template.loader import render_to_string

from meetings.permissions import community_meetings_visible


def community_meetings_panel(request, community, *, is_member, can_manage):
    # The block shows when each meeting is and whether it is cancelled, never how many
    # registered: no registration counts (a pass over every registration of every past
    # meeting of the community, to show three of them).
    meetings = community_meetings_visible(request.user, community)
    return render_to_string(
        "meetings/panel.html",
        {
            "community": community,
            "upcoming": list(meetings.upcoming()[:3]),
            "past": list(meetings.past()[:3]),
            "can_manage": can_manage,
            "is_member": is_member,
        },
        request=request,
    )


def network_events_panel(request, network, *, can_manage):
    from meetings.permissions import meetings_visible_to
    from meetings.selectors import with_counts

    events = with_counts(meetings_visible_to(request.user).filter(network=network)).upcoming()[:10]
    return render_to_string(
        "meetings/network_panel.html",
        {"network": network, "events": events, "can_manage": can_manage},
        request=request,
    )
