"""allauth, customised at its seam: our email templates, and links to the front end."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from core.mail import send_templated_email

# allauth's template names -> ours in templates/emails/
EMAIL_KINDS = {
    "email_confirmation": "verify_email",
    "email_confirmation_signup": "verify_email",
    "password_reset_key": "password_reset",
}


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        kind = EMAIL_KINDS[template_prefix.rsplit("/", 1)[-1]]
        send_templated_email(kind, email, {"email": email, **context})

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return f"{settings.FRONTEND_URL}/verify-email?key={emailconfirmation.key}"

    def get_reset_password_from_key_url(self, key: str) -> str:
        return f"{settings.FRONTEND_URL}/reset-password?key={key}"

    def is_open_for_signup(self, request) -> bool:
        return True
