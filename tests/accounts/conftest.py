import pytest

from accounts.notifications.registry import KINDS
from tests.accounts.notification_kinds import CENTRE_ONLY, CHATTY, QUIET


@pytest.fixture
def kinds():
    """Three kinds of notification for the tests (tests/accounts/notification_kinds.py),
    registered for this test only."""
    before = dict(KINDS)
    for kind in (CHATTY, QUIET, CENTRE_ONLY):
        KINDS[kind.key] = kind
    yield CHATTY, QUIET, CENTRE_ONLY
    KINDS.clear()
    KINDS.update(before)
