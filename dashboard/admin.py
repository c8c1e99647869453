"""Staff see each digest run's progress (batches planned, built, delivered, failed) and the
error of any failed batch, and can have failed batches built again."""

from django.contrib import admin
from django.db.models import Count, Q

from dashboard.digest import digest_batches_retry
from dashboard.models import DigestBatch, DigestRun

_BUILT = [DigestBatch.State.BUILT, DigestBatch.State.DELIVERED]


def _counted(name, description):
    """A column of the run list showing one of the counts get_queryset annotates."""
    return admin.display(description=description)(lambda self, run: getattr(run, name))


@admin.register(DigestRun)
class DigestRunAdmin(admin.ModelAdmin):
    list_display = [
        "period",
        "state",
        "started_at",
        "finished_at",
        "planned",
        "built",
        "delivered",
        "failed",
    ]
    list_filter = ["state", "frequency"]
    readonly_fields = ["frequency", "period", "started_at", "state", "finished_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                planned_count=Count("batches"),
                built_count=Count("batches", filter=Q(batches__state__in=_BUILT)),
                delivered_count=Count(
                    "batches", filter=Q(batches__state=DigestBatch.State.DELIVERED)
                ),
                failed_count=Count("batches", filter=Q(batches__state=DigestBatch.State.FAILED)),
            )
        )

    planned = _counted("planned_count", "batches planned")
    built = _counted("built_count", "built")
    delivered = _counted("delivered_count", "delivered")
    failed = _counted("failed_count", "failed")

    def has_add_permission(self, request):
        return False


@admin.register(DigestBatch)
class DigestBatchAdmin(admin.ModelAdmin):
    list_display = ["run", "number", "state", "attempts", "queued", "claimed_by", "last_error"]
    list_filter = ["state"]
    list_select_related = ["run"]
    readonly_fields = [f.name for f in DigestBatch._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Build again (failed batches only)")
    def retry(self, request, queryset):
        count = digest_batches_retry(
            batch_ids=queryset.values_list("pk", flat=True), actor=request.user
        )
        self.message_user(request, f"{count} batch(es) will be built by the next sweep.")
