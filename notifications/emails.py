"""Building a notification's email, the signed unsubscribe links, and telling a transient
delivery error (worth a retry) from a permanent one.

Non-essential mail carries an unsubscribe link per kind, in the footer and in the
``List-Unsubscribe`` header with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
(RFC 8058), so mailbox providers can offer their own one-click button: they POST to the
same URL, without cookies or credentials. The token in the link is a signed
``{user, kind}`` (``django.core.signing``, a salt of its own), valid for
``NOTIFICATIONS_UNSUBSCRIBE_TOKEN_DAYS``.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from anymail.exceptions import AnymailError, AnymailRequestsAPIError
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from core.links import public_url
from core.mail import render_email

from .kinds import Kind
from .models import Notification

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(user, kind: Kind) -> str:
    return signing.dumps({"u": str(user.pk), "k": kind.name}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[str, str]:
    """The (user id, kind name) a token was made for. Raises ``signing.SignatureExpired``
    or ``signing.BadSignature``."""
    max_age = timedelta(days=settings.NOTIFICATIONS_UNSUBSCRIBE_TOKEN_DAYS)
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=max_age)
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in "uk"):
        raise signing.BadSignature("Unexpected unsubscribe token content.")
    return value["u"], value["k"]


def unsubscribe_url(user, kind: Kind) -> str:
    """Absolute: it is opened from a mail client, and emails go out from a worker, with no
    request to take the host from (``core.links.public_url``)."""
    base = settings.NOTIFICATIONS_UNSUBSCRIBE_URL or (
        public_url() + reverse("notifications:unsubscribe")
    )
    query = urlencode({"token": unsubscribe_token(user, kind)})
    return f"{base}?{query}"


def build_message(notification: Notification, kind: Kind) -> EmailMultiAlternatives:
    """The email of ``notification``, rendered now from ``templates/emails/<kind>/``."""
    user = notification.user
    context: dict[str, Any] = {
        "notification": notification,
        "user": user,
        "email": user.email,
        "title": notification.title,
        "body": notification.body,
        "data": notification.data,
        "essential": kind.essential,
        "unsubscribe_url": "",
    }
    headers = {}
    if not kind.essential:
        url = unsubscribe_url(user, kind)
        context["unsubscribe_url"] = url
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if kind.email_context is not None:
        context.update(kind.email_context(notification=notification))
    subject, text, html = render_email(kind.template, context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [user.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


def is_transient(exc: BaseException) -> bool:
    """Whether sending again later may work: 4xx SMTP replies, dropped connections and
    timeouts (the task's own time limit included), an ESP's 429 and 5xx. A 5xx SMTP reply,
    a refused recipient or an ESP's 4xx (bad key, bad address) will fail the same way every
    time."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return True
    if isinstance(exc, AnymailRequestsAPIError):
        status = exc.status_code
        return status is None or status == 429 or status >= 500
    if isinstance(exc, AnymailError):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 0 or 400 <= exc.smtp_code < 500
    # SMTPServerDisconnected and other SMTPExceptions, refused connections, timeouts.
    return isinstance(exc, smtplib.SMTPException | OSError)
