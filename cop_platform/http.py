"""Small request helpers shared by the apps' views."""


def posted(request):
    """The submitted data on a POST (even one with no fields), None otherwise.

    Not `request.POST or None`: an empty POST (a confirmation button) must still bind the form.
    """
    return request.POST if request.method == "POST" else None
