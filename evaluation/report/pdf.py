"""The report as a PDF, drawn on the server by WeasyPrint from the same HTML as the page,
under the same stylesheet (WeasyPrint lays pages out for print media, so the print rules
apply), parsed once per process.

Nothing is fetched from the network: WeasyPrint asks its URL fetcher (StaticFilesOnly) for
every stylesheet, image and font the HTML names, and it answers only with the project's own
static files, read from the static storage (as collectstatic left them) or, in development,
from the folders the finders search. Any other address is refused, and WeasyPrint draws the
page without it. WeasyPrint is imported when a PDF is asked for: it loads Pango, which
nothing else needs."""

import mimetypes
import posixpath
from functools import cache, lru_cache
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, Request

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage


class Refused(ValueError):
    """An address the PDF may not fetch."""


def static_prefix(base_url):
    """Where the static files are, as the HTML drawn against `base_url` names them."""
    return urljoin(base_url, settings.STATIC_URL)


def static_file(name):
    """The bytes of the static file of this name (a path below STATIC_URL), or None."""
    name = posixpath.normpath(unquote(name)).lstrip("/")
    if name.startswith("..") or name in ("", "."):
        return None
    if staticfiles_storage.exists(name):
        with staticfiles_storage.open(name) as handle:
            return handle.read()
    found = finders.find(name)
    if found:
        with open(found, "rb") as handle:
            return handle.read()
    return None


@cache
def _fetcher_class():
    """The URL fetcher class, made when a PDF is first drawn (it extends WeasyPrint's)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        """WeasyPrint's fetcher, answering only with the site's static files and data:
        addresses (their content is in the address itself); it refuses everything else."""

        def __init__(self, base_url):
            super().__init__()
            self.prefix = static_prefix(base_url)

        def fetch(self, url, headers=None):
            if urlsplit(url).scheme == "data":
                # A data: address only, decoded in memory: nothing is opened.
                found = DataHandler().data_open(Request(url))  # noqa: S310  # nosec B310
                return URLFetcherResponse(url, found.read(), dict(found.headers))
            if url.startswith(self.prefix):
                path = urlsplit(url).path
                content = static_file(path[len(urlsplit(self.prefix).path) :])
                if content is not None:
                    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, content, {"Content-Type": kind})
            raise Refused(f"The PDF fetches only the site's own static files, not {url}")

    return StaticFilesOnly


def static_fetcher(base_url):
    """WeasyPrint's url_fetcher for HTML drawn against `base_url`."""
    return _fetcher_class()(base_url)


# The site's stylesheet, the same as the page's: its print rules lay the report out.
STYLESHEET = "css/app.css"


def site_stylesheet(base_url):
    """The site's stylesheet, parsed by WeasyPrint. Parsing the design system's rules takes
    seconds and drawing the report a fraction of one, so each process keeps the parsed
    stylesheet while the file stays the same."""
    content = static_file(STYLESHEET)
    if content is None:
        raise Refused(f"The stylesheet {STYLESHEET} is missing: build the front end")
    return _parsed(content, base_url)


@lru_cache(maxsize=2)
def _parsed(content, base_url):
    from weasyprint import CSS

    return CSS(
        string=content.decode(),
        base_url=urljoin(static_prefix(base_url), STYLESHEET),
        url_fetcher=static_fetcher(base_url),
    )


def render(html, *, base_url):
    """The WeasyPrint document of this HTML, laid out in pages with the site's stylesheet."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url, url_fetcher=static_fetcher(base_url))
    return document.render(stylesheets=[site_stylesheet(base_url)])


def pdf_bytes(html, *, base_url):
    return render(html, base_url=base_url).write_pdf()
