from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render

from dashboard import selectors


@login_not_required
def home(request):
    if request.user.is_authenticated:
        return render(request, "dashboard/home.html", selectors.home_context(user=request.user))
    return render(request, "dashboard/welcome.html", selectors.welcome_context())
