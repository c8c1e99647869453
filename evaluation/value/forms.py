from django import forms
from django.db.models import Q

from core.forms import HttpsURLField
from core.patient_data import PatientDataGuardMixin
from evaluation.value.models import CYCLE_HINTS, STATED, ValueTag
from knowledge.permissions import resources_visible_to


class ValueTagForm(PatientDataGuardMixin, forms.Form):
    """One cycle a story claims, and the evidence it cites (optional: a claim without
    evidence is what the gap page counts as one to follow up)."""

    guarded_fields = ("figure_unit", "quote", "quote_by")

    cycle = forms.ChoiceField(
        label="Which value does it show?",
        choices=[
            (value, f"{label}: {CYCLE_HINTS[value]}") for value, label in ValueTag.Cycle.choices
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the value it shows"},
    )
    evidence_kind = forms.ChoiceField(
        label="What evidence does it cite?",
        choices=ValueTag.Evidence.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="Fill in only the part for the evidence you choose.",
    )
    figure = forms.DecimalField(
        label="The figure",
        required=False,
        max_digits=14,
        decimal_places=2,
        error_messages={"invalid": "Enter the figure as a number, for example 12 or 3.5"},
    )
    figure_unit = forms.CharField(
        label="What the figure measures, with its unit",
        required=False,
        max_length=200,
        help_text="For example: fewer falls a month in the care home.",
    )
    resource = forms.ModelChoiceField(
        label="A document from the library", queryset=None, required=False
    )
    url = HttpsURLField(label="Or a link to the document", required=False, max_length=500)
    quote = forms.CharField(
        label="The quote",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Never anything that could identify a patient.",
    )
    quote_by = forms.CharField(
        label="Who said it",
        required=False,
        max_length=200,
        help_text="A role is enough: for example, a care home manager.",
    )

    def __init__(self, *args, user, network, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        near = Q(community__isnull=True, network=network)
        if community is not None:
            near |= Q(community=community)
        self.fields["resource"].queryset = (
            resources_visible_to(user).filter(near).only("pk", "title").order_by("title")
        )

    @classmethod
    def for_tag(cls, data, *, tag, **kwargs):
        initial = {name: getattr(tag, name) for name in STATED}
        initial["resource"] = tag.resource_id
        return cls(data, initial=initial, **kwargs)
