from django.contrib import admin

from meetings.models import ActionItem, Meeting, MeetingSeries, Minutes, Registration


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "network", "starts_at", "status", "capacity"]
    list_filter = ["status", "format", "kind"]
    search_fields = ["title"]
    list_select_related = ["community", "network"]
    inlines = [RegistrationInline]


admin.site.register(MeetingSeries)
admin.site.register(Minutes)
admin.site.register(ActionItem)
