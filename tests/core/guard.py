"""A person's journey through a form guarded against patient data (core.patient_data),
shared by the tests of every wired form: flagged text is refused, quoted next to its
field, kept in the form and not saved; ticking the box saves it with one audit entry;
clean text saves with no box shown."""

from core.models import AuditEntry
from core.patient_data import CONFIRM_FIELD
from tests.conftest import error_summary, soup

NHS_NUMBER = "943 476 5919"
FLAGGED = f"Discussed the patient with NHS number {NHS_NUMBER} at length."


def confirmations():
    return AuditEntry.objects.filter(action="patient_data.confirmed")


def assert_guarded(client, url, data, *, field, count=None, made=None, clean=None):
    """`data` posts the form with FLAGGED in `field`; `count()` counts what was saved. For a
    form that makes something, `made` (the model's objects) counts instead, and the audit
    entry must be of the one made with FLAGGED. `clean` (optional) overrides the clean text
    posted last. Returns the audit entry."""
    count = count or made.count
    page = soup(client.get(url))
    assert page.find(attrs={"name": CONFIRM_FIELD}) is None
    before = count()

    response = client.post(url, {**data, field: FLAGGED})
    assert response.status_code == 200
    page = soup(response)
    error = page.find(id=f"id_{field}_error")
    assert error is not None, "the message is next to the field"
    assert error.find("mark").get_text() == NHS_NUMBER
    assert "looks like an NHS number" in error.get_text()
    assert any(NHS_NUMBER in line for line in error_summary(page))
    typed = page.find(attrs={"name": field})
    assert FLAGGED in (typed.get_text() if typed.name == "textarea" else typed["value"])
    box = page.find(attrs={"name": CONFIRM_FIELD})
    assert box is not None and box["type"] == "checkbox"
    assert page.find("label", attrs={"for": box["id"]}).get_text() == (
        "This is not about a real patient"
    )
    assert count() == before
    assert not confirmations().exists()

    response = client.post(url, {**data, field: FLAGGED, CONFIRM_FIELD: "on"})
    assert response.status_code == 302, soup(response).select(".nhsuk-error-message")
    assert count() == before + 1
    entry = confirmations().get()
    assert entry.data["kinds"] == ["nhs_number"]
    assert [f["field"] for f in entry.data["findings"]] == [field]
    assert NHS_NUMBER not in str(entry.data)

    response = client.post(url, {**data, field: clean or "Nothing about anyone."})
    assert response.status_code == 302
    assert count() == before + 2
    assert confirmations().count() == 1
    if made is not None:
        assert entry.target == made.get(**{field: FLAGGED})
    return entry
