"""Properties that must hold for any input, checked with generated inputs (hypothesis):
the Markdown sanitiser, the upload validator and the calendar files.

No database: the calendar is built from unsaved meetings. Examples are not stored between
runs (database=None), so the tests leave nothing behind in the working tree.
"""

import contextlib
import io
import re
import warnings
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from communities.models import Community, Network
from core import uploads as files
from core.markdown import ATTRIBUTES, TAGS, render_markdown
from meetings import ical
from meetings.models import Meeting

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# Markdown -----------------------------------------------------------------------------

ALLOWED_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster"}

NASTY_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript&colon;alert(1)",
    "javascript&#58;alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "file:///etc/passwd",
    "https://example.org/ok",
    "http://example.org/?q=<script>",
    "mailto:someone@example.org",
    "/relative/path",
    "#fragment",
    "//evil.example/",
]
TAG_NAMES = [
    "script",
    "style",
    "iframe",
    "img",
    "a",
    "svg",
    "math",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "details",
    "template",
    "noscript",
    "textarea",
    "title",
    "xmp",
    "plaintext",
    "base",
    "meta",
    "link",
    "p",
    "div",
    "b",
    "table",
    "td",
    "SCRIPT",
    "ScRiPt",
]
ATTRIBUTE_NAMES = [
    "onclick",
    "onerror",
    "ONLOAD",
    "onmouseover",
    "style",
    "href",
    "src",
    "srcdoc",
    "formaction",
    "xlink:href",
    "action",
    "title",
    "scope",
    "class",
    "id",
]
attribute_values = st.one_of(
    st.sampled_from(NASTY_URLS),
    st.sampled_from(["alert(1)", "expression(alert(1))", "background:url(javascript:x)"]),
    st.text(max_size=20),
)


@st.composite
def html_attribute(draw):
    name = draw(st.sampled_from(ATTRIBUTE_NAMES))
    value = draw(attribute_values)
    quote = draw(st.sampled_from(['"', "'", ""]))
    return f" {name}={quote}{value}{quote}"


@st.composite
def html_tag(draw):
    name = draw(st.sampled_from(TAG_NAMES))
    attributes = "".join(draw(st.lists(html_attribute(), max_size=3)))
    ending = draw(st.sampled_from([">", "/>", "", " >"]))
    inner = draw(st.sampled_from(["", "alert(1)", "x", "<b>", "</p>", "<!--", "-->"]))
    closing = draw(st.sampled_from(["", f"</{name}>", f"</{name}", "</"]))
    return f"<{name}{attributes}{ending}{inner}{closing}"


markdown_snippets = st.one_of(
    st.sampled_from(NASTY_URLS).map(lambda url: f"[click]({url})"),
    st.sampled_from(NASTY_URLS).map(lambda url: f"![picture]({url})"),
    st.sampled_from(NASTY_URLS).map(lambda url: f"<{url}>"),
    st.sampled_from(NASTY_URLS).map(lambda url: f"[ref]\n\n[ref]: {url}\n"),
    st.sampled_from(NASTY_URLS).map(lambda url: f'[t]({url} "title")'),
    st.sampled_from(["\n", "\n\n", "    ", "```\n", "> ", "- ", "1. ", "| a | b |\n|---|---|\n"]),
    st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "&lt;", "&#0;", "\x00", "`"]),
)
markdownish = st.lists(st.one_of(html_tag(), markdown_snippets, st.text(max_size=20)), max_size=12)


