from django.contrib import admin

from communities.models import Community, Membership, Network, Report
from core.admin import ReadOnlyAdmin


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["managers"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "phase", "visibility", "join_policy"]
    list_filter = ["network", "phase", "visibility", "join_policy"]
    search_fields = ["name", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Reports as the conveners' queue shows them, for staff: read only, since hiding and
    dismissing go through communities.moderation.services (with the e-mail and the audit)."""

    list_display = ["kind", "object_id", "community", "reporter", "created_at", "outcome"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["community", "reporter"]
    date_hierarchy = "created_at"
