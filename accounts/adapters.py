"""allauth, customised at its seam: our email templates, and the links they carry.

A verification or reset link goes to the front end when ``FRONTEND_URL`` names one
(``/verify-email?key=...``, ``/reset-password?key=...``, the paths front ends were built
against), and otherwise to the platform's own pages (``accounts.pages``, under
``/account/``), at the address the member reached: the request's, or ``base_url`` captured
from it when the email goes out from a task (``core.links``).
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from core.links import public_url
from core.mail import send_templated_email

# allauth's template names -> ours in templates/emails/
EMAIL_KINDS = {
    "email_confirmation": "verify_email",
    "email_confirmation_signup": "verify_email",
    "password_reset_key": "password_reset",
}


class AccountAdapter(DefaultAccountAdapter):
    def __init__(self, request=None, base_url: str = "") -> None:
        super().__init__(request)
        # The platform's address as the member's request reached it, for emails written
        # after that request is over (accounts.tasks).
        self.base_url = base_url.rstrip("/")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        kind = EMAIL_KINDS[template_prefix.rsplit("/", 1)[-1]]
        send_templated_email(kind, email, {"email": email, **context})

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        key = emailconfirmation.key
        if settings.FRONTEND_URL:
            return f"{settings.FRONTEND_URL}/verify-email?key={key}"
        return self._page_url("account:verify-email", key, request)

    def get_reset_password_from_key_url(self, key: str) -> str:
        if settings.FRONTEND_URL:
            return f"{settings.FRONTEND_URL}/reset-password?key={key}"
        return self._page_url("account:reset-password", key, self.request)

    def _page_url(self, name: str, key: str, request) -> str:
        base = self.base_url or public_url(request or self.request)
        return base + reverse(name, args=[key])

    def add_message(self, *args, **kwargs) -> None:
        """allauth's flash messages stay unsaid: the API answers in its bodies and the
        pages say what happened themselves, so a message would only wait in the session
        (or a cookie) for a page that never shows it."""

    def is_open_for_signup(self, request) -> bool:
        return True