def url_scheme(url):
    """The scheme a browser would see: it drops surrounding C0 controls and spaces and
    any tab or newline inside before looking for the colon."""
    url = re.sub(r"[\t\n\r]", "", url.strip("".join(chr(c) for c in range(0x21))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", url)
    return match.group(1).lower() if match else None


def assert_safe_html(html):
    assert "<script" not in html.lower() and "<style" not in html.lower()
    page = BeautifulSoup(html, "html.parser")
    for tag in page.find_all(True):
        assert tag.name in TAGS, tag
        assert tag.name not in {"script", "style", "iframe"}
        # nh3 also keeps `lang` and `title` on every tag (its generic attributes): plain text.
        allowed = ATTRIBUTES.get(tag.name, set()) | {"lang", "title"}
        allowed |= {"rel"} if tag.name == "a" else set()
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), tag
            assert name in allowed, tag
            if name in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                assert scheme is None or scheme in ALLOWED_SCHEMES, tag


@FUZZ
@given(st.text())
def test_markdown_from_any_text_is_safe(text):
    assert_safe_html(render_markdown(text))


@FUZZ
@given(markdownish.map("".join))
def test_markdown_with_html_and_links_is_safe(text):
    html = render_markdown(text)
    assert_safe_html(html)
    # Rendering what we rendered (say, a quoted post) is just as safe and does not fail.
    assert_safe_html(render_markdown(html))


def test_markdown_keeps_allowed_links():
    html = render_markdown("[NHS](https://www.nhs.uk) and [mail](mailto:team@example.org)")
    links = BeautifulSoup(html, "html.parser").find_all("a")
    assert [a["href"] for a in links] == ["https://www.nhs.uk", "mailto:team@example.org"]


# Uploads ------------------------------------------------------------------------------

MAGIC = [b"", b"PK\x03\x04", b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"\xef\xbb\xbf"]


def check(data, name):
    """check_upload's answer: a CheckedFile, or None when refused. Anything else escapes."""
    try:
        return files.check_upload(SimpleUploadedFile(name, data))
    except files.UploadRefused:
        return None


names = st.sampled_from(["a.txt", "a.csv", "a.pdf", "a.docx", "a.odt", "a.png", "noext"])


@FUZZ
@given(st.sampled_from(MAGIC), st.binary(max_size=2048), names)
def test_any_bytes_are_accepted_as_a_known_kind_or_refused(prefix, data, name):
    checked = check(prefix + data, name)
    if checked is not None:
        assert checked.extension in files.CONTENT_TYPES
        assert checked.content_type == files.CONTENT_TYPES[checked.extension]
        assert checked.name.endswith("." + checked.extension)


@FUZZ
@given(st.sampled_from(MAGIC), st.binary(max_size=512), st.text(max_size=40))
def test_detect_with_any_name_returns_a_known_kind_or_refuses(prefix, data, name):
    with contextlib.suppress(files.UploadRefused):
        assert files.detect(prefix + data, name) in files.CONTENT_TYPES


def build_zip(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with (
        warnings.catch_warnings(action="ignore", category=UserWarning),  # duplicate names
        zipfile.ZipFile(buffer, "w", compression=compression) as archive,
    ):
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


ODT_PARTS = [("mimetype", files.CONTENT_TYPES["odt"]), ("content.xml", "<o/>")]
VALID_ZIPS = [
    build_zip([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w/>" * 50)]),
    build_zip(ODT_PARTS, zipfile.ZIP_STORED),
    # zipfile reads every method it knows, each with its own decompressor and errors.
    build_zip(ODT_PARTS, zipfile.ZIP_DEFLATED),
    build_zip(ODT_PARTS, zipfile.ZIP_BZIP2),
    build_zip(ODT_PARTS, zipfile.ZIP_LZMA),
]


@FUZZ
@given(st.sampled_from(VALID_ZIPS), st.data())
def test_damaged_archives_are_accepted_or_refused_but_never_crash(archive, data):
    damaged = bytearray(archive)
    # Often in the first member (its header and compressed data), else anywhere.
    last = data.draw(st.sampled_from([100, len(damaged) - 1]))
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, last))
        damaged[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        del damaged[data.draw(st.integers(4, len(damaged))) :]  # truncated
    checked = check(bytes(damaged), "plan.docx")
    assert checked is None or checked.extension in files.CONTENT_TYPES


safe_names = st.from_regex(r"(word|xl|docProps)/[a-z]{1,8}\.(xml|png)", fullmatch=True)
member_names = st.one_of(
    safe_names,
    safe_names,
    safe_names,
    st.sampled_from(["../x", "a/../../x", "/abs", "\\abs", "..\\x", "C:/x", "d:x", "a/..", ".."]),
    st.text(alphabet="ab./\\:", min_size=1, max_size=8),
)
member_data = st.one_of(
    st.binary(max_size=64),
    st.binary(max_size=64),
    st.binary(max_size=64),
    # Runs of one byte compress about a thousand times: bombs, when large enough.
    st.tuples(st.integers(0, 255), st.integers(0, 3 * 1024 * 1024)).map(
        lambda pair: bytes([pair[0]]) * pair[1]
    ),
)


def unsafe(name):
    path = name.replace("\\", "/")
    return path.startswith("/") or re.match(r"[A-Za-z]:", path) or ".." in path.split("/")


@settings(FUZZ, max_examples=60)
@given(
    st.lists(st.tuples(member_names, member_data), max_size=8),
    st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]),
    st.integers(2, 12),
    st.integers(1024, 4 * 1024 * 1024),
)
def test_accepted_archives_respect_the_caps(members, compression, max_entries, max_unpacked):
    data = build_zip(
        [("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w/>"), *members],
        compression,
    )
    with override_settings(
        RESOURCE_MAX_ARCHIVE_ENTRIES=max_entries, RESOURCE_MAX_UNPACKED_BYTES=max_unpacked
    ):
        checked = check(data, "plan.docx")
    event("accepted" if checked else "refused")
    if checked is None:
        return
    assert checked.extension == "docx"
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert len(infos) <= max_entries
    assert sum(info.file_size for info in infos) <= max_unpacked
    for info in infos:
        assert not unsafe(info.filename)
        if info.file_size > files.BOMB_MIN_BYTES:
            assert info.file_size <= files.BOMB_RATIO * info.compress_size


# What browsers take for HTML when they sniff (the WHATWG MIME Sniffing standard), and SVG.
SNIFFED_AS_HTML = [
    "<!DOCTYPE HTML",
    "<HTML",
    "<HEAD",
    "<SCRIPT",
    "<IFRAME",
    "<H1",
    "<DIV",
    "<FONT",
    "<TABLE",
    "<A",
    "<STYLE",
    "<TITLE",
    "<B",
    "<BODY",
    "<BR",
    "<P",
    "<!--",
]


@st.composite
def markup_documents(draw):
    start = draw(st.sampled_from([*SNIFFED_AS_HTML, "<?xml", "<svg"]))
    start = "".join(c.lower() if draw(st.booleans()) else c for c in start)
    after = draw(st.sampled_from([" ", ">"]))
    padding = draw(st.text(alphabet=" \t\r\n\x0c", max_size=5))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    rest = draw(st.text(max_size=200))
    return (bom + padding + start + after + rest).encode()


@FUZZ
@given(markup_documents(), st.sampled_from(["notes.txt", "data.csv", "notes", "a.pdf"]))
def test_markup_is_never_accepted_as_text(data, name):
    checked = check(data, name)
    assert checked is None or checked.extension not in {"txt", "csv"}


@FUZZ
@given(st.text(max_size=200), st.text(max_size=200))
def test_a_script_tag_anywhere_in_text_is_refused(before, after):
    assert check(f"{before}<script>{after}".encode(), "notes.txt") is None


# Calendar -----------------------------------------------------------------------------

# RFC 5545 forbids control characters in text values (except tab); lines end in CRLF.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
calendar_text = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=30),
        st.sampled_from(
            ["\r\n", "\r", "\n", ",", ";", ":", "\\", "\\n", "\\N", '"', "\t", "é", "😀"]
        ),
        st.sampled_from(["\x00", "\x0b", "\x0c", "\x1c", "\x1f", "\x7f", "\x85", "\u2028"]),
        st.just("\r\nATTENDEE:mailto:evil@example.org"),
        st.just("x" * 200),
    ),
    max_size=10,
).map("".join)


