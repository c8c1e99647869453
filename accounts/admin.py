from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.admin_forms import EraseChoiceForm, ExportReleaseForm, OrganisationMergeForm
from accounts.models import EmailDelivery, Organisation, Profession, RetentionSweep, User
from accounts.outbox.delivery import email_retry, email_stuck
from accounts.personal_data import account_erase, export_release
from accounts.retention import RULES, period_days, retention_run_request
from accounts.services import organisation_confirm, organisation_merge, sessions_end_all
from core.admin import ReadOnlyAdmin
from core.services import audit_log


def _action_page(
    model_admin, request, template, *, action, chosen, confirm_name="confirmed", **context
):
    """The page an admin action shows before it acts (a template extending
    templates/admin/accounts/action_confirm.html): it posts back to the same `action`, for
    the rows `chosen`, with the admin's own context (header, sidebar); Go back leads to the
    list of those rows."""
    opts = model_admin.model._meta
    context = {
        **context,
        "action": action,
        "chosen": chosen,
        "confirm_name": confirm_name,
        "back_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        **model_admin.admin_site.each_context(request),
    }
    return TemplateResponse(request, template, context)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "name",
        "organisation",
        "profession",
        "region",
        "is_staff",
        "is_active",
    ]
    list_filter = ["is_staff", "is_active", "region", "profession"]
    search_fields = ["email", "name", "organisation__name"]
    list_select_related = ["organisation", "profession"]
    autocomplete_fields = ["organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Profile",
            {
                "fields": [
                    "name",
                    "job_title",
                    "organisation",
                    "profession",
                    "region",
                    "bio",
                    "timezone",
                ]
            },
        ),
        ("E-mail preferences", {"fields": ["digest_frequency", "meeting_reminders"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})
    ]
    actions = ["download_personal_data", "erase_accounts"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            # Names of the fields only: the log holds no personal text.
            audit_log(
                actor=request.user,
                action="admin.user.change",
                target=obj,
                data={"changed": sorted(form.changed_data)},
            )
            if "is_active" in form.changed_data and not obj.is_active:
                sessions_end_all(user=obj)

    @admin.action(description="Download the person's data (for a request received by post)")
    def download_personal_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one person.", level=messages.ERROR)
            return None
        user = queryset.get()
        # The first visit (from the action list) shows the form; the form posts back here.
        form = ExportReleaseForm(request.POST if "release" in request.POST else None)
        if form.is_valid():
            archive = export_release(user=user, actor=request.user, **form.cleaned_data)
            response = HttpResponse(archive, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="data-{user.pk}.zip"'
            response["Cache-Control"] = "private, no-store"
            return response
        return _action_page(
            self,
            request,
            "admin/accounts/export_release.html",
            action="download_personal_data",
            chosen=[user],
            confirm_name="release",
            person=user,
            form=form,
        )

    @admin.action(description="Close these accounts (for a request received by post)")
    def erase_accounts(self, request, queryset):
        # The first visit (from the action list) asks; the answers post back here.
        form = EraseChoiceForm(request.POST if request.POST.get("confirmed") == "yes" else None)
        if not form.is_valid():
            return _action_page(
                self,
                request,
                "admin/accounts/erase_confirm.html",
                action="erase_accounts",
                chosen=queryset,
                form=form,
            )
        for user in queryset:
            account_erase(
                user=user,
                actor=request.user,
                remove_contributions=form.cleaned_data["contributions"] == "remove",
                audit_hold=form.cleaned_data["audit_hold"],
            )
        self.message_user(request, f"{queryset.count()} account(s) closed.")
        return None


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """The list people pick their organisation from. A name typed at sign-up (or on a
    profile, or at a first single sign-on) waits here, under "Waiting for confirmation",
    for staff to confirm it or merge it into the organisation it duplicates."""

    list_display = ["name", "status", "people_count", "kind", "region", "created_at"]
    list_filter = ["status", "kind", "region"]
    search_fields = ["name"]
    # Confirmed or merged through the actions below, which write the audit log.
    readonly_fields = ["status", "created_at"]
    actions = ["confirm", "merge_into"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(people_count=Count("people"))

    @admin.display(description="people", ordering="people_count")
    def people_count(self, obj):
        return obj.people_count

    @admin.action(description="Confirm: list them for everyone")
    def confirm(self, request, queryset):
        confirmed = sum(organisation_confirm(organisation=o, actor=request.user) for o in queryset)
        self.message_user(request, f"{confirmed} organisation(s) confirmed.")

    @admin.action(description="Merge into… an organisation already listed")
    def merge_into(self, request, queryset):
        merging = list(queryset.order_by("name"))
        # The first visit (from the action list) asks which one; the answer posts back here.
        form = OrganisationMergeForm(
            request.POST if request.POST.get("confirmed") == "yes" else None, merging=merging
        )
        if form.is_valid():
            into = form.cleaned_data["into"]
            for duplicate in merging:
                organisation_merge(duplicate=duplicate, into=into, actor=request.user)
            self.message_user(request, f"{len(merging)} organisation(s) merged into {into.name}.")
            return None
        return _action_page(
            self,
            request,
            "admin/accounts/organisation_merge.html",
            action="merge_into",
            chosen=merging,
            form=form,
        )


@admin.register(Profession)
class ProfessionAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "position"]
    list_editable = ["active", "position"]


class DeliveryProblemFilter(admin.SimpleListFilter):
    """The messages that need staff: failed for good, or stuck (their sender's lease passed
    without an outcome; the next sweep sends them again)."""

    title = "problem"
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [("failed", "Failed"), ("stuck", "Stuck in sending")]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(status=EmailDelivery.Status.FAILED)
        if self.value() == "stuck":
            return queryset.filter(pk__in=email_stuck().values("pk"))
        return queryset


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "to_address",
        "purpose",
        "status",
        "attempts",
        "sent_at",
        "claimed_by",
        "last_error",
    ]
    list_filter = [DeliveryProblemFilter, "status"]
    search_fields = ["to_address", "purpose"]
    readonly_fields = [f.name for f in EmailDelivery._meta.fields]
    actions = ["retry"]

    @admin.action(description="Send again (failed or stuck messages only)")
    def retry(self, request, queryset):
        count = email_retry(delivery_ids=queryset.values_list("pk", flat=True), actor=request.user)
        self.message_user(request, f"{count} message(s) will be sent by the next sweep.")


@admin.register(RetentionSweep)
class RetentionSweepAdmin(ReadOnlyAdmin):
    """What each retention period is and when it last ran: one row per rule, listed even
    before its first run."""

    list_display = [
        "rule",
        "what_goes",
        "period",
        "started_at",
        "finished_at",
        "cleared_last_run",
        "cleared_total",
    ]
    readonly_fields = list_display

    @admin.display(description="what goes")
    def what_goes(self, obj):
        rule = RULES.get(obj.rule)
        return rule.about if rule else "(no longer a rule)"

    @admin.display(description="kept for")
    def period(self, obj):
        return f"{period_days(obj.rule)} days" if obj.rule in RULES else "-"

    change_list_template = "admin/accounts/retentionsweep/change_list.html"

    def get_urls(self):
        run = self.admin_site.admin_view(self.run_now)
        return [path("run/", run, name="accounts_retentionsweep_run"), *super().get_urls()]

    def run_now(self, request):
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        retention_run_request(actor=request.user)
        self.message_user(
            request,
            "A retention run is queued: refresh this page to follow each rule's progress.",
            messages.SUCCESS,
        )
        return redirect("admin:accounts_retentionsweep_changelist")
