"""The inbox and a conversation read a fixed number of queries, whatever their size."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from messages import services
from tests.factories import MINIMAL_PDF, MembershipFactory

pytestmark = pytest.mark.django_db

INBOX_QUERIES = 4
CONVERSATION_QUERIES = 16  # one of them loads the page's files


@pytest.mark.parametrize("people", [2, 12])
def test_the_inbox(client, django_assert_max_num_queries, community, alice, people):
    for _ in range(people):
        other = MembershipFactory(community=community).user
        services.message_send(sender=alice, recipient=other, body="Hello")
        services.message_send(sender=other, recipient=alice, body="Hello back")
    client.force_login(alice)
    with django_assert_max_num_queries(INBOX_QUERIES):
        response = client.get(reverse("member_messages:inbox"))
    assert response.status_code == 200
    assert response.content.decode().count("(unread)") == people


@pytest.mark.parametrize("messages", [3, 30])
def test_a_conversation(client, django_assert_max_num_queries, alice, bob, messages):
    """Every third message carries a file, shown as a link."""
    for n in range(messages):
        sender, recipient = (alice, bob) if n % 2 else (bob, alice)
        files = [SimpleUploadedFile(f"note-{n}.pdf", MINIMAL_PDF)] if n % 3 == 0 else []
        message = services.message_send(
            sender=sender, recipient=recipient, body=f"Note {n}", files=files
        )
    client.force_login(alice)
    url = reverse("member_messages:conversation", args=[message.conversation_id])
    with django_assert_max_num_queries(CONVERSATION_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert f"Note {messages - 1}" in response.content.decode()
    assert f"note-{(messages - 1) // 3 * 3}.pdf</a>" in response.content.decode()
