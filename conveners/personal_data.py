from django.db.models import Q

from accounts.personal_data import Export, Part
from accounts.retention import Rule, register_rule, updating
from conveners.models import Application, JournalEntry, Review


def _reviews_of_your_application(user):
    # An opinion about a person is theirs to see; the reviewer's name is not.
    return list(
        Review.objects.filter(application__applicant=user).values(
            "application__programme__name", "scores", "note", "created_at"
        )
    )


export = Export(
    Part(
        "applications",
        "Your applications to the leadership programme, as you wrote them, and the outcome.",
        "conveners.Application",
        "applicant",
        (
            "programme__name",
            "status",
            "community__name",
            "proposed_domain",
            "motivation",
            "hopes",
            "region",
            "sponsor_name",
            "sponsor_role",
            "sponsor_email",
            "sponsor_confirmed_at",
            "commitment",
            "submitted_at",
            "decided_at",
            "completed",
            "trains_others",
        ),
    ),
    Part(
        "journal",
        "Your programme journal, and whether you shared each entry with the managers.",
        rows=lambda user: list(
            JournalEntry.objects.filter(application__applicant=user).values(
                "title", "body", "shared_with_managers", "created_at"
            )
        ),
    ),
    Part(
        "reviews_of_your_application",
        "The selection panel's scores and notes on your application (reviewers unnamed).",
        rows=_reviews_of_your_application,
    ),
    Part(
        "reviews_you_wrote",
        "As a reviewer: the scores you gave (the applicants' own details are theirs).",
        "conveners.Review",
        "reviewer",
        ("application__programme__name", "scores", "created_at"),
    ),
    Part(
        "programmes_you_created",
        "Leadership programmes you set up.",
        "conveners.LeadershipProgramme",
        "created_by",
        ("name", "created_at"),
    ),
)


def erase(user, *, remove_contributions):
    # Private journals always go; open applications are withdrawn.
    JournalEntry.objects.filter(application__applicant=user).delete()
    Application.objects.filter(
        applicant=user, status__in=["draft", "submitted", "shortlisted", "waitlisted", "offered"]
    ).update(status="withdrawn")
    Application.objects.filter(applicant=user).update(
        motivation="", hopes="", sponsor_name="", sponsor_role="", sponsor_email=""
    )


CLOSED = [Application.Status.REJECTED, Application.Status.DECLINED, Application.Status.WITHDRAWN]
_WRITTEN = [
    "motivation",
    "hopes",
    "proposed_domain",
    "sponsor_name",
    "sponsor_role",
    "sponsor_email",
]


def _closed_applications_due(cutoff):
    # What the applicant wrote, and their sponsor's details; the row stays for the
    # programme's figures (region, profession, organisation, outcome).
    written = Q()
    for name in _WRITTEN:
        written |= ~Q(**{name: ""})
    return Application.objects.filter(status__in=CLOSED, updated_at__lt=cutoff).filter(written)


register_rule(
    Rule(
        "declined_applications",
        "What was written in leadership programme applications that were not selected, "
        "declined or withdrawn, and their sponsor's details (counted from the last change).",
        _closed_applications_due,
        updating(Application, **dict.fromkeys(_WRITTEN, "")),
    )
)
