from django.contrib import admin

from core.forms import ADMIN_HTTPS_URLS
from knowledge.models import Adoption, Comment, Resource, ResourceVersion, Story


class VersionInline(admin.TabularInline):
    model = ResourceVersion
    extra = 0
    readonly_fields = ["number", "file", "original_name", "content_type", "size", "created_at"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "community", "network", "visibility", "status", "review_date"]
    list_filter = ["kind", "visibility", "status"]
    search_fields = ["title", "summary"]
    raw_id_fields = ["community", "network", "owner", "superseded_by", "hidden_by"]
    inlines = [VersionInline]
    formfield_overrides = ADMIN_HTTPS_URLS

    def get_readonly_fields(self, request, obj=None):
        # A resource stays where it was posted (no service moves one): who may see it follows
        # from it, and its adoptions keep a copy of its community (Adoption.resource_community).
        return ("community", "network") if obj is not None else ()


@admin.register(Adoption)
class AdoptionAdmin(admin.ModelAdmin):
    list_display = ["resource", "organisation", "community", "created_at"]
    raw_id_fields = ["resource", "organisation", "community", "adopted_by"]


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "visibility", "created_at"]
    raw_id_fields = ["community", "author", "resources"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["resource", "author", "is_hidden", "created_at"]
    raw_id_fields = ["resource", "author", "hidden_by"]
