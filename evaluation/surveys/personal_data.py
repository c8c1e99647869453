"""What surveys hold about a person: the surveys they built, the surveys they were asked to
answer (and whether they have), their named answers. Anonymous answers are nobody's: they
cannot be found from the person, so they are neither exported nor erased."""

from accounts.personal_data import Export, Part
from evaluation.surveys.models import Answer, Respondent, Response, Survey

export = Export(
    Part(
        "surveys_built",
        "Surveys you built.",
        "evaluation.Survey",
        "created_by",
        ("title", "status", "anonymous", "created_at"),
    ),
    Part(
        "survey_invitations",
        "Surveys you were asked to answer, whether you have, and any draft you kept.",
        "evaluation.Respondent",
        "user",
        ("survey__title", "done", "draft", "invited_at"),
    ),
    Part(
        "survey_responses",
        "Your answers to surveys that were not anonymous.",
        "evaluation.Response",
        "user",
        ("survey__title", "community__name"),
    ),
)


def erase(user, *, remove_contributions):
    Respondent.objects.filter(user=user).update(draft={})
    Survey.objects.filter(created_by=user).update(created_by=None)
    if remove_contributions:
        Answer.objects.filter(response__user=user).delete()
        Response.objects.filter(user=user).delete()
