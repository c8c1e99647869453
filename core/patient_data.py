"""The patient-identifiable data guard: text about to be posted is checked for what could
identify a patient, and the person either edits it or confirms it is not about a real
patient (the confirmation is audited, without the matched text).

What is flagged (the rules are deliberately few and predictable; SECURITY.md lists them):

- nhs_number: ten digits, written together or as 3-3-4 with spaces or dashes
  (9434765919, 943 476 5919, 943-476-5919), not part of a longer run of digits, whose
  modulus-11 check digit is right. Ten digits that fail the check are not flagged.
- date_of_birth: a full date (day, month and year) next to a person's name, when either
  (a) the date follows a birth marker ("DOB", "D.O.B.", "date of birth", "born", "b.") and a
      name is within 60 characters before the marker or 30 after the date, or the name is
      the capitalised word right before the marker ("Doris, born 3 March 1941"); or
  (b) the date follows a titled name directly ("Mrs Jane Doe, 12/03/1941") and is at least
      16 years ago: a recent date next to a name is a meeting, not a birthday.
  A name is a title and a surname ("Mrs Doe", "Mr J Smith", "Mrs Jane Doe") or two or
  three capitalised words ("Jane Doe"). A date of birth with no name nearby is not flagged.
- postcode_and_date: a UK postcode and a full date within 40 characters of each other,
  unless a place-of-care or meeting word (hospital, clinic, surgery, practice, centre,
  trust, room, venue...) stands in the 40 characters before the postcode: a hospital's or
  a venue's postcode next to a meeting date identifies no one; a home postcode next to a
  date (of birth, of admission) can.
"""

import re
from dataclasses import dataclass
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.services import audit_log

CONFIRM_FIELD = "confirm_not_patient_data"
CONFIRM_LABEL = "This is not about a real patient"
MAX_QUOTED = 5  # spans quoted in one field's error message; the rest are counted

MESSAGES = {
    "nhs_number": "looks like an NHS number",
    "date_of_birth": "looks like a person's name with their date of birth",
    "postcode_and_date": "looks like a postcode next to a date, which together can identify someone",
}


@dataclass(frozen=True)
class Finding:
    kind: str  # "nhs_number" | "date_of_birth" | "postcode_and_date"
    start: int  # offsets into the text
    end: int
    text: str  # the matched span
    message: str  # why it was flagged, for the person


# --- NHS numbers ---------------------------------------------------------------------------

# Ten digits as one run or as 3-3-4 with a space or a dash, not inside a longer run.
_NHS = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")


