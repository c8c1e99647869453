"""The frame every page is drawn in (templates/components/header.html and footer.html): its
links, and which item of the menu is the page shown.

The links are reversed once per process (and script prefix), not at each request: a dozen
{% url %} tags were most of the time a page took to draw its header and footer."""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# The frame's links: {name in the templates: URL name}.
LINKS = {
    "home": "home",
    "communities": "communities:list",
    "library": "knowledge:library",
    "messages": "member_messages:inbox",
    "programmes": "conveners:list",
    "account": "accounts:overview",
    "notifications": "accounts:notifications",
    "sign_in": "account_login",
    "sign_up": "account_signup",
    "sign_out": "account_logout",
    "administration": "admin:index",
    "accessibility": "accessibility",
    "privacy": "privacy",
    "status": "healthz",
}


@functools.lru_cache(maxsize=8)
def frame_links(prefix, urlconf):
    """The frame's links under this script prefix (reverse writes it into every link) and
    URL configuration: what the result depends on, and so its key."""
    return {name: reverse(url_name, urlconf=urlconf) for name, url_name in LINKS.items()}


def frame(request):
    links = frame_links(get_script_prefix(), get_urlconf(settings.ROOT_URLCONF))
    path = request.path
    if path == links["home"]:
        current = "home"
    elif path.startswith(links["communities"]):
        current = "communities"
    elif path == links["messages"]:
        current = "messages"
    else:
        current = ""
    return {"frame": {"links": links, "current": current}}
