"""The journeys of discussions, end to end in Chromium; axe-core and the HTML checker check
every page.

- A member asks a question and mentions a colleague, choosing her from the suggestions with
  the keyboard; the colleague follows the mention e-mail's link and replies; the asker
  follows the reply e-mail's link and marks the reply as the answer.
- A near miss in a safe space: another member sees "A member", the convener sees who wrote
  it; the convener hides a colleague's reply (and so deletes its file) with a reason, the
  replier is told why by e-mail, the others see it hidden, and the convener shows it again.
- An NHS number is caught before a discussion is posted, and nothing typed is lost.
- A member who muted a discussion hears nothing of a new reply; a follower does.
"""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.notifications.models import Notification
from communities.models import Community, Membership
from core.models import AuditEntry
from discussions import services
from discussions.models import Discussion, Reply, ReplyAttachment
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import link_in, sign_in
from tests.browser.test_community_journeys import sign_out
from tests.factories import MINIMAL_PDF, CommunityFactory, MembershipFactory, UserFactory

# eager_tasks: the notification e-mails are sent by tasks, and the journeys read them.
pytestmark = [*JOURNEY, pytest.mark.eager_tasks]

NEAR_MISS = "A double dose nearly given"
REASON = "It says which home and which night: please tell it without them."


def _community():
    community = CommunityFactory(
        name="Care Homes Medicines", slug="care-homes", visibility=Community.Visibility.LISTED
    )
    for key, name, role in [
        ("asker", "Asha Example", Membership.Role.MEMBER),
        ("colleague", "Bethan Sample", Membership.Role.MEMBER),
        ("convener", "Colm Lead", Membership.Role.CONVENER),
    ]:
        MembershipFactory(
            community=community,
            user=UserFactory(email=f"{key}@example.nhs.uk", name=name),
            role=role,
        )
    return community


def _person(key):
    return User.objects.get(email=f"{key}@example.nhs.uk")


def _open(page, key, title):
    """The person `key` signs in and opens the discussion `title` from the list."""
    sign_in(page, f"{key}@example.nhs.uk")
    page.goto("/communities/care-homes/discussions/")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


# --- 1. a question, a mention, a reply, the answer ---------------------------------------------


