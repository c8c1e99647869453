"""Thin views of the leadership programme."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from conveners import forms, permissions, selectors, services
from conveners.models import Application
from core.access import AccessDenied
from core.http import (
    add_service_errors,
    confirm_page,
    form_page,
    posted,
    service_form_page,
    service_response,
)
from core.patient_data import audit_patient_data_confirmed


def programme_list(request):
    managed = selectors.programmes_managed_by(user=request.user)
    programmes = selectors.programme_list(user=request.user)
    return render(
        request,
        "conveners/list.html",
        {
            "programmes": programmes,
            "managed": managed,
            "can_create": request.user.is_staff or request.user.managed_networks.exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def programme_create(request):
    networks = selectors.networks_to_run_programmes(user=request.user)
    if not networks.exists():
        raise AccessDenied("Programme managers only")
    form = forms.ProgrammeForm(posted(request), networks=networks)
    if request.method == "POST" and form.is_valid():
        programme = services.programme_create(actor=request.user, **form.cleaned_data)
        messages.success(request, "The programme has been created. Add its sessions next.")
        return redirect("conveners:detail", programme.slug)
    return form_page(
        request,
        form,
        heading="Create a leadership programme",
        submit="Create programme",
        cancel=reverse("conveners:list"),
    )


def programme_detail(request, slug):
    programme = permissions.programme_get(slug)
    context = {
        "programme": programme,
        "sessions": selectors.programme_sessions(programme=programme),
        "application": permissions.own_application(request.user, programme),
        "can_manage": permissions.can_manage(request.user, programme),
    }
    return render(request, "conveners/detail.html", context)


@require_http_methods(["GET", "POST"])
def session_add(request, slug):
    programme = permissions.programme_get_managed(request.user, slug)

    def act(data):
        # The service refuses, for example, a start that has passed: said on the form.
        services.session_add(programme=programme, actor=request.user, **data)
        messages.success(request, "The session has been added; participants are registered for it.")
        return redirect("conveners:detail", slug)

    return service_form_page(
        request,
        forms.SessionForm(posted(request)),
        act=act,
        heading="Add a session",
        submit="Add session",
        caption=programme.name,
        cancel=reverse("conveners:detail", args=[slug]),
    )


@require_http_methods(["GET", "POST"])
def apply(request, slug):
    programme = permissions.programme_get(slug)
    application = permissions.own_application(request.user, programme)
    user = request.user
    initial = {
        "region": user.region,
        "profession": user.profession_id,
        "organisation": user.organisation_id,
    }
    form = forms.ApplicationForm(
        posted(request), instance=application, initial=initial, user=user, programme=programme
    )
    editable = programme.window_is_open and (
        application is None or application.status in ("draft", "submitted")
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_save(
                programme=programme,
                applicant=user,
                **{f: form.cleaned_data[f] for f in services.APPLICATION_FIELDS},
            )
            if "submit" in request.POST and application.status == Application.Status.DRAFT:
                services.application_submit(application=application)
                messages.success(
                    request,
                    "Your application has been submitted. We have e-mailed your sponsor to confirm their support.",
                )
            else:
                messages.success(request, "Your application has been saved.")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("conveners:apply", slug)
    return render(
        request,
        "conveners/apply.html",
        {"programme": programme, "application": application, "form": form, "editable": editable},
    )


@require_http_methods(["GET", "POST"])
def withdraw(request, slug):
    programme = permissions.programme_get(slug)
    application = permissions.own_application(request.user, programme)
    if application is None:
        raise Http404("No application")
    return confirm_page(
        request,
        act=lambda: services.application_withdraw(application=application),
        done="Your application has been withdrawn.",
        to=reverse("conveners:detail", args=[slug]),
        heading="Withdraw your application?",
        submit="Withdraw",
        warning=True,
        caption=programme.name,
        cancel=reverse("conveners:apply", args=[slug]),
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def sponsor(request, token):
    try:
        application = services.sponsor_application(token)
    except ValidationError as exc:
        return render(request, "conveners/sponsor.html", {"error": exc.messages[0]}, status=400)
    confirmed_now = None
    if request.method == "POST":
        application, confirmed_now = services.sponsor_confirm(token=token)
    return render(
        request,
        "conveners/sponsor.html",
        {"application": application, "confirmed_now": confirmed_now},
    )


@require_http_methods(["GET", "POST"])
def offer(request, slug):
    programme = permissions.programme_get(slug)
    application = permissions.own_application(request.user, programme)
    if application is None:
        raise Http404("No application")
    if request.method == "POST":
        try:
            services.offer_answer(
                application=application, accept=request.POST.get("answer") == "accept"
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(
                request,
                "Welcome to the programme."
                if request.POST.get("answer") == "accept"
                else "You have declined the offer. Thank you for letting us know.",
            )
        return redirect("conveners:apply", slug)
    return redirect("conveners:apply", slug)


# --- programme managers -------------------------------------------------------------------------


def applications(request, slug):
    programme = permissions.programme_get_managed(request.user, slug)
    form = forms.ApplicationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.application_list(
        programme=programme, **{k: v for k, v in filters.items() if v}
    )
    return render(
        request,
        "conveners/applications.html",
        {"programme": programme, "form": form, "applications": rows},
    )


@require_http_methods(["GET", "POST"])
def application_review(request, slug, pk):
    programme, application = permissions.application_get_managed(request.user, slug, pk)
    mine = selectors.own_review(application=application, user=request.user)
    review_form = forms.ReviewForm(
        posted(request) if "review" in request.POST else None,
        criteria=programme.criteria_list(),
        initial={
            f"c{i}": (mine.scores.get(c) if mine else None)
            for i, c in enumerate(programme.criteria_list())
        }
        | {"note": mine.note if mine else ""},
        prefix="r",
    )
    decision_form = forms.DecisionForm(
        posted(request) if "decide" in request.POST else None, prefix="d"
    )

    def review(data):
        services.review_save(
            application=application,
            reviewer=request.user,
            scores=review_form.scores(),
            note=data["note"],
        )
        messages.success(request, "Your scores have been saved.")
        return redirect("conveners:review", slug, pk)

    def decide(data):
        services.application_decide(
            application=application, actor=request.user, decision=data["decision"]
        )
        messages.success(request, "The decision has been saved and the applicant told.")
        return redirect("conveners:review", slug, pk)

    form, act = (review_form, review) if "review" in request.POST else (decision_form, decide)
    if (response := service_response(request, form, act)) is not None:
        return response
    # Each reviewer sees the others' scores only once they have scored.
    others = selectors.others_reviews(application=application, user=request.user) if mine else None
    return render(
        request,
        "conveners/review.html",
        {
            "programme": programme,
            "application": application,
            "review_form": review_form,
            "decision_form": decision_form,
            "mine": mine,
            "others": others,
            "criteria": programme.criteria_list(),
        },
    )


def selection(request, slug):
    programme = permissions.programme_get_managed(request.user, slug)
    return render(
        request,
        "conveners/selection.html",
        {"programme": programme, **selectors.selection(programme=programme)},
    )


def participants(request, slug):
    programme = permissions.programme_get_managed(request.user, slug)
    people = selectors.participants(programme=programme)
    convened = selectors.meetings_convened_counts(
        programme=programme, user_ids=[a.applicant_id for a in people]
    )
    for a in people:
        a.convened = convened.get(a.applicant_id, 0)
    return render(
        request, "conveners/participants.html", {"programme": programme, "participants": people}
    )


@require_http_methods(["GET", "POST"])
def completion(request, slug, pk):
    programme, application = permissions.application_get_managed(request.user, slug, pk)
    form = forms.CompletionForm(
        posted(request),
        initial={
            "completed": "yes" if application.completed else "no",
            "trains_others": application.trains_others,
        },
    )

    def act(data):
        services.completion_mark(application=application, actor=request.user, **data)
        messages.success(request, "Saved.")
        return redirect("conveners:participants", slug)

    return service_form_page(
        request,
        form,
        act=act,
        heading=f"Completion: {application.applicant.name}",
        submit="Save",
        caption=programme.name,
        cancel=reverse("conveners:participants", args=[slug]),
    )


# --- participants ------------------------------------------------------------------------------------


def _participation(request, slug):
    programme = permissions.programme_get(slug)
    application = permissions.own_application(request.user, programme)
    if application is None or not application.is_participant:
        raise AccessDenied("Participants only")
    return programme, application


def participant(request, slug):
    programme, application = _participation(request, slug)
    convened = list(selectors.meetings_convened(application=application))
    return render(
        request,
        "conveners/participant.html",
        {
            "programme": programme,
            "application": application,
            "sessions": selectors.participant_sessions(application=application),
            "journal": application.journal.all(),
            "convened": convened,
            "convened_count": len(convened),
            "progress": min(100, round(100 * len(convened) / programme.meeting_commitment))
            if programme.meeting_commitment
            else 100,
        },
    )


@require_http_methods(["GET", "POST"])
def journal_new(request, slug):
    programme, application = _participation(request, slug)
    form = forms.JournalForm(posted(request))
    if request.method == "POST" and form.is_valid():
        entry = services.journal_add(application=application, **form.cleaned_data)
        audit_patient_data_confirmed(form, actor=request.user, target=entry)
        messages.success(request, "Your journal entry has been saved.")
        return redirect("conveners:participant", slug)
    return form_page(
        request,
        form,
        heading="New journal entry",
        submit="Save entry",
        caption=programme.name,
        intro="Your journal is private to you unless you share an entry with the programme managers.",
        cancel=reverse("conveners:participant", args=[slug]),
    )


@require_http_methods(["GET", "POST"])
def journal_entry(request, slug, pk):
    programme, application = _participation(request, slug)
    entry = selectors.journal_entry_get(application=application, pk=pk)
    if entry is None:
        raise Http404("Not your entry")
    form = forms.JournalEntryForm(
        posted(request),
        user=request.user,
        entry=entry,
        initial={"shared_with_managers": entry.shared_with_managers},
    )

    def act(data):
        story = None
        services.journal_share(entry=entry, shared=data["shared_with_managers"])
        if data["publish_to"]:
            story = services.journal_publish_story(entry=entry, community=data["publish_to"])
        audit_patient_data_confirmed(form, actor=request.user, target=story or entry)
        messages.success(
            request, "Your entry has been published as a story." if story else "Saved."
        )
        return redirect("conveners:participant", slug)

    return service_form_page(
        request,
        form,
        act=act,
        heading=entry.title,
        submit="Save",
        caption="Your reflective journal",
        intro=entry.body,
        cancel=reverse("conveners:participant", args=[slug]),
    )


def shared_journal(request, slug):
    programme = permissions.programme_get_managed(request.user, slug)
    entries = selectors.shared_journal(programme=programme)
    return render(
        request, "conveners/shared_journal.html", {"programme": programme, "entries": entries}
    )
