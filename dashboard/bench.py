"""The floor of `make bench`: the cheapest page this stack can serve.

One trivial query (the first community by primary key) and a tiny template that does not
extend the base layout, through the whole middleware stack. Every page of the benchmark is
reported as a multiple of this page's latency measured in the same run. Wired in
cop_platform/urls.py only when settings.BENCHMARK_FLOOR is true (never in a deployment).
"""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render

from communities.models import Community


@login_not_required
def floor(request):
    name = Community.objects.order_by("pk").values_list("name", flat=True).first()
    return render(request, "bench/floor.html", {"name": name or ""})
