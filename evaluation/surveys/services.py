"""Writes of surveys: build, open (invite each person of the audience once), remind once,
ask a newcomer an open baseline, keep a draft, submit. Keyword-only, each in one
transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from communities.models import Community, Membership
from core.queue import enqueue_on_commit
from core.services import audit_log
from evaluation.surveys import permissions, question_sets
from evaluation.surveys.invitations import (  # noqa: F401 (the tasks' work, kept here too)
    invitations_send,
    reminders_send,
)
from evaluation.surveys.models import Answer, Question, Respondent, Response, Survey
from evaluation.surveys.tasks import send_invitations_task, send_reminders_task


def _audience(*, actor, network, communities, whole_network):
    allowed = permissions.audience_choices(actor, network)
    if whole_network:
        if not network.managers.filter(pk=actor.pk).exists():
            raise ValidationError("Only the network's programme managers can ask the whole network")
        return list(allowed)
    chosen = list(allowed.filter(pk__in=[c.pk for c in communities]))
    if not chosen or len(chosen) != len({c.pk for c in communities}):
        raise ValidationError("Choose at least one community you lead")
    return chosen


@transaction.atomic
def survey_create(
    *,
    actor,
    network,
    title,
    intro="",
    anonymous=False,
    may_answer_anonymously=False,
    communities=(),
    whole_network=False,
    template=Survey.Template.CUSTOM,
    baseline=None,
):
    """A survey being built, with the questions of its template (a follow-up copies its
    baseline's questions, keys included). Its answers are anonymous, named, or named unless
    a person chooses otherwise (`may_answer_anonymously`)."""
    audience = _audience(
        actor=actor, network=network, communities=communities, whole_network=whole_network
    )
    if template == Survey.Template.FOLLOW_UP:
        if baseline is None or not permissions.can_own(actor, baseline):
            raise ValidationError("Choose a baseline survey of yours")
    else:
        baseline = None
    survey = Survey.objects.create(
        network=network,
        title=title,
        intro=intro,
        anonymous=anonymous,
        may_answer_anonymously=may_answer_anonymously and not anonymous,
        whole_network=whole_network,
        template=template,
        baseline=baseline,
        created_by=actor,
        network_owned=network.managers.filter(pk=actor.pk).exists(),
    )
    survey.communities.set(audience)
    if template == Survey.Template.FOLLOW_UP:
        sets = list(baseline.questions.values(*COPIED_FIELDS))
    else:
        sets = {
            Survey.Template.EVALUATION: question_sets.EVALUATION,
            Survey.Template.BASELINE: question_sets.BASELINE,
        }.get(template, [])
    Question.objects.bulk_create(
        Question(survey=survey, position=i, **fields) for i, fields in enumerate(sets, start=1)
    )
    audit_log(actor=actor, action="survey.create", target=survey)
    return survey


# What a follow-up copies of each of its baseline's questions.
COPIED_FIELDS = (
    "kind",
    "text",
    "help_text",
    "required",
    "allow_not_applicable",
    "choices",
    "low_label",
    "high_label",
    "key",
)


def _editable(survey):
    if survey.status != Survey.Status.DRAFT:
        raise ValidationError("The questions cannot change once the survey is open")


@transaction.atomic
def question_add(
    *,
    survey,
    kind,
    text,
    help_text="",
    required=True,
    allow_not_applicable=False,
    choices=(),
    low_label="",
    high_label="",
):
    _editable(survey)
    choices = [c.strip() for c in choices if c.strip()]
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(choices) < 2:
        raise ValidationError("Give at least two choices")
    if kind == Question.Kind.SCALE and not (low_label and high_label):
        raise ValidationError("Label both ends of the scale")
    last = survey.questions.aggregate(last=Max("position"))["last"] or 0
    return Question.objects.create(
        survey=survey,
        position=last + 1,
        kind=kind,
        text=text,
        help_text=help_text,
        required=required,
        allow_not_applicable=allow_not_applicable,
        choices=choices if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) else [],
        low_label=low_label if kind == Question.Kind.SCALE else "",
        high_label=high_label if kind == Question.Kind.SCALE else "",
    )


@transaction.atomic
def question_delete(*, question):
    _editable(question.survey)
    question.delete()


def audience_members(survey):
    """(user id, community id) of each active member of the audience, each person once
    (under the first of their communities)."""
    communities = survey.communities.filter(status=Community.Status.ACTIVE)
    rows = (
        Membership.objects.filter(
            community__in=communities,
            status=Membership.Status.ACTIVE,
            user__is_active=True,
        )
        .order_by("user_id", "community_id")
        .values_list("user_id", "community_id")
    )
    seen = {}
    for user_id, community_id in rows:
        seen.setdefault(user_id, community_id)
    return seen


@transaction.atomic
def survey_open(*, actor, survey):
    """Open the survey: each active member of the audience becomes a respondent, and the
    invitations go out after the commit (a task)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.DRAFT:
        raise ValidationError("This survey is already open")
    if not survey.questions.exists():
        raise ValidationError("Add at least one question first")
    members = audience_members(survey)
    Respondent.objects.bulk_create(
        [Respondent(survey=survey, user_id=u, community_id=c) for u, c in members.items()],
        ignore_conflicts=True,
    )
    survey.status, survey.opened_at = Survey.Status.OPEN, timezone.now()
    survey.save(update_fields=["status", "opened_at"])
    audit_log(actor=actor, action="survey.open", target=survey, data={"audience": len(members)})
    enqueue_on_commit(send_invitations_task, survey.pk)
    return survey


@transaction.atomic
def survey_close(*, actor, survey):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    audit_log(actor=actor, action="survey.close", target=survey)


@transaction.atomic
def survey_remind(*, actor, survey):
    """Remind, once, those who have not answered (a task, after the commit)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.OPEN:
        raise ValidationError("Only an open survey can be reminded of")
    if survey.reminded_at is not None:
        raise ValidationError("A reminder has already been sent")
    survey.reminded_at = timezone.now()
    survey.save(update_fields=["reminded_at"])
    audit_log(actor=actor, action="survey.remind", target=survey)
    enqueue_on_commit(send_reminders_task, survey.pk)
    return survey


def _respondent(survey, user):
    respondent = Respondent.objects.select_for_update().filter(survey=survey, user=user).first()
    if respondent is None or survey.status != Survey.Status.OPEN:
        raise ValidationError("This survey is not open to you")
    if respondent.done:
        raise ValidationError("You have already answered this survey")
    return respondent


@transaction.atomic
def draft_save(*, survey, user, answers):
    """Keep partial answers ({question id: {"na", "choices", "value", "text"}}) to finish
    later; nothing is checked but their shape."""
    respondent = _respondent(survey, user)
    respondent.draft = {str(k): v for k, v in answers.items()}
    respondent.save(update_fields=["draft"])
    return respondent


def missing_required(survey, answers):
    """The required questions left without an answer."""
    return [q for q in survey.questions.all() if q.required and not _given(answers.get(q.pk))]


def _given(answer):
    return bool(
        answer
        and (
            answer.get("na")
            or answer.get("choices")
            or answer.get("value")
            or (answer.get("text") or "").strip()
        )
    )


def answer_fields(question, answer):
    """The stored form of one answer ({"na", "choices", "value", "text"}) to `question`, or
    None when nothing was given: "does not apply" keeps nothing else, text is trimmed."""
    if not _given(answer):
        return None
    na = bool(answer.get("na"))
    return {
        "question_id": question.pk,
        "not_applicable": na,
        "choices": [] if na else list(answer.get("choices") or []),
        "value": None if na else answer.get("value"),
        "text": "" if na else (answer.get("text") or "").strip(),
    }


def answers_anonymous(survey, *, chosen):
    """Whether a person's answers go without their name: always in an anonymous survey, by
    their choice where the survey offers it, never otherwise."""
    if survey.anonymous:
        return True
    if chosen and not survey.may_answer_anonymously:
        raise ValidationError("This survey does not take anonymous answers")
    return bool(chosen)


@transaction.atomic
def response_submit(*, survey, user, answers, anonymous=False):
    """Store the answers and mark the person done. Anonymous answers (an anonymous survey,
    or `anonymous` chosen where the survey offers it) carry no link to the person: the
    response has no user, no time and a random id, as each answer has; the person's draft,
    which holds their name, is emptied in the same transaction."""
    respondent = _respondent(survey, user)
    answers = {int(k): v for k, v in answers.items()}
    if missing_required(survey, answers):
        raise ValidationError("Answer every required question")
    response = Response.objects.create(
        survey=survey,
        community_id=respondent.community_id,
        user=None if answers_anonymous(survey, chosen=anonymous) else user,
    )
    rows = [
        answer_fields(question, answers.get(question.pk)) for question in survey.questions.all()
    ]
    Answer.objects.bulk_create(Answer(response=response, **row) for row in rows if row)
    respondent.done, respondent.draft = True, {}
    respondent.save(update_fields=["done", "draft"])
    return response


def baselines_open_to(community):
    """The open baseline surveys that ask the members of this community: what a newcomer
    is asked on joining."""
    return Survey.objects.filter(
        status=Survey.Status.OPEN,
        template=Survey.Template.BASELINE,
        communities=community,
        communities__status=Community.Status.ACTIVE,
    )


@transaction.atomic
def newcomer_ask(*, membership):
    """Someone has just become an active member: each open baseline of their new community
    that has not asked them yet does now (their invitation goes after the commit). Returns
    the surveys that asked them."""
    if membership.status != Membership.Status.ACTIVE or not membership.user.is_active:
        return []
    asking = list(
        baselines_open_to(membership.community).exclude(respondents__user=membership.user_id)
    )
    Respondent.objects.bulk_create(
        [
            Respondent(survey=s, user_id=membership.user_id, community_id=membership.community_id)
            for s in asking
        ],
        ignore_conflicts=True,
    )
    for survey in asking:
        enqueue_on_commit(send_invitations_task, survey.pk, [membership.user_id])
    return asking
