"""A merged community's pages lead to the community it merged into: the same page (detail,
meetings, library, members...) under the new address, with the same query."""

from django.http import HttpResponseRedirect

from communities.permissions import CommunityMoved

PREFIX = "/communities/{}/"


class MergedCommunityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, CommunityMoved):
            return None
        old, new = PREFIX.format(exception.community.slug), PREFIX.format(exception.to.slug)
        path = request.path
        path = new + path[len(old) :] if path.startswith(old) else new
        query = request.META.get("QUERY_STRING", "")
        return HttpResponseRedirect(f"{path}?{query}" if query else path)
