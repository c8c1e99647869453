"""The patient-identifiable data guard (core.patient_data): the rules, then the form mixin."""

import re

import pytest
from bs4 import BeautifulSoup
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from core.models import AuditEntry
from core.patient_data import (
    CONFIRM_FIELD,
    PatientDataGuardMixin,
    audit_patient_data_confirmed,
    find_patient_identifiers,
    is_valid_nhs_number,
)


def check_digit(nine):
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    return (11 - total % 11) % 11  # 11 → 0; 10 stays 10 (no valid number)


def kinds(text):
    return [f.kind for f in find_patient_identifiers(text)]


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
separators = st.sampled_from(["", " ", "-"])
# Text around a number: no digits, and not ending or starting with a separator that
# could join it to other digits.
surrounding = st.text(alphabet=st.characters(blacklist_categories=("Nd", "Cs")), max_size=30)


# --- NHS numbers ---------------------------------------------------------------------------


@given(nine=nine_digits, sep=separators, before=surrounding, after=surrounding)
def test_every_number_with_the_right_check_digit_is_found(nine, sep, before, after):
    check = check_digit(nine)
    if check == 10:
        return  # no valid number has these nine digits: the next test covers it
    number = f"{nine[:3]}{sep}{nine[3:6]}{sep}{nine[6:]}{check}"
    text = f"{before} {number} {after}"
    found = [f for f in find_patient_identifiers(text) if f.kind == "nhs_number"]
    assert [(f.text, f.start) for f in found] == [(number, len(before) + 1)]
    assert is_valid_nhs_number(f"{nine}{check}")


@given(nine=nine_digits, wrong=st.integers(0, 9), sep=separators)
def test_a_wrong_check_digit_or_check_value_10_is_not_found(nine, wrong, sep):
    check = check_digit(nine)
    if wrong == check:
        wrong = (wrong + 1) % 10
    number = f"{nine[:3]}{sep}{nine[3:6]}{sep}{nine[6:]}{wrong}"
    assert "nhs_number" not in kinds(f"Number {number} here")
    assert not is_valid_nhs_number(f"{nine}{wrong}")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_text_without_ten_digit_runs_has_no_nhs_number(text):
    joined = re.sub(r"[ -]", "", text)
    if re.search(r"\d{10}", joined, re.ASCII):
        return
    assert "nhs_number" not in kinds(text)


@pytest.mark.parametrize("text", ["943 476 5919", "9434765919", "943-476-5919"])
def test_the_three_written_forms_of_a_number(text):
    assert kinds(f"NHS no. {text}.") == ["nhs_number"]


@pytest.mark.parametrize(
    "text",
    [
        "9434765918",  # wrong check digit
        "94347659190",  # eleven digits: a phone number, not an NHS number
        "0207 946 0123",  # 4-3-4: a phone number
        "943 4765 919",  # grouped differently
        "١٢٣٤٥٦٧٨٩٠",  # not ASCII digits
    ],
)
def test_near_misses_are_not_numbers(text):
    assert "nhs_number" not in kinds(text)


def test_check_value_10_is_no_number():
    # 1000000001 → weights give 10, check = 11 - 10 = 1 (valid); 0000000060 → 12 → 11 - 1 = 10
    assert is_valid_nhs_number("1000000001")
    assert check_digit("000000006") == 10
    assert not any(is_valid_nhs_number(f"000000006{d}") for d in range(10))


# --- dates of birth, and postcodes next to dates -------------------------------------------

# What each rule finds in a text, and the span it quotes.
FOUND = {
    "date_of_birth": [
        ("Seen: Mrs Jane Doe, DOB 12/03/1941, on the ward", "Mrs Jane Doe, DOB 12/03/1941"),
        ("Mr J Smith d.o.b. 3.3.41 came in", "Mr J Smith d.o.b. 3.3.41"),
        ("Doris, born 3 March 1941, lives alone", "Doris, born 3 March 1941"),
        ("Jane Doe (date of birth: 1941-03-12)", "Jane Doe (date of birth: 1941-03-12"),
        ("DOB: March 12, 1941 — Jane Doe", "DOB: March 12, 1941 — Jane Doe"),
        ("Mrs Doe, 12/03/1941, was discharged", "Mrs Doe, 12/03/1941"),
        ("Mr Patel b. 3rd of Mar 1950", "Mr Patel b. 3rd of Mar 1950"),
    ],
    "postcode_and_date": [
        ("Lives at 1 High St, SW1A 1AA. Fell on 12/03/2024.", "SW1A 1AA. Fell on 12/03/2024"),
        ("admitted 3 March 2024 from m1 1ae", "3 March 2024 from m1 1ae"),
        ("LS16AB 2024-03-12", "LS16AB 2024-03-12"),
    ],
}


@pytest.mark.parametrize(
    ("kind", "text", "span"), [(kind, *case) for kind, cases in FOUND.items() for case in cases]
)
def test_a_date_of_birth_or_a_postcode_next_to_a_date_is_found(kind, text, span):
    found = [f for f in find_patient_identifiers(text) if f.kind == kind]
    assert [f.text for f in found] == [span]
    assert text[found[0].start : found[0].end] == span


