"""allauth hooks: sign-up stores our profile fields, and its e-mails go through our outbox."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.db import transaction

from accounts.mail import email_queue_rendered, one_off_purpose
from accounts.models import User
from accounts.services import audit_log, organisation_get_or_create


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # One transaction: a failure leaves no half-created account or organisation.
        with transaction.atomic():
            data = form.cleaned_data
            user.name = data["name"].strip()
            user.profession = data["profession"]
            user.region = data["region"]
            user.organisation = data.get("organisation") or organisation_get_or_create(
                name=data["organisation_name"]
            )
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                audit_log(actor=user, action="account.signup", target=user)
        return user

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        recipient = User.objects.filter(email__iexact=email).first()
        # Account-security messages a person asked for: transactional, no unsubscribe.
        email_queue_rendered(
            to_address=email,
            recipient=recipient,
            purpose=one_off_purpose(f"account:{template_prefix.rsplit('/', 1)[-1]}"),
            subject=message.subject,
            text=message.body,
            html=html,
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        full = data.get("name") or " ".join(
            p for p in (data.get("first_name"), data.get("last_name")) if p
        )
        user.name = full or (user.email or "").split("@")[0]
        return user
