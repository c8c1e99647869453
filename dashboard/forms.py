from django import forms

from accounts.models import Region
from communities.models import Community, Network

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
    ("last_activity", "Last activity"),
]


class DashboardFilterForm(forms.Form):
    network = forms.ModelChoiceField(
        required=False,
        queryset=Network.objects.none(),
        to_field_name="slug",
        empty_label="All networks",
    )
    region = forms.ChoiceField(required=False, choices=[("", "All regions"), *Region.choices])
    phase = forms.ChoiceField(
        required=False, choices=[("", "All phases"), *Community.Phase.choices]
    )
    topic = forms.CharField(required=False, max_length=100)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORTS)

    def __init__(self, *args, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks
