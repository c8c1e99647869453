"""The demo's conversations between meetings: a question answered after a mention, a near
miss shared in the safe space with a hidden name, an idea, a request for comments, and a
question nobody has answered for three weeks in the fading community. Rows are written
directly (as the knowledge demo does): seeding sends no e-mail. The demo member finds two
notifications waiting."""

from datetime import timedelta

from accounts.models import User
from accounts.notifications.models import Channel, Notification
from communities.models import Community, Membership
from discussions.models import Discussion, Follow, Helpful, Mention, Reply
from discussions.services import search_vectors_update


def _mention(person):
    return f"@[{person.name}]({person.pk})"


def _members(slug, *, but=()):
    """The community and its active members (demo accounts left out), oldest first."""
    community = Community.objects.get(slug=slug)
    people = [
        m.user
        for m in Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
        .exclude(user__email__in=but)
        .select_related("user")
        .order_by("user__pk")
    ]
    return community, people


def _discussion(community, author, title, *, when, **fields):
    discussion, _ = Discussion.objects.get_or_create(
        community=community,
        title=title,
        defaults={
            "author": author,
            "created_at": when,
            "last_activity_at": when,
            **fields,
        },
    )
    Follow.objects.get_or_create(discussion=discussion, user=author)
    return discussion


def _replies(discussion, posts):
    """Replies (author, body, days after the discussion, name hidden) once each; the
    discussion's count and last activity as the services keep them."""
    made = []
    for author, body, days, hidden in posts:
        when = discussion.created_at + timedelta(days=days)
        reply, _ = Reply.objects.get_or_create(
            discussion=discussion,
            body=body,
            defaults={"author": author, "created_at": when, "author_hidden": hidden},
        )
        Follow.objects.get_or_create(discussion=discussion, user=author)
        made.append(reply)
    if made:
        Discussion.objects.filter(pk=discussion.pk).update(
            reply_count=Reply.objects.filter(discussion=discussion).count(),
            last_activity_at=max(r.created_at for r in made),
        )
    return made


def _notice(recipient, *, kind, dedupe, discussion, text, when, url):
    Notification.objects.get_or_create(
        recipient=recipient,
        dedupe=dedupe,
        defaults={
            "kind": kind,
            "group_key": f"discussion:{discussion.pk}",
            "group_title": discussion.title,
            "text": text,
            "url": url,
            "channel": Channel.IMMEDIATE,
            "created_at": when,
        },
    )


def seed_discussions(*, now):
    member = User.objects.get(email="member@example.org")
    convener = User.objects.get(email="convener@example.nhs.uk")
    demo = (member.email, convener.email)
    _covert_medication(member, demo, now)
    _near_miss(convener, demo, now)
    _idea_and_comments(member, demo, now)
    _unanswered(demo, now)
    # Written directly, so their search vectors are too (PostgreSQL; nothing on SQLite).
    search_vectors_update(
        discussion_ids=list(Discussion.objects.values_list("pk", flat=True)),
        reply_ids=list(Reply.objects.values_list("pk", flat=True)),
    )


def _covert_medication(member, demo, now):
    community, people = _members("medicines-safety", but=demo)
    asker, helper = people[2], people[3]
    question = _discussion(
        community,
        asker,
        "Covert medication in care homes: who signs the best-interests decision?",
        when=now - timedelta(days=6),
        kind=Discussion.Kind.QUESTION,
        body=(
            "One of our homes has been asked to give a resident's medicines hidden in food. "
            "Who should sign the best-interests decision, and how often is it reviewed?\n\n"
            f"{_mention(member)}, your homes did this last year: what did you use?"
        ),
    )
    Mention.objects.get_or_create(discussion=question, reply=None, user=member)
    answer, thanks = _replies(
        question,
        [
            (
                member,
                "The prescriber, the pharmacist and the home agree it together, and it is "
                "written in the care plan. We review it at every medication review, at least "
                "every six months.",
                1,
                False,
            ),
            (helper, "Thank you: we use the same form as the regional guidance.", 2, False),
        ],
    )
    Discussion.objects.filter(pk=question.pk).update(answer=answer)
    Helpful.objects.get_or_create(reply=answer, user=asker)
    Helpful.objects.get_or_create(reply=answer, user=helper)
    Reply.objects.filter(pk=answer.pk).update(
        helpful_count=Helpful.objects.filter(reply=answer).count()
    )
    url = question.get_absolute_url()
    _notice(
        member,
        kind="mention",
        dedupe=f"mention:discussion-{question.pk}",
        discussion=question,
        text=f"{asker.name} mentioned you in “{question.title}”",
        when=question.created_at,
        url=url,
    )
    _notice(
        member,
        kind="followed_reply",
        dedupe=f"reply:{thanks.pk}",
        discussion=question,
        text=f"{helper.name} replied to “{question.title}”",
        when=thanks.created_at,
        url=thanks.get_absolute_url(),
    )


def _near_miss(convener, demo, now):
    community, people = _members("medicines-safety", but=demo)
    sharer, other = people[4], people[5]
    near_miss = _discussion(
        community,
        sharer,
        "Two insulin pens that look alike nearly swapped at handover",
        when=now - timedelta(days=3),
        kind=Discussion.Kind.NEAR_MISS,
        is_safe_space=True,
        author_hidden=True,
        body=(
            "At a night handover two pens with the same colour cap were put in the wrong "
            "resident's box. The second check caught it before any dose was given. We now "
            "keep each resident's pen in a labelled bag. Has anyone found a better way?"
        ),
    )
    _replies(
        near_miss,
        [
            (
                other,
                "The same happened to us: the pharmacy now prints the resident's name on "
                "the pen itself, not only on the box.",
                1,
                True,
            ),
            (
                convener,
                "Thank you both for sharing this. Shall we take it to the next meeting as "
                "a learning item?",
                2,
                False,
            ),
        ],
    )


def _idea_and_comments(member, demo, now):
    community, people = _members("deprescribing-conveners", but=demo)
    _discussion(
        community,
        people[1],
        "A shared audit of falls after a medicine is stopped",
        when=now - timedelta(days=10),
        kind=Discussion.Kind.IDEA,
        body=(
            "Could each of our areas record falls in the eight weeks after a medicine is "
            "stopped, on one form, so that we can compare at the spring meeting?"
        ),
    )
    draft = _discussion(
        community,
        people[2],
        "Comments please: draft leaflet on stopping sleeping tablets",
        when=now - timedelta(days=2),
        kind=Discussion.Kind.COMMENTS,
        body=(
            "The draft leaflet for families is in the library. Does the wording about "
            "withdrawal effects read well to someone who is not a clinician?"
        ),
    )
    _replies(
        draft,
        [
            (
                member,
                "It reads well. Perhaps say how long the first week may feel unsettled.",
                1,
                False,
            )
        ],
    )


def _unanswered(demo, now):
    community, people = _members("delirium", but=demo)
    if people:
        _discussion(
            community,
            people[0],
            "Screening tool for delirium in people with a learning disability?",
            when=now - timedelta(days=21),
            kind=Discussion.Kind.QUESTION,
            body="Which screening tool do you use, and has anyone adapted the 4AT?",
        )
