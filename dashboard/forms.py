from django import forms

from accounts.models import Region
from communities.models import Community
from core.forms import SuggestingInput, suggest

SORTS = [
    ("name", "Name"),
    ("members", "Members"),
    ("meetings_90", "Meetings in the last 90 days"),
    ("flag_count", "Number of health flags"),
    ("no_meeting", "No meeting for 60 days"),
    ("no_convener", "No active convener"),
    ("attendance_falling", "Attendance falling"),
    ("requests_waiting", "Join requests waiting"),
    ("reviews_due", "Resources past review"),
    ("question_unanswered", "Questions unanswered for 14 days"),
    ("last_activity", "Last activity"),
]


class DashboardFilterForm(forms.Form):
    # The viewer's networks are read once by the view (a handful of rows): a choice among
    # them by slug, cleaned to the Network, with the same options, values and message as a
    # ModelChoiceField, which would read them again to validate and again to draw the select.
    network = forms.ChoiceField(
        required=False,
        error_messages={
            "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]
        },
    )
    region = forms.ChoiceField(required=False, choices=[("", "All regions"), *Region.choices])
    phase = forms.ChoiceField(
        required=False, choices=[("", "All phases"), *Community.Phase.choices]
    )
    topic = forms.CharField(required=False, max_length=100, widget=SuggestingInput)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORTS)

    def __init__(self, *args, networks, topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        suggest(self, ["topic"], topics)
        self.networks = {network.slug: network for network in networks}
        self.fields["network"].choices = [
            ("", "All networks"),
            *((network.slug, str(network)) for network in networks),
        ]

    def clean_network(self):
        slug = self.cleaned_data["network"]
        return self.networks[slug] if slug else None