def test_ask_mention_reply_and_answer(page, mailoutbox):
    """Asha asks how often covert medication is reviewed and mentions Bethan, chosen from
    the suggestions with the keyboard. Bethan's e-mail names Asha and the question; she
    opens its link and replies. Asha's e-mail says there is a reply; she opens its link
    and marks the reply as the answer."""
    _community()
    sign_in(page, "asker@example.nhs.uk")
    _ask_mentioning_bethan(page)
    sign_out(page)

    # Only Bethan is e-mailed at once (the others hear of new discussions in a digest).
    assert [m.to for m in mailoutbox] == [["colleague@example.nhs.uk"]]
    mention = mailoutbox[0]
    assert mention.subject == "Asha Example mentioned you in “Covert medication reviews”"
    assert "Asha Example mentioned you in “Covert medication reviews”" in mention.body
    assert "Care Homes Medicines" in mention.body

    sign_in(page, "colleague@example.nhs.uk")
    page.goto(link_in(mention, "/discussions/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Covert medication reviews")
    expect(page.locator(".app-mention")).to_have_text("@Bethan Sample")
    page.get_by_label("Your reply").fill("Every month, with the pharmacist.")
    page.get_by_role("button", name="Add your reply").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your reply has been added")
    assert_accessible(page)
    sign_out(page)

    told = mailoutbox[-1]
    assert len(mailoutbox) == 2 and told.to == ["asker@example.nhs.uk"]
    assert told.subject == "A new reply to your discussion “Covert medication reviews”"
    assert Notification.objects.filter(
        recipient=_person("asker"), kind="reply_to_mine", read_at__isnull=True
    ).exists()

    sign_in(page, "asker@example.nhs.uk")
    page.goto(link_in(told, "/discussions/"))
    expect(page.locator("#reply-" + str(Reply.objects.get().pk))).to_contain_text(
        "Every month, with the pharmacist."
    )
    page.get_by_role("button", name="Mark as the answer").click()
    expect(page.locator("article").first).to_contain_text("The answer")
    expect(page.locator(".nhsuk-tag", has_text="Answered")).to_be_visible()
    assert_accessible(page)


def _ask_mentioning_bethan(page):
    page.goto("/communities/care-homes/discussions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Discussions")
    assert_accessible(page)
    page.get_by_role("link", name="Start a discussion").first.click()
    assert_accessible(page)
    page.get_by_label("Question").check()
    page.get_by_label("Title").fill("Covert medication reviews")
    body = page.get_by_label("What do you want to discuss?")
    body.click()
    body.press_sequentially("How often do you review it? @Bet")
    option = page.get_by_role("option", name="Bethan Sample")
    expect(option).to_be_visible()
    expect(body).to_have_attribute("aria-expanded", "true")
    assert_accessible(page)
    body.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    body.press("Enter")
    assert body.input_value().startswith("How often do you review it? @[Bethan Sample](")
    page.get_by_role("button", name="Start the discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Covert medication reviews")
    expect(page.locator(".app-mention")).to_have_text("@Bethan Sample")
    assert_accessible(page)


# --- 2. a near miss in the safe space, a reply hidden and shown again ----------------------


def test_a_near_miss_in_the_safe_space(page, mailoutbox):
    """Asha shares a near miss without her name. Bethan sees "A member" and replies; Asha's
    e-mail says so without the title. The convener sees who wrote it, and hides Bethan's
    reply with a reason; Bethan's e-mail says why. Asha sees "This reply was hidden by a
    convener"; the convener shows it again and Asha reads it."""
    _community()
    sign_in(page, "asker@example.nhs.uk")
    page.goto("/communities/care-homes/discussions/new/")
    expect(page.locator(".app-ground-rules")).to_contain_text("safe space")
    page.get_by_label("Near miss to learn from").check()
    page.get_by_label("Title").fill(NEAR_MISS)
    page.get_by_label("What do you want to discuss?").fill("Two charts for one resident.")
    page.get_by_label("This is about learning from harm").check()
    page.get_by_label("Don't show my name to members").check()
    page.get_by_role("button", name="Start the discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEAR_MISS)
    sign_out(page)

    _bethan_sees_a_member_and_replies(page)
    # Asha is told of the reply, and the e-mail keeps the safe space's words in it.
    assert [m.to for m in mailoutbox] == [["asker@example.nhs.uk"]]
    assert mailoutbox[0].subject == "A new reply in a discussion you started"
    assert NEAR_MISS not in mailoutbox[0].body and "Bethan" not in mailoutbox[0].body

    _the_convener_sees_who_and_hides_the_reply(page)
    notice = mailoutbox[-1]
    assert len(mailoutbox) == 2 and notice.to == ["colleague@example.nhs.uk"]
    assert notice.subject == "Your reply “Reply in a safe-space discussion” has been hidden"
    assert REASON in notice.body and "Care Homes Medicines" in notice.body
    # The safe space never leaves the community: not its title, not in this e-mail.
    assert NEAR_MISS not in notice.body

    _open(page, "asker", NEAR_MISS)
    reply = page.locator("article", has_text="This reply was hidden by a convener.")
    expect(reply).to_be_visible()
    expect(reply).not_to_contain_text("Check the chart")
    expect(page.locator("main")).not_to_contain_text(REASON)
    assert_accessible(page)
    sign_out(page)

    _open(page, "convener", NEAR_MISS)
    page.get_by_role("link", name="Show again reply 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Show this reply again?")
    assert_accessible(page)
    page.get_by_role("button", name="Show the reply").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("The reply is shown again")
    expect(page.locator(".app-hidden-reason")).to_have_count(0)
    assert_accessible(page)
    sign_out(page)

    _open(page, "asker", NEAR_MISS)
    expect(page.locator("article").first).to_contain_text("Check the chart")
    expect(page.get_by_text("This reply was hidden by a convener.")).to_have_count(0)


def _bethan_sees_a_member_and_replies(page):
    _open(page, "colleague", NEAR_MISS)
    expect(page.locator("main")).to_contain_text("Started by A member")
    expect(page.locator("main")).not_to_contain_text("Asha Example")
    assert_accessible(page)
    page.get_by_label("Your reply").fill("Check the chart against the MAR sheet every round.")
    page.get_by_label("Attach files (optional)").set_input_files(
        files=[{"name": "chart.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    page.get_by_role("button", name="Add your reply").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your reply has been added")
    expect(page.get_by_role("link", name="chart.pdf")).to_be_visible()
    sign_out(page)


def _the_convener_sees_who_and_hides_the_reply(page):
    _open(page, "convener", NEAR_MISS)
    expect(page.locator("main")).to_contain_text("Started by Asha Example")
    expect(page.locator("main")).to_contain_text("shown to conveners only")
    expect(page.locator(".app-attachments")).to_contain_text("chart.pdf")
    assert_accessible(page)
    page.get_by_role("link", name="Hide reply 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hide this reply?")
    expect(page.locator("main")).to_contain_text("Its attached file is deleted")
    assert_accessible(page)
    page.get_by_role("button", name="Hide the reply").click()  # no reason yet: refused
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Give a reason")
    assert_accessible(page)
    page.get_by_label("Reason").fill(REASON)
    page.get_by_role("button", name="Hide the reply").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "The reply is hidden and its author has been told why."
    )
    expect(page.locator(".app-hidden-reason")).to_contain_text(f"Hidden by a convener: {REASON}")
    expect(page.get_by_role("link", name="Show again reply 1")).to_be_visible()
    expect(page.locator(".app-attachments")).to_have_count(0)
    assert not ReplyAttachment.objects.exists()
    assert_accessible(page)
    sign_out(page)


# --- 3. an NHS number caught before posting ----------------------------------------------------


def _ask(page, title, body):
    """On the page of a new discussion: a question with `title` and `body`, posted. Returns
    the body's box."""
    page.get_by_label("Question").check()
    page.get_by_label("Title").fill(title)
    box = page.get_by_label("What do you want to discuss?")
    box.fill(body)
    page.get_by_role("button", name="Start the discussion").click()
    return box


def test_an_nhs_number_is_caught_before_a_discussion_is_posted(page):
    """Asha pastes a resident's NHS number into a question. The page quotes it next to the
    text, nothing is posted, and what she typed is still there; she takes it out and posts.
    A second question holds a made-up number for a training case: she ticks "This is not
    about a real patient" and it is posted, the confirmation audited."""
    _community()
    sign_in(page, "asker@example.nhs.uk")
    page.goto("/communities/care-homes/discussions/new/")
    expect(page.get_by_label("This is not about a real patient")).to_have_count(0)
    body = _ask(
        page,
        "Stopping a statin",
        "Resident 943 476 5919 has stopped eating: should the statin stop?",
    )

    expect(page.locator(".nhsuk-error-summary")).to_contain_text("looks like an NHS number")
    error = page.locator("#id_body_error")
    expect(error.locator("mark")).to_have_text("943 476 5919")
    expect(body).to_have_value("Resident 943 476 5919 has stopped eating: should the statin stop?")
    expect(page.get_by_label("Title")).to_have_value("Stopping a statin")
    expect(page.get_by_label("Question")).to_be_checked()
    assert Discussion.objects.count() == 0
    assert_accessible(page)

    body.fill("A resident has stopped eating: should the statin stop?")
    page.get_by_role("button", name="Start the discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stopping a statin")
    assert_accessible(page)
    assert Discussion.objects.get().body == "A resident has stopped eating: should the statin stop?"

    page.goto("/communities/care-homes/discussions/new/")
    _ask(page, "A training case", "In our e-learning the made-up patient is 943 476 5919.")
    expect(page.locator("#id_body_error mark")).to_have_text("943 476 5919")
    page.get_by_label("This is not about a real patient").check()
    page.get_by_role("button", name="Start the discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A training case")
    expect(page.locator(".app-post")).to_contain_text("943 476 5919")
    assert Discussion.objects.count() == 2
    assert AuditEntry.objects.filter(action="patient_data.confirmed").count() == 1


# --- 4. a muted discussion --------------------------------------------------------------------


def test_a_muted_discussion_tells_nothing(page, mailoutbox):
    """Asha started a question and follows it; she mutes it from its page. The convener
    follows it. Bethan replies, mentioning nobody: the convener is e-mailed and notified,
    Asha neither."""
    community = _community()
    discussion = services.discussion_start(
        community=community,
        author=_person("asker"),
        kind=Discussion.Kind.QUESTION,
        title="Homely remedies",
        body="Which ones do your homes keep?",
    )
    mailoutbox.clear()

    _open(page, "asker", "Homely remedies")
    expect(page.locator("main")).to_contain_text("You follow this discussion.")
    page.get_by_role("button", name="Mute").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "This discussion is muted: you are told of nothing in it."
    )
    expect(page.locator("main")).to_contain_text("You muted this discussion.")
    assert_accessible(page)
    sign_out(page)

    _open(page, "convener", "Homely remedies")
    expect(page.locator("main")).to_contain_text("You do not follow this discussion.")
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.locator("main")).to_contain_text("You follow this discussion.")
    assert_accessible(page)
    sign_out(page)

    _open(page, "colleague", "Homely remedies")
    page.get_by_label("Your reply").fill("Paracetamol and senna, with the GP's list.")
    page.get_by_role("button", name="Add your reply").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your reply has been added")

    reply = Reply.objects.get(discussion=discussion)
    assert [m.to for m in mailoutbox] == [["convener@example.nhs.uk"]]
    assert mailoutbox[0].subject == "A new reply in “Homely remedies”"
    told = Notification.objects.filter(dedupe=f"reply:{reply.pk}")
    assert list(told.values_list("recipient__email", flat=True)) == ["convener@example.nhs.uk"]
    assert not Notification.objects.filter(recipient=_person("asker")).exists()
