"""Thin views over surveys: the survey fetched through what the person may see (404
otherwise), a form, one service."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from core.access import get_visible_or_404
from core.http import confirm_page, posted, service_form_page, service_response, table_download
from core.patient_data import audit_patient_data_confirmed
from evaluation.surveys import forms, notices, permissions, selectors, services
from evaluation.surveys.models import Question, Survey

WRITTEN_PER_PAGE = 50


def _owned(request, pk):
    return get_visible_or_404(permissions.surveys_owned_by(request.user), pk=pk)


def _crumbs(survey=None):
    crumbs = [("Home", reverse("home")), ("Surveys", reverse("evaluation:survey_list"))]
    if survey is not None:
        crumbs.append((survey.title, reverse("evaluation:survey_detail", args=[survey.pk])))
    return crumbs


def survey_list(request):
    owned = Paginator(selectors.surveys_owned(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "evaluation/surveys/list.html",
        {
            "page": owned,
            "owned": owned.object_list,
            "for_you": selectors.surveys_for_you(user=request.user)[:50],
            "can_build": permissions.networks_buildable_by(request.user).exists(),
        },
    )


def survey_create(request):
    if not permissions.networks_buildable_by(request.user).exists():
        raise Http404("No network to survey")
    form = forms.SurveyForm(
        posted(request), user=request.user, initial={"template": "custom", "answers": "named"}
    )

    def act(data):
        network = data["whole_network"] or data["communities"][0].network
        survey = services.survey_create(
            actor=request.user,
            network=network,
            title=data["title"],
            intro=data["intro"],
            anonymous=data["anonymous"],
            may_answer_anonymously=data["may_answer_anonymously"],
            communities=list(data["communities"] or []),
            whole_network=bool(data["whole_network"]),
            template=data["template"],
            baseline=data["baseline"],
        )
        messages.success(request, "Survey created: add or check its questions, then open it.")
        return redirect("evaluation:survey_detail", survey.pk)

    return service_form_page(
        request,
        form,
        act=act,
        heading="Build a survey",
        submit="Create the survey",
        cancel=reverse("evaluation:survey_list"),
        crumbs=_crumbs(),
    )


def survey_detail(request, pk):
    survey = selectors.survey_detail(survey=_owned(request, pk))
    return render(
        request,
        "evaluation/surveys/detail.html",
        {
            "survey": survey,
            "readers": notices.readers(survey),
            "anonymity": notices.anonymity(survey),
            "questions": survey.questions.all(),
            "audience": survey.communities.order_by("name"),
            "invited": survey.respondents.count(),
            "answered": survey.respondents.filter(done=True).count(),
            "crumbs": _crumbs(),
        },
    )


def question_add(request, pk):
    survey = _owned(request, pk)
    if survey.status != Survey.Status.DRAFT:
        raise Http404("The survey is open")
    form = forms.QuestionForm(posted(request), initial={"required": True})

    def act(data):
        services.question_add(survey=survey, **data)
        messages.success(request, "Question added.")
        return redirect("evaluation:survey_detail", survey.pk)

    return service_form_page(
        request,
        form,
        act=act,
        heading="Add a question",
        caption=survey.title,
        submit="Add the question",
        cancel=reverse("evaluation:survey_detail", args=[survey.pk]),
        crumbs=_crumbs(survey),
    )


def question_delete(request, pk, question_pk):
    survey = _owned(request, pk)
    question = get_visible_or_404(
        Question.objects.filter(survey=survey, survey__status=Survey.Status.DRAFT), pk=question_pk
    )
    return _confirm(
        request,
        survey,
        act=lambda: services.question_delete(question=question),
        done="Question removed.",
        heading="Remove this question?",
        intro=question.text,
        submit="Remove the question",
    )


def _confirm(request, survey, *, act, done, heading, submit, intro=""):
    """A confirmation page whose POST calls `act()` and goes back to the survey."""
    back = reverse("evaluation:survey_detail", args=[survey.pk])
    return confirm_page(
        request,
        act=act,
        done=done,
        to=back,
        heading=heading,
        caption=survey.title,
        intro=intro,
        submit=submit,
        cancel=back,
        crumbs=_crumbs(survey),
    )


@dataclass(frozen=True)
class _Step:
    """One step of a survey's life its owner confirms: the service that takes it (called
    with actor and survey), what the page says (`intro(survey)`) and what is said after."""

    service: Callable
    intro: Callable
    heading: str
    submit: str
    done: str


STEPS = {
    "open": _Step(
        services.survey_open,
        lambda survey: (
            f"{len(services.audience_members(survey))} people will be invited. "
            "The questions cannot change once it is open."
        ),
        "Open the survey?",
        "Open and send the invitations",
        "The survey is open: the invitations are on their way.",
    ),
    "remind": _Step(
        services.survey_remind,
        lambda survey: (
            f"{survey.respondents.filter(done=False).count()} people have not "
            "answered yet. Each gets one reminder, once only."
        ),
        "Send a reminder?",
        "Send the reminder",
        "The reminder is on its way.",
    ),
    "close": _Step(
        services.survey_close,
        lambda survey: "Nobody can answer it once it is closed.",
        "Close the survey?",
        "Close the survey",
        "The survey is closed.",
    ),
}


def _step(request, pk, key):
    survey, step = _owned(request, pk), STEPS[key]
    return _confirm(
        request,
        survey,
        act=lambda: step.service(actor=request.user, survey=survey),
        done=step.done,
        heading=step.heading,
        intro=step.intro(survey),
        submit=step.submit,
    )


def survey_open(request, pk):
    return _step(request, pk, "open")


def survey_remind(request, pk):
    return _step(request, pk, "remind")


def survey_close(request, pk):
    return _step(request, pk, "close")


def survey_answer(request, pk):
    survey = get_visible_or_404(
        permissions.surveys_for(request.user).select_related("network", "created_by"), pk=pk
    )
    respondent = selectors.respondent_of(survey=survey, user=request.user)
    if respondent.done:
        return render(
            request,
            "evaluation/surveys/answered.html",
            {"survey": survey, "change": selectors.own_change(survey=survey, user=request.user)},
        )
    questions = list(survey.questions.all())
    finishing = request.method == "POST" and "draft" not in request.POST
    form = forms.answers_form(
        questions,
        finishing=finishing,
        anonymity=survey.anonymity,
        data=posted(request),
        initial=forms.initial_from(respondent.draft, questions),
    )

    def act(_data):
        if finishing:
            anonymous = services.answers_anonymous(survey, chosen=form.anonymous)
            services.response_submit(
                survey=survey, user=request.user, answers=form.answers(), anonymous=anonymous
            )
            # An anonymous answer leaves no trace of who sent it: not even the record
            # (who, when, from where) that they confirmed a warning about patient data.
            if not anonymous:
                audit_patient_data_confirmed(form, actor=request.user, target=survey)
            return redirect("evaluation:survey_answer", survey.pk)
        services.draft_save(survey=survey, user=request.user, answers=form.answers())
        messages.success(request, "Your answers are saved: come back to finish them.")
        return redirect("evaluation:survey_list")

    response = service_response(request, form, act)
    if response is not None:
        return response
    return render(
        request,
        "evaluation/surveys/answer.html",
        {
            "survey": survey,
            "form": form,
            "readers": notices.readers(survey),
            "anonymity": notices.anonymity(survey),
            "draft_notice": notices.draft_notice(survey),
            "crumbs": _crumbs(),
        },
    )


def survey_results(request, pk):
    survey = _owned(request, pk)
    return render(
        request,
        "evaluation/surveys/results.html",
        {
            "survey": survey,
            "results": selectors.results(survey=survey, reader=request.user),
            "crumbs": _crumbs(survey),
        },
    )


def survey_written_answers(request, pk, question_pk):
    """Every written answer to one question, a page at a time, named as the results are."""
    survey = _owned(request, pk)
    question = get_visible_or_404(survey.questions.filter(kind=Question.Kind.TEXT), pk=question_pk)
    found = selectors.written_answers(survey=survey, question=question, reader=request.user)
    page = None
    if found is not None:
        rows, written = found
        page = Paginator(rows, WRITTEN_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = [written(row) for row in page.object_list]
    crumbs = [*_crumbs(survey), ("Results", reverse("evaluation:survey_results", args=[pk]))]
    return render(
        request,
        "evaluation/surveys/written.html",
        {
            "survey": survey,
            "question": question,
            "page": page,
            "hidden_message": selectors.HIDDEN_GROUP,
            "crumbs": crumbs,
        },
    )


def survey_export(request, pk, fmt):
    survey = _owned(request, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such format")
    return table_download(
        name=f"survey-{survey.pk}-results",
        header=selectors.EXPORT_HEADER,
        rows=selectors.export_rows(survey=survey),
        fmt=fmt,
    )
