"""Small request helpers shared by the apps' views."""

from django.core.exceptions import ValidationError


def posted(request):
    """The submitted data on a POST (even one with no fields), None otherwise.

    Not `request.POST or None`: an empty POST (a confirmation button) must still bind the form.
    """
    return request.POST if request.method == "POST" else None


def add_service_errors(form, exc):
    """Show a service's ValidationError next to the right fields (or at the top of the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def service_response(request, form, act):
    """What a valid POST of `form` answers: `act(form.cleaned_data)` calls the service and
    returns the response (a redirect, usually after a message). None when nothing valid was
    posted, or when the service refused with a ValidationError, which then stands on the
    form next to the right fields: the page is shown again with what was typed."""
    if request.method == "POST" and form.is_valid():
        try:
            return act(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return None


def service_form_page(request, form, *, act, **page):
    """The one-form page (`page`: form_page's arguments) whose valid POST calls a service
    through `act`, as service_response says."""
    response = service_response(request, form, act)
    if response is not None:
        return response
    return form_page(request, form, **page)


def confirm_page(request, *, act, done, to, **page):
    """The page that asks "are you sure?" before a step that needs no answer but the button
    (a ConfirmForm; `page`: form_page's arguments). Its POST calls `act()`, shows `done`
    and goes on to `to` (what redirect() takes); a refusal (ValidationError) stands on the
    page, as service_form_page shows it."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from core.forms import ConfirmForm

    def confirmed(_data):
        act()
        messages.success(request, done)
        return redirect(to)

    return service_form_page(request, ConfirmForm(posted(request)), act=confirmed, **page)


def saved_response(request, form, target, message, to=None):
    """After a service has saved what `form` wrote: its patient-data confirmation audited
    on `target`, `message` shown, and on to `to` (`target`'s own page unless given)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from core.patient_data import audit_patient_data_confirmed

    audit_patient_data_confirmed(form, actor=request.user, target=target)
    messages.success(request, message)
    return redirect(target if to is None else to)


def site_url(name, *args):
    """The absolute address of a named URL, for e-mails and calendars (which are read away
    from the site)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL + reverse(name, args=args)


def url_maker(name, *fixed, prefix="", marker="918273645"):
    """key -> the address of the named URL with arguments `fixed` and then `key`: reversed
    once, then only the key changes (a page of fifty replies, each with four links, or a
    batch of digests, reversed each link of each row again). `prefix`: put before the path
    (the site's address, for e-mails). A route the shortcut cannot follow (the marker lost
    or repeated in the path) is reversed for each key."""
    from django.urls import reverse

    head, found, tail = reverse(name, args=[*fixed, marker]).partition(marker)
    if not found or marker in tail:
        return lambda key: prefix + reverse(name, args=[*fixed, key])
    head = prefix + head
    return lambda key: f"{head}{key}{tail}"


def stored_file_download(open_file, *, filename, content_type=None):
    """A stored upload, as an attachment named `filename`: `open_file()` opens it (binary);
    404 when it has gone from storage. The browser may not sniff it into a page, and no
    proxy keeps a copy (it may be private)."""
    from django.http import FileResponse, Http404

    try:
        handle = open_file()
    except FileNotFoundError as exc:
        raise Http404("The file is missing") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def csv_safe(value):
    """A CSV cell that a spreadsheet will not run: text starting with = + - @ is a formula
    to Excel and LibreOffice, so it is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


TABLE_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_download(*, name, header, rows, fmt="csv"):
    """A table as a download: CSV (UTF-8 with a byte-order mark, without which Excel reads
    "Zoë's café" as "ZoÃ«'s cafÃ©") or an Excel workbook. Text that a spreadsheet would run
    as a formula is kept as text in both."""
    from django.http import HttpResponse

    if fmt not in TABLE_FORMATS:
        fmt = "csv"
    response = HttpResponse(content_type=TABLE_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    if fmt == "xlsx":
        _write_xlsx(response, header, rows)
        return response
    import csv

    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return response


def _write_xlsx(response, header, rows):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    bold = Font(bold=True)

    def cell(value, **style):
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # never a formula, whatever the text starts with
        for key, val in style.items():
            setattr(c, key, val)
        return c

    sheet.append([cell(v, font=bold) for v in header])
    for row in rows:
        sheet.append([cell(v) for v in row])
    book.save(response)


def form_page(
    request,
    form,
    *,
    heading,
    submit,
    cancel,
    caption="",
    intro="",
    warning=False,
    crumbs=None,
    summary=None,
    template="components/form_page.html",
    **extra,
):
    """Render the one-form page (templates/components/form_page.html, or a `template` that
    extends it, given the `extra` context it takes). `summary`: (label, value) pairs shown
    above the form, for what is being answered (a join request)."""
    from django.shortcuts import render

    return render(
        request,
        template,
        {
            "form": form,
            "heading": heading,
            "submit_label": submit,
            "cancel_url": cancel,
            "caption": caption,
            "intro": intro,
            "warning": warning,
            "crumbs": crumbs,
            "summary": summary,
            **extra,
        },
    )
