"""What the pages are measured on, chosen from the data: the largest community, a typical
member of it, a meeting, the largest network and its programme manager, the network's survey
with most answers, a common and a rare word of the library, the longest discussion of the
largest community and the person with most notifications; and the sessions of the people the
pages are requested as."""

import sys
import time
from datetime import datetime


def data_sizes():
    from django.db import connection

    tables = {
        "users": "accounts_user",
        "networks": "communities_network",
        "communities": "communities_community",
        "memberships": "communities_membership",
        "meetings": "meetings_meeting",
        "registrations": "meetings_registration",
        "resources": "knowledge_resource",
        "discussions": "discussions_discussion",
        "replies": "discussions_reply",
        "notifications": "accounts_notification",
        "survey answers": "evaluation_answer",
        "value tags": "evaluation_valuetag",
    }
    sizes = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  # nosec B608  # fixed names
            sizes[label] = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        sizes["database_size"] = cursor.fetchone()[0]
    return sizes, version


def library_words(common, rare):
    """A common and a rare word of the library, as people type them: the most frequent word
    of the titles and summaries that is not a stop word, and a word behind one of the rarest
    lexemes of the search vectors. Both counted with the real search query."""
    from django.db import connection

    def hits(word):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM knowledge_resource "
                "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
                [word],
            )
            return cursor.fetchone()[0]

    stat = (
        "SELECT word, ndoc FROM ts_stat('SELECT to_tsvector(''simple'', title || '' '' || "
        "summary) FROM knowledge_resource') WHERE word ~ '^[a-z]{%s,}$' "
        "AND to_tsvector('english', word) <> ''::tsvector "
    )
    with connection.cursor() as cursor:
        if not common:
            cursor.execute(stat % 4 + "ORDER BY ndoc DESC, word LIMIT 1")
            row = cursor.fetchone()
            if row is None:
                sys.exit("The library has no resources to search.")
            common = row[0]
        if not rare:
            rare = rare_word(
                "knowledge_resource", "r.title || ' ' || r.summary || ' ' || r.body", hits
            )
            if rare is None:
                sys.exit("No rare word found in the library: name one with --rare-word.")
    found = {"common": common, "common_hits": hits(common), "rare": rare, "rare_hits": hits(rare)}
    if not found["common_hits"]:
        sys.exit(f"The search finds nothing for {common!r}: are the search vectors filled?")
    return found


def rare_word(table, text, hits):
    """A word behind one of the rarest lexemes of `table`'s search vectors, as a row holding
    it really spells it (a lexeme is a stem: "sarcoidosi"), that `hits` finds; or None.
    `text` is the row's text, an SQL expression over the row `r`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT word FROM ts_stat('SELECT search_vector FROM {table}') "  # noqa: S608  # nosec B608
            "WHERE word ~ '^[a-z]{5,}$' ORDER BY ndoc, word LIMIT 20"
        )
        for (lexeme,) in cursor.fetchall():
            cursor.execute(
                f"SELECT w FROM {table} r, unnest(tsvector_to_array(to_tsvector("  # noqa: S608  # nosec B608
                f"'simple', {text}))) w "
                "WHERE r.search_vector @@ to_tsquery('simple', %s) AND w ~ '^[a-z]{5,}$' "
                "AND (ts_lexize('english_stem', w))[1] = %s LIMIT 1",
                [lexeme, lexeme],
            )
            row = cursor.fetchone()
            if row and hits(row[0]):
                return row[0]
    return None


def discussion_words(words):
    """The library's common word and the rarest word of the replies, with how many
    discussions and replies of the whole database each matches (what the discussion search
    looks through, before the person's communities narrow it)."""
    from django.db import connection

    def hits(word):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM discussions_discussion WHERE search_vector @@ q)"
                " + (SELECT count(*) FROM discussions_reply WHERE search_vector @@ q) "
                "FROM websearch_to_tsquery('english', %s) q",
                [word],
            )
            return cursor.fetchone()[0]

    rare = rare_word("discussions_reply", "r.body", hits)
    if rare is None:
        sys.exit("No rare word found in the replies: are their search vectors filled?")
    return {
        "common": words["common"],
        "common_hits": hits(words["common"]),
        "rare": rare,
        "rare_hits": hits(rare),
    }


def largest_community():
    """The active community with most active members (annotated `n`)."""
    from django.db.models import Count, Q

    from communities.models import Community, Membership

    community = (
        Community.objects.filter(status=Community.Status.ACTIVE)
        .annotate(n=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)))
        .order_by("-n", "pk")
        .first()
    )
    if community is None:
        sys.exit("No community in the database.")
    return community


