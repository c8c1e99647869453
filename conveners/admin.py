from django.contrib import admin

from conveners.models import Application, LeadershipProgramme, ProgrammeSession


@admin.register(LeadershipProgramme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "cohort_size", "applications_open", "applications_close"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["applicant", "programme", "status", "submitted_at"]
    list_filter = ["programme", "status"]
    list_select_related = ["applicant", "programme"]


admin.site.register(ProgrammeSession)
# Scores and journals are private: they are not in the admin.
