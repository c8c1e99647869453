from django.contrib import admin

from core.forms import ADMIN_HTTPS_URLS
from meetings.models import (
    ActionItem,
    Meeting,
    MeetingGuest,
    MeetingSeries,
    Minutes,
    Registration,
)


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    raw_id_fields = ["user"]


class GuestInline(admin.TabularInline):
    """Guests without an account: a claimed one is the person's registration too."""

    model = MeetingGuest
    fk_name = "meeting"
    extra = 0
    fields = ["name", "organisation", "email", "user", "claimed_at"]
    readonly_fields = ["user", "claimed_at"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "network", "starts_at", "status", "capacity"]
    list_filter = ["status", "format", "kind"]
    search_fields = ["title"]
    list_select_related = ["community", "network"]
    inlines = [RegistrationInline, GuestInline]
    formfield_overrides = ADMIN_HTTPS_URLS


admin.site.register(MeetingSeries)
admin.site.register(Minutes)
admin.site.register(ActionItem)
