"""Every Django form, ours and allauth's, renders with the NHS.UK design system.

The renderer's templates (templates/components/forms/) draw the error summary and each
field's label, hint and error message; the bound field adds the design system's classes
to the widgets. One place, so no form can forget the error-summary pattern.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.forms import Form, URLField, widgets
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

from core.uploads import UploadRefused, check_upload

_KINDS = (
    (widgets.RadioSelect, "radios"),
    (widgets.CheckboxSelectMultiple, "checkboxes"),
    (widgets.CheckboxInput, "checkbox"),
    (widgets.Select, "select"),
    (widgets.Textarea, "textarea"),
    (widgets.ClearableFileInput, "file"),
    (widgets.FileInput, "file"),
    (widgets.HiddenInput, "hidden"),
)
_CLASSES = {
    "input": ("nhsuk-input", "nhsuk-input--error"),
    "textarea": ("nhsuk-textarea", "nhsuk-textarea--error"),
    "select": ("nhsuk-select", "nhsuk-select--error"),
    "file": ("nhsuk-file-upload", "nhsuk-file-upload--error"),
    "radios": ("nhsuk-radios__input", ""),
    "checkboxes": ("nhsuk-checkboxes__input", ""),
    "checkbox": ("nhsuk-checkboxes__input", ""),
    "hidden": ("", ""),
}


class NHSUKBoundField(BoundField):
    @property
    def nhsuk_kind(self):
        for widget_class, kind in _KINDS:
            if isinstance(self.field.widget, widget_class):
                return kind
        return "input"

    @property
    def is_empty_group(self):
        """A group of radios or checkboxes with no option at all: nothing to draw."""
        return self.nhsuk_kind in ("radios", "checkboxes") and not list(self.field.choices)

    @property
    def error_anchor(self):
        """The id the error summary links to: the first option of a group."""
        if self.nhsuk_kind in ("radios", "checkboxes"):
            return f"{self.auto_id}_0"
        return self.auto_id

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        base, error = _CLASSES[self.nhsuk_kind]
        classes = [c for c in (attrs.get("class", ""), base, error if self.errors else "") if c]
        if classes:
            attrs["class"] = " ".join(classes)
        return attrs


class NHSUKFormRenderer(TemplatesSetting):
    form_template_name = "components/forms/form.html"
    field_template_name = "components/forms/field.html"
    bound_field_class = NHSUKBoundField


class SuggestingInput(widgets.TextInput):
    """A text input that offers values as people type, from the browser's own <datalist>:
    keyboard and screen-reader support come with it, and no script. The form sets
    `suggestions` (a list of strings); without any it is a plain text input."""

    template_name = "components/forms/suggesting_input.html"

    def __init__(self, attrs=None, suggestions=()):
        super().__init__(attrs)
        self.suggestions = list(suggestions)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        if self.suggestions and widget["attrs"].get("id"):
            widget["list_id"] = f"{widget['attrs']['id']}_suggestions"
            widget["attrs"]["list"] = widget["list_id"]
            widget["suggestions"] = self.suggestions
        return context


def suggest(form, names, suggestions):
    """Offer these suggestions in the form's fields of these names (SuggestingInput)."""
    for name in names:
        form.fields[name].widget.suggestions = list(suggestions)


class DateInput(widgets.DateInput):
    """The browser's date picker. Its value is always ISO 8601 (2027-08-03): given the
    locale's 03/08/2027 a browser shows the field empty, and the saved date is lost on the
    next save. Every date field of the site uses this widget (tests/test_forms.py)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(widgets.DateTimeInput):
    """The browser's date-and-time picker, with its ISO value (2027-08-03T09:30)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def checked_upload(upload):
    """For a form's clean_<file field>: the upload when core.uploads accepts it (or when none
    was given); otherwise its refusal, as the field's error."""
    if upload:
        try:
            check_upload(upload)
        except UploadRefused as exc:
            raise ValidationError(exc.messages) from exc
    return upload


def check_end_after_start(form, cleaned, start="starts_at", end="ends_at"):
    """For a form's clean(): an end at or before the start is an error next to the end."""
    if cleaned.get(start) and cleaned.get(end) and cleaned[end] <= cleaned[start]:
        form.add_error(end, "The end must be after the start")


class ConfirmForm(Form):
    """A confirmation with no fields: the POST is the answer."""


class HttpsURLField(URLField):
    """A URL field that assumes https:// when the scheme is left out (Django 6's default)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


# For the admin's model forms: link fields assume https, as every form of the site does.
ADMIN_HTTPS_URLS = {models.URLField: {"form_class": HttpsURLField}}
