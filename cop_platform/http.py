"""Small request helpers shared by the apps' views."""


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


def csv_safe(value):
    """A CSV cell that a spreadsheet will not run: text starting with = + - @ is a formula
    to Excel and LibreOffice, so it is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def form_page(
    request, form, *, heading, submit, cancel, caption="", intro="", warning=False, crumbs=None
):
    """Render the one-form page (templates/components/form_page.html)."""
    from django.shortcuts import render

    return render(
        request,
        "components/form_page.html",
        {
            "form": form,
            "heading": heading,
            "submit_label": submit,
            "cancel_url": cancel,
            "caption": caption,
            "intro": intro,
            "warning": warning,
            "crumbs": crumbs,
        },
    )