@pytest.mark.parametrize(
    "text",
    [
        "DOB 12/03/1941",  # a date of birth with no name: identifies no one
        "We met someone born 3 March 1941",  # no capitalised name next to it
        "The patient, DOB 12/03/1941",  # a role, not a name
        "Dr Smith, 12/03/2024, presented the audit",  # a recent date: a meeting
        "Mrs Jane Doe was born in 1941",  # no full date
        "Jane Doe, DOB 31/02/1941",  # no such date
        "Jane Doe chaired the meeting on 12/03/1941",  # no birth marker, no title
    ],
)
def test_near_misses_are_not_dates_of_birth(text):
    assert "date_of_birth" not in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        # A meeting date next to a hospital's postcode, with no name: a place, not a person.
        "Next meeting 12/03/2024 at St Thomas' Hospital, SE1 7EH",
        "Venue: Room 3, Leeds General Infirmary, LS1 3EX. Date: 12/03/2024",
        "Lives at SW1A 1AA",  # no date
        "SW1A 1AA" + " and a great deal more text in between them" + " 12/03/2024",  # far apart
        "Version 12/03/2024 of the toolkit",  # no postcode
    ],
)
def test_near_misses_are_not_postcodes_with_dates(text):
    assert "postcode_and_date" not in kinds(text)


def test_clean_text_has_no_findings():
    text = "We agreed to trial the falls leaflet in two care homes from April."
    assert find_patient_identifiers(text) == []
    assert find_patient_identifiers("") == []


# --- the form mixin ------------------------------------------------------------------------


class NoteForm(PatientDataGuardMixin, forms.Form):
    guarded_fields = ("title", "body")
    title = forms.CharField()
    body = forms.CharField(widget=forms.Textarea)
    other = forms.CharField(required=False)


def test_the_box_is_hidden_until_there_are_findings():
    form = NoteForm()
    html = BeautifulSoup(str(form), "html.parser")
    assert html.find(attrs={"name": CONFIRM_FIELD}) is None
    form = NoteForm({"title": "Falls", "body": "Clean text"})
    assert form.is_valid(), form.errors
    assert CONFIRM_FIELD not in form.cleaned_data
    assert BeautifulSoup(str(form), "html.parser").find(attrs={"name": CONFIRM_FIELD}) is None


def test_findings_refuse_the_form_and_quote_the_span_next_to_the_field():
    form = NoteForm({"title": "Falls", "body": "See <b>943 476 5919</b> please"})
    assert not form.is_valid()
    assert list(form.errors) == ["body"]
    html = BeautifulSoup(str(form), "html.parser")
    error = html.find(id="id_body_error")
    assert error.find("mark").get_text() == "943 476 5919"
    assert "looks like an NHS number" in error.get_text()
    assert html.find("b") is None  # the typed text is escaped in the message
    box = html.find(attrs={"name": CONFIRM_FIELD})
    assert box["type"] == "checkbox"
    label = html.find("label", attrs={"for": box["id"]})
    assert label.get_text() == "This is not about a real patient"
    # The box comes right after the last guarded field, before the others.
    names = [tag["name"] for tag in html.find_all(attrs={"name": True})]
    assert names == ["title", "body", CONFIRM_FIELD, "other"]
    # The summary links to the field.
    assert html.select_one(".nhsuk-error-summary a")["href"] == "#id_body"


@pytest.mark.django_db
def test_ticking_the_box_keeps_the_findings_and_the_audit_has_no_text(user):
    data = {"title": "Mrs Jane Doe, DOB 12/03/1941", "body": "943 476 5919"}
    form = NoteForm({**data, CONFIRM_FIELD: "on"})
    assert form.is_valid(), form.errors
    assert CONFIRM_FIELD not in form.cleaned_data
    assert [f.kind for f in form.patient_data_findings] == ["date_of_birth", "nhs_number"]
    audit_patient_data_confirmed(form, actor=user, target=user)
    entry = AuditEntry.objects.get(action="patient_data.confirmed")
    assert entry.actor == user and entry.target == user
    assert entry.data == {
        "kinds": ["date_of_birth", "nhs_number"],
        "findings": [
            {"field": "title", "kind": "date_of_birth", "start": 0, "end": 28},
            {"field": "body", "kind": "nhs_number", "start": 0, "end": 12},
        ],
    }
    assert "5919" not in str(entry.data) and "Doe" not in str(entry.data)


@pytest.mark.django_db
def test_no_audit_without_findings_even_if_ticked(user):
    form = NoteForm({"title": "Falls", "body": "Clean", CONFIRM_FIELD: "on"})
    assert form.is_valid()
    audit_patient_data_confirmed(form, actor=user, target=user)
    assert not AuditEntry.objects.filter(action="patient_data.confirmed").exists()


@pytest.mark.django_db
def test_a_saved_form_is_audited_said_and_left(user, rf):
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage

    from core.http import saved_response

    request = rf.post("/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    form = NoteForm({"title": "Falls", "body": "943 476 5919", CONFIRM_FIELD: "on"})
    assert form.is_valid(), form.errors
    response = saved_response(request, form, user, "The note has been saved.", "/notes/")
    assert response.status_code == 302 and response["Location"] == "/notes/"
    assert [str(m) for m in get_messages(request)] == ["The note has been saved."]
    assert AuditEntry.objects.get(action="patient_data.confirmed").target == user
