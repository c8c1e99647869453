from django.conf import settings


def site(request):
    from communities.extensions import TABS

    return {"SITE_NAME": settings.SITE_NAME, "community_tabs": TABS}
