from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render

from dashboard import selectors


@login_not_required
def home(request):
    if request.user.is_authenticated:
        token = request.session.pop("invitation_token", None)
        if token:  # back from sign-up or sign-in: finish answering the invitation
            return redirect("communities:invitation", token)
        return render(request, "dashboard/home.html", selectors.home_context(user=request.user))
    return render(request, "dashboard/welcome.html", selectors.welcome_context())
