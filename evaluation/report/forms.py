from datetime import date

from django import forms
from django.utils import timezone

from core.forms import DateInput
from evaluation.report.figures import Period

MESSAGES = {
    "start": {"invalid": "Enter the first day of the period as a real date"},
    "end": {"invalid": "Enter the last day of the period as a real date"},
}


def last_twelve_months(today):
    """From the same day a year ago (the day after, so that the period is 12 months to the
    day: 2 April 2025 to 1 April 2026) to today. 29 February a year on is 28 February."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return Period(start=date.fromordinal(year_ago.toordinal() + 1), end=today)


class PeriodForm(forms.Form):
    """The report's period, from the query (?start=2025-04-01&end=2026-03-31). Either date
    left out takes its default: the last 12 months, up to today."""

    start = forms.DateField(
        label="From", required=False, widget=DateInput(), error_messages=MESSAGES["start"]
    )
    end = forms.DateField(
        label="To", required=False, widget=DateInput(), error_messages=MESSAGES["end"]
    )

    def __init__(self, data=None, *, today=None):
        self.today = today or timezone.localdate()
        self.default = last_twelve_months(self.today)
        super().__init__(data, initial={"start": self.default.start, "end": self.default.end})

    def clean_end(self):
        end = self.cleaned_data["end"]
        if end and end > self.today:
            raise forms.ValidationError("The period cannot end after today")
        return end

    def clean(self):
        data = super().clean()
        start = data.get("start") or self.default.start
        end = data.get("end") or self.default.end
        if "start" not in self.errors and "end" not in self.errors and start > end:
            self.add_error("start", "The period must start on or before the day it ends")
        return data

    def period(self):
        """The period asked for (a valid form), or the default one (no dates asked)."""
        data = self.cleaned_data if self.is_bound else {}
        return Period(
            start=data.get("start") or self.default.start,
            end=data.get("end") or self.default.end,
        )
