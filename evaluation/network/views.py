from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from core.access import AccessDenied
from core.http import table_download
from evaluation.network import caching, exports, presentation, selectors


def network_maps(request):
    """The networks whose map the viewer may open: a programme manager's own, every one for
    staff. Nobody else has any (404, as for a missing page)."""
    networks = selectors.network_list(viewer=request.user)
    if not networks:
        raise AccessDenied("Programme managers only")
    return render(request, "evaluation/network/list.html", {"networks": networks})


def network_map(request, slug):
    """The map, its figures, its spanners and one page of its links (?page=N): the rows of
    every page are computed and cached together, and a page is a slice of them."""
    network = selectors.network_get(viewer=request.user, slug=slug)
    found, drawn = caching.network_page(network=network, viewer=request.user)
    context = {
        **drawn,
        **presentation.spanners(found),
        "network": network,
        "links_page": presentation.links_page(drawn, request.GET.get("page")),
    }
    return render(request, "evaluation/network/map.html", context)


def network_map_graphml(request, slug):
    network = selectors.network_get(viewer=request.user, slug=slug)
    found = caching.network_map(network=network, viewer=request.user)
    response = HttpResponse(
        exports.graphml(found.now, network_name=network.slug),
        content_type="application/graphml+xml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{slugify(network.slug)}-map.graphml"'
    response["Cache-Control"] = "private, no-store"
    return response


def network_map_csv(request, slug):
    network = selectors.network_get(viewer=request.user, slug=slug)
    found = caching.network_map(network=network, viewer=request.user)
    return table_download(
        name=f"{slugify(network.slug)}-map-edges",
        header=exports.CSV_HEADER,
        rows=exports.edge_rows(found.now),
        fmt="csv",
    )
