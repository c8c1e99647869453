"""Who is signed in: Django's and allauth's sign-in backends, reading the person once a
request, with what the request's middleware asks of them in the same query
(core.middleware.mfa_columns): no other query reads them again."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from accounts.selectors import person_for_request


class _OneRead:
    def get_user(self, user_id):
        user = person_for_request(pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(_OneRead, DjangoModelBackend):
    """Django's: the administration's sign-in form."""


class AuthenticationBackend(_OneRead, AllauthBackend):
    """allauth's: sign-in by e-mail address, and single sign-on."""
