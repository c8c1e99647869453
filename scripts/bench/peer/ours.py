"""Our side: the data the peer is filled with (read from our copy), and the subjects the
pairs are measured on: a public community, a public meeting of it, and one of its members."""

import hashlib
import json
import sys
from datetime import datetime


def export_data(path, measured):
    """Our networks, communities and meetings, as the filler reads them, into `path`, with
    the ids of the communities `measured` (their meetings are made one by one, as the peer's
    pages make them). Returns their fingerprint (the filled peer is kept while it is the
    same) and counts."""
    from communities.models import Community, Network
    from meetings.models import Meeting

    public = Community.Visibility.PUBLIC
    data = {
        "measured": list(measured),
        "networks": list(Network.objects.order_by("pk").values("id", "name", "description")),
        "communities": [
            {**row, "public": row.pop("visibility") == public}
            for row in Community.objects.order_by("pk").values(
                "id", "name", "network_id", "domain", "visibility"
            )
        ],
        "meetings": [
            {
                **row,
                "starts_at": row["starts_at"].isoformat(),
                "ends_at": row["ends_at"].isoformat(),
                "public": row.pop("visibility") == Meeting.Visibility.PUBLIC,
                "cancelled": row.pop("status") == Meeting.Status.CANCELLED,
            }
            for row in Meeting.objects.order_by("pk").values(
                "id",
                "community_id",
                "network_id",
                "title",
                "agenda",
                "starts_at",
                "ends_at",
                "venue",
                "visibility",
                "status",
            )
        ],
    }
    text = json.dumps(data, sort_keys=True)
    path.write_text(text)
    counts = {key: len(data[key]) for key in ("networks", "communities", "meetings")}
    return hashlib.sha256(text.encode()).hexdigest()[:16], counts


def public_community():
    """The active public community with most public meetings (annotated `n`): the meeting
    list, the calendar and the community page that anyone may open."""
    from django.db.models import Count, Q

    from communities.models import Community
    from meetings.models import Meeting

    community = (
        Community.objects.filter(
            status=Community.Status.ACTIVE, visibility=Community.Visibility.PUBLIC
        )
        .annotate(n=Count("meetings", filter=Q(meetings__visibility=Meeting.Visibility.PUBLIC)))
        .order_by("-n", "pk")
        .first()
    )
    if community is None or not community.n:
        sys.exit("No active public community with a public meeting in the database.")
    return community


def public_meeting(community):
    """The community's next public meeting, or else its latest."""
    from meetings.models import Meeting

    meetings = community.meetings.filter(visibility=Meeting.Visibility.PUBLIC)
    now = datetime.now().astimezone()
    return (
        meetings.filter(status=Meeting.Status.SCHEDULED, starts_at__gte=now)
        .order_by("starts_at", "pk")
        .first()
        or meetings.order_by("-starts_at", "pk").first()
    )


def our_subjects(community):
    """The paths' subjects on our side, in `community` (public_community), and the session
    of a typical member of it (signed in)."""
    from ..subjects import sign_in, typical_member

    member = typical_member(community).user
    meeting = public_meeting(community)
    return {
        "slug": community.slug,
        "community_id": community.pk,
        "meeting": meeting.pk,
        "public_meetings": community.n,
        "member": member.pk,
        "session": sign_in(member),
    }
