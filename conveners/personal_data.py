from conveners.models import Application, JournalEntry


def export(user):
    return {
        "applications": list(
            Application.objects.filter(applicant=user).values(
                "programme__name",
                "status",
                "motivation",
                "hopes",
                "proposed_domain",
                "sponsor_name",
                "sponsor_role",
                "sponsor_email",
                "submitted_at",
            )
        ),
        "journal": list(
            JournalEntry.objects.filter(application__applicant=user).values(
                "title", "body", "shared_with_managers", "created_at"
            )
        ),
    }


def erase(user, *, remove_contributions):
    # Private journals always go; open applications are withdrawn.
    JournalEntry.objects.filter(application__applicant=user).delete()
    Application.objects.filter(
        applicant=user, status__in=["draft", "submitted", "shortlisted", "waitlisted", "offered"]
    ).update(status="withdrawn")
    Application.objects.filter(applicant=user).update(
        motivation="", hopes="", sponsor_name="", sponsor_role="", sponsor_email=""
    )