def typical_member(community):
    """A typical member of `community`: the median number of communities among its plain
    members. Returns their membership, annotated with that number (`n`)."""
    from django.db.models import Count, Q

    from communities.models import Membership

    active = Membership.Status.ACTIVE
    member_ms = list(
        Membership.objects.filter(community=community, status=active, role=Membership.Role.MEMBER)
        .annotate(
            n=Count("user__memberships", filter=Q(user__memberships__status=active)),
        )
        .filter(user__is_active=True, user__is_staff=False, user__managed_networks=None)
        .select_related("user")
        .order_by("n", "user_id")
    )
    if not member_ms:
        sys.exit(f"{community} has no plain active member to sign in as.")
    return member_ms[len(member_ms) // 2]


def largest_network():
    """The network with most active communities (annotated `n`) that has a manager."""
    from django.db.models import Count, Q

    from communities.models import Community, Network

    network = (
        Network.objects.annotate(
            n=Count("communities", filter=Q(communities__status=Community.Status.ACTIVE))
        )
        .filter(managers__isnull=False)
        .order_by("-n", "pk")
        .first()
    )
    if network is None:
        sys.exit("No network with a programme manager in the database.")
    return network


def meeting_of(community, member):
    """A meeting of the largest community (the next one, or else the latest); failing that,
    of another of the member's communities."""
    from django.db.models import Q

    from communities.models import Membership
    from meetings.models import Meeting

    now = datetime.now().astimezone()
    meeting = None
    for place in (Q(community=community), Q(community__memberships__user=member)):
        meetings = Meeting.objects.filter(
            place, community__memberships__status=Membership.Status.ACTIVE
        )
        meeting = (
            meetings.filter(status=Meeting.Status.SCHEDULED, starts_at__gte=now)
            .order_by("starts_at", "pk")
            .first()
            or meetings.order_by("-starts_at", "pk").first()
        )
        if meeting is not None:
            break
    if meeting is None:
        sys.exit(f"No meeting in {community} nor in its member's other communities.")
    return meeting


def longest_discussion(community):
    """The shown discussion of `community` with most replies: the longest page of replies
    a member of it opens."""
    from discussions.models import Discussion

    discussion = (
        Discussion.objects.filter(community=community, is_hidden=False)
        .order_by("-reply_count", "pk")
        .first()
    )
    if discussion is None:
        sys.exit(
            f"{community} has no discussion: seed the database again "
            "(manage.py seed_scale --reset), which now writes them."
        )
    return discussion


def network_survey(network):
    """The survey of `network` with most answers, those of its four evaluation questions
    first (annotated `answered`, and `invited`)."""
    from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When
    from django.db.models.functions import Coalesce

    from evaluation.surveys.models import Respondent, Response, Survey

    def count_of(model):
        rows = model.objects.filter(survey=OuterRef("pk")).order_by().values("survey")
        return Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField())

    # One subquery a count: two counted joins would multiply the answers by the invitations
    # (tens of millions of rows, sorted on disk).
    survey = (
        Survey.objects.filter(network=network)
        .annotate(
            answered=Coalesce(count_of(Response), 0),
            invited=Coalesce(count_of(Respondent), 0),
            first=Case(
                When(template=Survey.Template.EVALUATION, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("first", "-answered", "pk")
        .first()
    )
    if survey is None:
        sys.exit(
            f"{network} has no survey: seed the database again "
            "(manage.py seed_scale --reset), which now writes them."
        )
    return survey


def most_notified():
    """The active person with most notifications: {"user", "n": how many, "groups": how
    many groups they make on the notifications page}."""
    from django.db.models import Count

    from accounts.models import Notification, User

    row = (
        Notification.objects.filter(recipient__is_active=True)
        .values("recipient")
        .annotate(n=Count("pk"), groups=Count("group_key", distinct=True))
        .order_by("-n", "recipient")
        .first()
    )
    if row is None:
        sys.exit(
            "Nobody has notifications: seed the database again "
            "(manage.py seed_scale --reset), which now writes them."
        )
    return {"user": User.objects.get(pk=row["recipient"]), "n": row["n"], "groups": row["groups"]}


def pick_subjects(args):
    from allauth.mfa.models import Authenticator

    from accounts.models import User
    from communities.models import Membership
    from meetings.services import calendar_feed_get

    community = largest_community()
    member_ms = typical_member(community)
    member = member_ms.user
    network = largest_network()
    manager = network.managers.filter(is_active=True).order_by("pk").first()
    meeting = meeting_of(community, member)
    # Required of programme managers in production (MFA_REQUIRED_FOR_PRIVILEGED): the
    # manager has an authenticator app, in the copy.
    Authenticator.objects.get_or_create(
        user=manager, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "bench"}}
    )
    feed = calendar_feed_get(user=member)
    others = (
        User.objects.filter(
            is_active=True,
            memberships__community=community,
            memberships__status=Membership.Status.ACTIVE,
        )
        .exclude(pk=member.pk)
        .order_by("pk")[: max(args.searchers - 1, 0)]
    )
    words = library_words(args.common_word, args.rare_word)
    return {
        "discussion": longest_discussion(community),
        "notified": most_notified(),
        "community": community,
        "community_members": community.n,
        "member": member,
        "member_communities": member_ms.n,
        "network": network,
        "network_communities": network.n,
        "survey": network_survey(network),
        "manager": manager,
        "meeting": meeting,
        "feed_token": feed.token,
        "searchers": [member, *others],
        "words": words,
        "discussion_words": discussion_words(words),
    }


def sign_in(user):
    """A session for `user`, as django.contrib.auth.login and accounts.signals would write it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    now = int(time.time())
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SIGNED_IN_AT] = now
    store[LAST_SEEN_AT] = now
    store.save()
    return store.session_key
