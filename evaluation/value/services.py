"""Every write of value tags: add or change one, remove one. Each leaves an audit entry."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.services import audit_log
from evaluation.value.models import ValueTag

EVIDENCE_FIELDS = ("figure", "figure_unit", "resource", "url", "quote", "quote_by")


def evidence_kept(*, evidence_kind, figure, figure_unit, resource, url, quote, quote_by):
    """The evidence kept for its kind (what was typed for another kind is dropped), or a
    ValidationError naming the missing field."""
    kept = {
        "figure": None,
        "figure_unit": "",
        "resource": None,
        "url": "",
        "quote": "",
        "quote_by": "",
    }
    errors = {}
    if evidence_kind == ValueTag.Evidence.FIGURE:
        if figure is None:
            errors["figure"] = "Enter the figure"
        if not figure_unit:
            errors["figure_unit"] = "Say what the figure measures, with its unit"
        kept.update(figure=figure, figure_unit=figure_unit)
    elif evidence_kind == ValueTag.Evidence.DOCUMENT:
        if resource is None and not url:
            errors["resource"] = "Choose a resource of the library or enter a link"
        kept.update(resource=resource, url=url)
    elif evidence_kind == ValueTag.Evidence.QUOTE:
        if not quote:
            errors["quote"] = "Enter the quote"
        if not quote_by:
            errors["quote_by"] = "Say who said it"
        kept.update(quote=quote, quote_by=quote_by)
    if errors:
        raise ValidationError(errors)
    return kept


def _subject_taken(*, tag, story, journal_entry, cycle):
    taken = ValueTag.objects.filter(story=story, journal_entry=journal_entry, cycle=cycle)
    if tag.pk:
        taken = taken.exclude(pk=tag.pk)
    return taken.exists()


@transaction.atomic
def value_tag_save(
    *,
    actor,
    cycle,
    evidence_kind="",
    tag=None,
    story=None,
    journal_entry=None,
    **evidence,
):
    """Add a tag to `story` or `journal_entry`, or change `tag`. One tag per cycle each."""
    evidence = {name: evidence.get(name) for name in EVIDENCE_FIELDS}
    for name in ("figure_unit", "url", "quote", "quote_by"):
        evidence[name] = (evidence[name] or "").strip()
    kept = evidence_kept(evidence_kind=evidence_kind, **evidence)
    created = tag is None
    if created:
        tag = ValueTag(story=story, journal_entry=journal_entry, tagged_by=actor)
    if _subject_taken(tag=tag, story=tag.story, journal_entry=tag.journal_entry, cycle=cycle):
        raise ValidationError({"cycle": "It already claims this cycle: change that tag instead"})
    tag.cycle = cycle
    tag.evidence_kind = evidence_kind
    for name, value in kept.items():
        setattr(tag, name, value)
    tag.updated_at = timezone.now()
    tag.save()
    audit_log(
        actor=actor,
        action="value_tag.add" if created else "value_tag.change",
        target=tag,
        data={"cycle": cycle, "evidence": evidence_kind},
    )
    return tag


@transaction.atomic
def value_tag_remove(*, tag, actor):
    audit_log(actor=actor, action="value_tag.remove", target=tag, data={"cycle": tag.cycle})
    tag.delete()
