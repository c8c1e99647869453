from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import AuditEntry, EmailDelivery, Organisation, Profession, User


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


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name"]


@admin.register(Profession)
class ProfessionAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "position"]
    list_editable = ["active", "position"]


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to_address", "purpose", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to_address", "purpose"]
    readonly_fields = [f.name for f in EmailDelivery._meta.fields]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id"]
    list_filter = ["action"]
    list_select_related = ["actor", "target_type"]
    readonly_fields = ["created_at", "actor", "action", "target_type", "target_id", "data"]
