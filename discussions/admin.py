from django.contrib import admin

from core.admin import ReadOnlyAdmin
from discussions.models import Discussion, GroundRules, Reply, Revision


@admin.register(Discussion)
class DiscussionAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "kind", "is_safe_space", "is_hidden", "created_at"]
    list_filter = ["kind", "is_safe_space", "is_hidden", "is_closed"]
    search_fields = ["title"]
    raw_id_fields = ["community", "author", "answer", "hidden_by"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a discussion drops followers who cannot see the new community: only the
        # service (discussions.services.discussion_move) does it.
        return ("community",) if obj is not None else ()


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = ["discussion", "author", "is_hidden", "created_at"]
    raw_id_fields = ["discussion", "author", "quote", "hidden_by"]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["discussion", "reply", "editor", "created_at"]


@admin.register(GroundRules)
class GroundRulesAdmin(admin.ModelAdmin):
    list_display = ["community", "updated_at"]
    raw_id_fields = ["community", "updated_by"]
