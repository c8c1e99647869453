"""The library block of a community's overview page (registered in apps.py)."""

from django.template.loader import render_to_string

from knowledge import selectors
from knowledge.permissions import community_resources_visible_to


def community_library_panel(request, community, *, is_member, can_manage):
    user = request.user
    # The newest five, as the library lists them, with only what the block shows: no
    # topics, community or network of each (the library page's list shape), nor the
    # stored search vector.
    recent = (
        community_resources_visible_to(user, community)
        .only("pk", "title", "kind")
        .order_by("-created_at", "-pk")[:5]
    )
    return render_to_string(
        "knowledge/panel.html",
        {
            "community": community,
            "recent": list(recent),
            "spread": selectors.community_spread(user=user, community=community),
            "can_post": is_member and not community.is_archived,
        },
        request=request,
    )
