"""The library block of a community's overview page (registered in apps.py)."""

from knowledge.views import community_panel_html


def community_library_panel(request, community, *, is_member, can_manage):
    return community_panel_html(request, community, is_member=is_member, can_manage=can_manage)
