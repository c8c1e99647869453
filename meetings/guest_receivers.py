"""Guests who later make an account: allauth's signals (accounts is below meetings, so the
meetings app listens rather than being called), connected in MeetingsConfig.ready. Only a
verified address claims a guest's attendance: anyone can type an address at sign-up."""

from allauth.account.models import EmailAddress

from meetings import services


def claim_on_email_confirmed(sender, request, email_address, **kwargs):
    """The person has just proved the address is theirs (the link in the e-mail)."""
    services.guests_claim(user=email_address.user, email=email_address.email)


def claim_on_sign_up(sender, request, user, **kwargs):
    """A sign-up whose address is verified already (single sign-on from an organisation
    whose addresses are trusted) sends no confirmation: claim at sign-up instead."""
    for address in EmailAddress.objects.filter(user=user, verified=True):
        services.guests_claim(user=user, email=address.email)
