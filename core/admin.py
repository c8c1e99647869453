from django.contrib import admin

from core.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records staff read and never change through the admin: what changes them goes through
    a service (with its e-mail and its audit), or nothing does."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log cannot be edited through the application, not even by staff."""

    list_display = ["created_at", "actor", "action", "target_type", "target_id", "ip_address"]
    list_filter = ["action"]
    search_fields = ["action", "actor__email", "ip_address"]
    list_select_related = ["actor", "target_type"]
    readonly_fields = [
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "data",
        "ip_address",
    ]
