"""Reads of surveys: lists, one survey, and its results (evaluation.surveys.results: a
fixed number of queries whatever the number of answers)."""

from django.db.models import Count, Q

from evaluation.surveys import permissions
from evaluation.surveys.models import SMALLEST_GROUP, Respondent, Survey
from evaluation.surveys.results import (
    EXPORT_HEADER,
    HIDDEN_GROUP,
    Distribution,
    export_rows,
    own_change,
    results,
    written_answers,
)

__all__ = [
    "EXPORT_HEADER",
    "HIDDEN_GROUP",
    "SMALLEST_GROUP",
    "Distribution",
    "export_rows",
    "own_change",
    "respondent_of",
    "results",
    "survey_detail",
    "surveys_for_you",
    "surveys_owned",
    "written_answers",
]


def surveys_owned(*, user):
    return (
        permissions.surveys_owned_by(user)
        .select_related("network")
        .annotate(
            invited=Count("respondents", distinct=True),
            answered=Count("respondents", filter=Q(respondents__done=True), distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def surveys_for_you(*, user):
    done = Respondent.objects.filter(user=user, done=True).values("survey_id")
    return permissions.surveys_for(user).exclude(pk__in=done).order_by("-opened_at", "-pk")


def respondent_of(*, survey, user):
    return Respondent.objects.filter(survey=survey, user=user).first()


def survey_detail(*, survey):
    return Survey.objects.select_related("network", "baseline", "created_by").get(pk=survey.pk)
