"""Messages in the personal-data download, and gone with the account."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from accounts.personal_data import FORMER_MEMBER, account_erase, export_archive
from messages import services
from messages.models import Block, ContactPreference, ConversationReport, Message, Participant
from tests.conftest import soup

pytestmark = pytest.mark.django_db


def _download(user):
    with zipfile.ZipFile(io.BytesIO(export_archive(user))) as zipped:
        return {name: zipped.read(name).decode() for name in zipped.namelist()}


def test_the_download_holds_ones_conversations(alice, bob):
    services.message_send(sender=alice, recipient=bob, body="From Alice to Bob")
    services.message_send(sender=bob, recipient=alice, body="From Bob to Alice")
    services.person_block(blocker=bob, blocked=alice)
    files = _download(alice)
    everything = "\n".join(files.values())
    assert "From Alice to Bob" in everything
    assert "From Bob to Alice" in everything
    # Who blocked them is not said.
    data = json.loads(files["data.json"])
    assert data["messages"]["blocks_of_you"] == []
    assert "Bob Baker" in json.dumps(data["messages"]["conversations"])


def test_erasure_removes_ones_own_messages_and_leaves_the_other_persons(alice, bob):
    first = services.message_send(sender=alice, recipient=bob, body="Alice's words")
    services.message_send(sender=bob, recipient=alice, body="Bob's words")
    services.conversation_report(conversation=first.conversation, reporter=alice, reason="Why")
    services.person_block(blocker=alice, blocked=bob)
    services.contact_preference_save(user=alice, met_only=True)
    account_erase(user=alice, actor=alice)
    assert list(Message.objects.values_list("body", flat=True)) == ["Bob's words"]
    assert not ConversationReport.objects.exists()
    assert not Block.objects.exists()
    assert not ContactPreference.objects.exists()
    assert not Participant.objects.filter(user=alice).exists()
    bobs = Participant.objects.select_related("other").get(user=bob)
    assert bobs.other.name == FORMER_MEMBER
    with pytest.raises(services.MessageRefused):
        services.message_send(sender=bob, recipient=alice, body="Hello?")


def test_the_other_person_reads_a_former_member_after_erasure(client, alice, bob):
    message = services.message_send(sender=alice, recipient=bob, body="Alice's words")
    services.message_send(sender=bob, recipient=alice, body="Bob's words")
    account_erase(user=alice, actor=alice)
    client.force_login(bob)
    page = client.get(reverse("member_messages:conversation", args=[message.conversation_id]))
    assert page.status_code == 200
    main = soup(page).find("main")
    assert main.h1.get_text(strip=True) == f"Messages with {FORMER_MEMBER}"
    assert "Alice's words" not in main.get_text()
    assert "Bob's words" in main.get_text()
    assert main.find("textarea") is None
    inbox = soup(client.get(reverse("member_messages:inbox"))).find("main").get_text()
    assert FORMER_MEMBER in inbox and "Alice Archer" not in inbox