def is_valid_nhs_number(digits: str) -> bool:
    """Ten digits whose last is the modulus-11 check digit of the first nine (weights 10
    down to 2; check = 11 - sum mod 11; 11 means 0 and 10 means no valid number)."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text):
    for m in _NHS.finditer(text):
        if is_valid_nhs_number("".join(m.groups())):
            yield m.start(), m.end()


# --- dates ---------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_DATES = [
    # 12/03/1941, 12.3.41, 12-03-1941 (day first, as in the UK)
    (re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?![\d/-])"), "dmy"),
    # 1941-03-12
    (re.compile(r"(?<![\d-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d-])"), "ymd"),
    # 12 March 1941, 3rd of Mar 1941
    (
        re.compile(rf"\b(\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?({_MONTH}),?\s+(\d{{4}})\b", re.I),
        "dMy",
    ),
    # March 12, 1941
    (re.compile(rf"\b({_MONTH})\s+(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}})\b", re.I), "Mdy"),
]


def _year(text):
    year = int(text)
    if len(text) == 2:  # 41 is 1941, 24 is 2024: the most recent past year ending so
        this_year = timezone.localdate().year
        year += 2000 if 2000 + year <= this_year else 1900
    return year


def _as_date(groups, order):
    parts = dict(zip(order, groups, strict=True))
    month = parts.get("m") or _MONTHS[parts["M"].lower().rstrip(".")]
    try:
        return date(_year(parts["y"]), int(month), int(parts["d"]))
    except ValueError:
        return None


def _dates(text):
    """(start, end, date) of every full date in the text, in order."""
    found = []
    for pattern, order in _DATES:
        for m in pattern.finditer(text):
            when = _as_date(m.groups(), order)
            if when is not None:
                found.append((m.start(), m.end(), when))
    return sorted(found)


# --- names and dates of birth --------------------------------------------------------------

_CAP = r"[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)*"
_TITLE = r"\b(?:Mrs|Mr|Ms|Miss|Mx|Master|Dr|Prof)\.?"
_TITLED_NAME = rf"{_TITLE}\s+(?:(?:[A-Z]\.?|{_CAP})\s+){{0,2}}{_CAP}\b"
# Words that start sentences or describe a role, not names: "The patient, DOB ...".
_NOT_NAMES = {
    "A",
    "An",
    "And",
    "As",
    "At",
    "But",
    "Client",
    "Her",
    "His",
    "Is",
    "My",
    "Our",
    "Patient",
    "Resident",
    "She",
    "He",
    "Their",
    "The",
    "They",
    "This",
    "That",
    "Was",
    "We",
    "Who",
    "Your",
    "Date",
    "Born",
    "Service",
    "User",
}
_NAME = re.compile(rf"{_TITLED_NAME}|\b{_CAP}(?:\s+{_CAP}){{1,2}}\b")
_TITLED = re.compile(_TITLED_NAME)
_WORD_BEFORE = re.compile(rf"\b({_CAP})[\s,:;(-]{{0,3}}$")
_MARKER = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bborn(?:\s+on)?\b|\bb\.)[\s:;,=-]*",
    re.I,
)
_NAME_BEFORE = 60
_NAME_AFTER = 30
_ADULT_YEARS = 16


def _is_name(match):
    return match.group().split()[0] not in _NOT_NAMES


def _name_near(text, start, end):
    """The span of a name ending within _NAME_BEFORE characters before `start`, or the
    capitalised word just before it, or a name starting within _NAME_AFTER after `end`."""
    before = text[max(0, start - _NAME_BEFORE) : start]
    offset = start - len(before)
    names = [m for m in _NAME.finditer(before) if _is_name(m)]
    if names:
        return offset + names[-1].start(), None
    word = _WORD_BEFORE.search(before)
    if word and word.group(1) not in _NOT_NAMES:
        return offset + word.start(1), None
    for m in _NAME.finditer(text, end, min(len(text), end + _NAME_AFTER)):
        if _is_name(m):
            return None, m.end()
    return None


def _dates_of_birth(text, dates):
    at = {start: (end, when) for start, end, when in dates}
    for marker in _MARKER.finditer(text):
        if marker.end() not in at:
            continue
        date_end = at[marker.end()][0]
        name = _name_near(text, marker.start(), date_end)
        if name is not None:
            name_start, name_end = name
            yield (
                marker.start() if name_start is None else name_start,
                date_end if name_end is None else name_end,
            )
    # A titled name directly followed by an old date: "Mrs Jane Doe (12/03/1941)".
    long_ago = timezone.localdate().year - _ADULT_YEARS
    for name in _TITLED.finditer(text):
        gap = re.match(r"[\s,(:;-]{1,4}", text[name.end() :])
        if gap and name.end() + gap.end() in at:
            date_end, when = at[name.end() + gap.end()]
            if when.year <= long_ago:
                yield name.start(), date_end


# --- postcodes next to dates ---------------------------------------------------------------

_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[ABD-HJLNP-UW-Z]{2}\b", re.I)
_PLACE_WORDS = re.compile(
    r"\b(?:hospitals?|clinics?|surgery|practice|centre|center|trust|infirmary|hospice|"
    r"ward|room|venue|office|building|hub|library|school|university|college|hotel|"
    r"meeting|held)\b",
    re.I,
)
_POSTCODE_WINDOW = 40


def _postcodes_with_dates(text, dates):
    for code in _POSTCODE.finditer(text):
        if _PLACE_WORDS.search(text, max(0, code.start() - _POSTCODE_WINDOW), code.start()):
            continue
        for start, end, _ in dates:
            gap = start - code.end() if start >= code.end() else code.start() - end
            if -1 < gap <= _POSTCODE_WINDOW:
                yield min(start, code.start()), max(end, code.end())


# --- the checker ---------------------------------------------------------------------------


def find_patient_identifiers(text: str) -> list[Finding]:
    """Every span of `text` that could identify a patient, in order of where it starts."""
    if not text:
        return []
    dates = _dates(text)
    spans = {
        "nhs_number": _nhs_numbers(text),
        "date_of_birth": _dates_of_birth(text, dates),
        "postcode_and_date": _postcodes_with_dates(text, dates),
    }
    found = {
        Finding(kind, start, end, text[start:end], MESSAGES[kind])
        for kind, pairs in spans.items()
        for start, end in pairs
    }
    return sorted(found, key=lambda f: (f.start, f.end, f.kind))


# --- forms ---------------------------------------------------------------------------------


def _field_message(findings, advice):
    """The error next to a field: each span quoted and highlighted, why, and what to do."""
    quoted = format_html_join(
        "; ",
        "<mark>{}</mark> {}",
        ((f.text, f.message) for f in findings[:MAX_QUOTED]),
    )
    more = len(findings) - MAX_QUOTED
    return format_html(
        "This may identify a patient: {}{}. {}",
        quoted,
        f" (and {more} more)" if more > 0 else "",
        advice,
    )


class PatientDataGuardMixin:
    """For Django forms (Form and ModelForm; put it first among the bases). The texts of
    `guarded_fields` are checked after the form's own cleaning: what could identify a
    patient is refused, quoted in an error on its field, until the person edits it or ticks
    "This is not about a real patient", a box shown only then. Ticked with findings, the
    form keeps them in `patient_data_findings` for `audit_patient_data_confirmed`.

    The box's answer is taken out of cleaned_data, so `service(**form.cleaned_data)`
    still works. A form whose text is not its own field (a journal entry being shared)
    overrides `patient_data_texts`."""

    guarded_fields = ("body",)
    patient_data_advice = f"Remove it, or tick “{CONFIRM_LABEL}” if it is not about a real person"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient_data_findings = []
        self.patient_data_confirmed = False
        self._patient_data_by_field = {}
        confirm = forms.BooleanField(
            label=CONFIRM_LABEL,
            required=False,
            help_text="We record that you confirmed it, not what you wrote.",
        )
        guarded = [name for name in self.guarded_fields if name in self.fields]
        after = guarded[-1] if guarded else None
        fields = {}
        for name, field in self.fields.items():
            fields[name] = field
            if name == after:
                fields[CONFIRM_FIELD] = confirm
        fields.setdefault(CONFIRM_FIELD, confirm)
        self.fields = fields

    def patient_data_texts(self):
        """{name: text} to check, the guarded fields' by default; the name is recorded
        in the audit and chooses the field of the error (patient_data_error_field)."""
        return {
            name: self.cleaned_data[name]
            for name in self.guarded_fields
            if isinstance(self.cleaned_data.get(name), str)
        }

    def patient_data_error_field(self, name):
        """The field whose error quotes what was found in the text `name`."""
        return name if name in self.fields else None

    def clean(self):
        cleaned = super().clean()
        confirmed = bool(self.cleaned_data.pop(CONFIRM_FIELD, False))
        by_field = {}
        for name, text in self.patient_data_texts().items():
            findings = find_patient_identifiers(text)
            if findings:
                by_field[name] = findings
        self._patient_data_by_field = by_field
        self.patient_data_findings = [f for found in by_field.values() for f in found]
        self.patient_data_confirmed = confirmed and bool(by_field)
        if by_field and not confirmed:
            for name, findings in by_field.items():
                message = _field_message(findings, self.patient_data_advice)
                self.add_error(self.patient_data_error_field(name), forms.ValidationError(message))
        return cleaned

    @property
    def shows_patient_data_confirmation(self):
        return bool(self.patient_data_findings)

    def __iter__(self):
        for bound in super().__iter__():
            if bound.name != CONFIRM_FIELD or self.shows_patient_data_confirmation:
                yield bound

    def get_context(self):
        context = super().get_context()
        if not self.shows_patient_data_confirmation:
            context["fields"] = [
                (bound, errors)
                for bound, errors in context["fields"]
                if bound.name != CONFIRM_FIELD
            ]
        return context


def audit_patient_data_confirmed(form, *, actor, target) -> None:
    """One audit entry for a confirmation: the kinds and offsets found, never the text."""
    if not getattr(form, "patient_data_confirmed", False) or not form.patient_data_findings:
        return
    found = [
        {"field": name, "kind": f.kind, "start": f.start, "end": f.end}
        for name, findings in form._patient_data_by_field.items()
        for f in findings
    ]
    audit_log(
        actor=actor,
        action="patient_data.confirmed",
        target=target,
        data={"kinds": sorted({f["kind"] for f in found}), "findings": found},
    )
