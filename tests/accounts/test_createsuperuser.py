"""The README's way of creating the first administrator without a terminal works."""

import pytest
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_createsuperuser_without_a_terminal_as_the_readme_says(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")
    call_command("createsuperuser", interactive=False, email="admin@example.org", name="Ada Admin")
    admin = User.objects.get(email="admin@example.org")
    assert admin.is_staff and admin.is_superuser and admin.name == "Ada Admin"
    assert admin.check_password("a-long-admin-passphrase")


def test_the_environment_alone_is_enough(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_NAME", "Robin Root")
    call_command("createsuperuser", interactive=False)
    assert User.objects.get(email="root@example.org").name == "Robin Root"