def as_read_back(value):
    """What a calendar can carry: no control characters, one newline for any line break."""
    value = "".join(c for c in value if c in "\t\r\n" or not CONTROL.match(c))
    return value.replace("\r\n", "\n").replace("\r", "\n")


def unsaved_meeting(*, title, host, agenda="", venue="", on_network=False, cancelled=False):
    start = datetime(2030, 3, 31, 9, 30, tzinfo=UTC)
    if on_network:
        owner = {"network": Network(pk=1, name=host)}
    else:
        owner = {"community": Community(pk=1, name=host)}
    return Meeting(
        pk=7,
        title=title,
        agenda=agenda,
        venue=venue,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        updated_at=start,
        format=Meeting.Format.HYBRID if venue else Meeting.Format.ONLINE,
        joining_link="https://meet.example.org/abc?x=1,2;3",
        status=Meeting.Status.CANCELLED if cancelled else Meeting.Status.SCHEDULED,
        **owner,
    )


def unescape(raw):
    """RFC 5545 TEXT unescaping, for X- properties, which icalendar hands back raw."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw)


def assert_well_formed(ics):
    assert ics.endswith("\r\n")
    for line in ics.split("\r\n"):
        assert len(line.encode()) <= 75, line
        assert not CONTROL.search(line), line


@settings(FUZZ, max_examples=100)
@given(
    title=calendar_text,
    agenda=calendar_text,
    venue=calendar_text,
    host=calendar_text,
    on_network=st.booleans(),
    cancelled=st.booleans(),
    with_link=st.booleans(),
)
def test_calendar_round_trips_and_nothing_is_injected(
    title, agenda, venue, host, on_network, cancelled, with_link
):
    meeting = unsaved_meeting(
        title=title,
        agenda=agenda,
        venue=venue,
        host=host,
        on_network=on_network,
        cancelled=cancelled,
    )
    ics = ical.meeting_ics(meeting, with_joining_link=with_link)
    assert_well_formed(ics)

    parsed = Calendar.from_ical(ics)
    assert set(parsed) == {"PRODID", "VERSION", "METHOD"}
    [event] = parsed.subcomponents
    # A venue of nothing but control characters is no venue: not online either, so no LOCATION.
    location = as_read_back(venue) or ("" if venue else "Online")
    expected = {"UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION"}
    expected |= {"URL", "STATUS", "ORGANIZER"} | ({"LOCATION"} if location else set())
    assert set(event) == expected
    assert str(event["ORGANIZER"]) == ical.organizer()  # typed text never reaches it
    assert not event.subcomponents
    assert str(event["SUMMARY"]) == as_read_back(f"{title} ({host})")
    assert str(event.get("LOCATION", "")) == location
    agenda = as_read_back(agenda).strip()
    description = str(event["DESCRIPTION"])
    assert description.startswith(agenda)
    assert description.endswith("http://testserver/meetings/7/")
    assert ("Join online: https://meet.example.org/abc?x=1,2;3" in description) == with_link
    assert str(event["STATUS"]) == ("CANCELLED" if cancelled else "CONFIRMED")


@settings(FUZZ, max_examples=50)
@given(name=calendar_text, titles=st.lists(calendar_text, min_size=1, max_size=3))
def test_community_feed_round_trips(name, titles):
    meetings = []
    for number, title in enumerate(titles):
        meeting = unsaved_meeting(title=title, host=name)
        meeting.pk = number + 1
        meetings.append(meeting)
    ics = ical.calendar(meetings, name=name, joining_link_for={1}).decode()
    assert_well_formed(ics)
    parsed = Calendar.from_ical(ics)
    assert set(parsed) == {"PRODID", "VERSION", "CALSCALE", "X-WR-CALNAME"}
    assert unescape(str(parsed["X-WR-CALNAME"])) == as_read_back(name)
    events = parsed.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [as_read_back(f"{t} ({name})") for t in titles]


def test_a_typed_backslash_n_stays_as_typed():
    meeting = unsaved_meeting(title=r"Shared drive C:\New\notes", host="F")
    event = Calendar.from_ical(ical.meeting_ics(meeting, with_joining_link=False)).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == r"Shared drive C:\New\notes (F)"


@pytest.mark.parametrize(
    "title",
    [
        "Review\r\nATTENDEE;CN=Evil:mailto:evil@example.org",
        "Review\rATTENDEE:mailto:evil@example.org",
        "Review\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Fake",
        "Review\x0bATTENDEE:mailto:evil@example.org",
    ],
)
def test_a_title_cannot_add_a_property_or_an_event(title):
    meeting = unsaved_meeting(title=title, host="Falls")
    ics = ical.meeting_ics(meeting, with_joining_link=False)
    assert_well_formed(ics)
    lines = ics.split("\r\n")
    assert not any(line.startswith("ATTENDEE") for line in lines)
    assert lines.count("BEGIN:VEVENT") == 1
