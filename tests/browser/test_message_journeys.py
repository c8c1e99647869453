"""Private messages in Chromium: a member writes to the author of an offer from its card;
the author answers from the e-mail, through the inbound mail server on loopback (as the
site's mail server would relay it), and both read the conversation; once blocked, the first
member cannot write. A file sent with a message: a disguised one is refused by name, the
real one downloaded by the other member. axe-core and the HTML checker on each page."""

import re
import smtplib

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.inbound.server import InboundController
from communities.models import Membership
from tests.accounts.inbound_mail import outlook, reply_mail
from tests.accounts.test_inbound_server import free_port
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.browser.test_community_journeys import sign_out
from tests.factories import MINIMAL_PDF, CommunityFactory, MembershipFactory, UserFactory

pytestmark = [*JOURNEY, pytest.mark.eager_tasks]  # the author answers the e-mail the message sent


@pytest.fixture
def inbound():
    """`manage.py mail_inbound`'s LMTP server, on a free loopback port."""
    controller = InboundController(hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def _answer_by_e_mail(inbound, author, text):
    """The author's mail program answers the message's e-mail (Outlook's shape, the
    original quoted below), relayed by LMTP to its Reply-To."""
    (sent,) = [m for m in mail.outbox if m.to == [author.email]]
    assert "Could I adapt your falls leaflet" in sent.body
    address = sent.extra_headers["Reply-To"]
    answer = reply_mail(sender=author.email, to=address, text=outlook(text))
    with smtplib.LMTP("127.0.0.1", inbound.port, timeout=10) as client:
        refused = client.sendmail(author.email, [address], answer.as_bytes())
    assert refused == {}


def _signed_in(page, email):
    sign_in(page, email)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _reads_unread(page, reader, writer):
    """Whoever was signed in signs out; the reader signs in and opens the conversation with
    the writer from the list, marked unread."""
    sign_out(page)
    _signed_in(page, reader.email)
    page.goto("/messages/")
    page.get_by_role("link", name=f"{writer.name} (unread)").click()


def test_a_member_contacts_the_author_of_an_offer(page, inbound):
    community = CommunityFactory(name="Falls prevention")
    asker = UserFactory(name="Ada Example")
    author = UserFactory(name="Ben Example")
    MembershipFactory(community=community, user=asker, needs="A leaflet on falls at home")
    MembershipFactory(community=community, user=author)
    Membership.objects.filter(user=author).update(offers="Our falls leaflet, free to adapt")

    _signed_in(page, asker.email)
    page.goto(f"/communities/{community.slug}/needs-and-offers/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Send a message\s+Ben Example$")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a message to Ben Example")
    assert_accessible(page)
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Write your message")
    assert_accessible(page)
    page.get_by_label("Message").fill("Could I adapt your falls leaflet for our care homes?")
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages with Ben Example")
    assert_accessible(page)
    sign_out(page)

    _answer_by_e_mail(inbound, author, "Yes, please do: I will send the editable copy.")

    _signed_in(page, author.email)
    page.goto("/messages/")
    assert_accessible(page)
    page.get_by_role("link", name="Ada Example").click()
    thread = page.locator("main ol")
    expect(thread).to_contain_text("Could I adapt your falls leaflet")
    expect(thread).to_contain_text("Yes, please do: I will send the editable copy.")
    expect(thread).not_to_contain_text("From: Communities of Practice")  # the quote is gone
    assert_accessible(page)
    page.get_by_role("link", name="Block Ada Example").click()
    assert_accessible(page)
    page.get_by_role("button", name="Block").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Message settings")
    expect(page.locator("main")).to_contain_text("Ada Example")
    assert_accessible(page)
    _reads_unread(page, asker, author)
    expect(page.locator("main ol")).to_contain_text("Yes, please do")
    expect(page.locator("main")).to_contain_text("You cannot send messages to this person.")
    expect(page.get_by_label("Message")).to_have_count(0)
    assert_accessible(page)


def test_a_member_sends_a_file_and_the_other_downloads_it(page, tmp_path):
    """Ada attaches a web page disguised as a PDF: it is named next to the field, her text
    stays; with the real leaflet chosen again from the keyboard, the message goes, and Ben
    downloads the leaflet under its own name."""
    community = CommunityFactory(name="Falls prevention")
    asker, author = UserFactory(name="Ada Example"), UserFactory(name="Ben Example")
    for person in (asker, author):
        MembershipFactory(community=community, user=person)
    fake, leaflet = tmp_path / "leaflet.pdf", tmp_path / "falls leaflet.pdf"
    fake.write_bytes(b"<!DOCTYPE html><html><body>Not a leaflet</body></html>")
    leaflet.write_bytes(MINIMAL_PDF)

    _signed_in(page, asker.email)
    page.goto(f"/messages/to/{author.pk}/")
    page.get_by_label("Message").fill("Here is our falls leaflet.")
    page.get_by_label("Attach files (optional)").set_input_files(str(fake))
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("“leaflet.pdf” cannot be attached")
    expect(page.get_by_label("Message")).to_have_value("Here is our falls leaflet.")
    assert_accessible(page)
    page.get_by_label("Attach files (optional)").focus()
    page.get_by_label("Attach files (optional)").set_input_files(str(leaflet))
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send the message")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages with Ben Example")
    expect(page.locator(".app-attachments")).to_contain_text("falls_leaflet.pdf")
    assert_accessible(page)
    _reads_unread(page, author, asker)
    with page.expect_download() as download:
        page.get_by_role("link", name="falls_leaflet.pdf").click()
    assert download.value.suggested_filename == "falls_leaflet.pdf"
    assert _bytes_of(download.value) == MINIMAL_PDF
    assert_accessible(page)


def _bytes_of(download):
    with open(download.path(), "rb") as handle:
        return handle.read()
