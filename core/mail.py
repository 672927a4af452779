"""Templated email: ``templates/emails/<kind>/{subject.txt,body.txt,body.html}``.

The message is rendered at once (the context may hold model instances) and handed to a
Celery task after the current transaction commits, so a slow or failing mail server never
holds up a request and never sends mail about data that was rolled back.
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from .tasks import deliver_email, enqueue


def render_email(kind: str, context: dict) -> tuple[str, str, str]:
    context = {"frontend_url": settings.FRONTEND_URL, **context}
    subject = render_to_string(f"emails/{kind}/subject.txt", context)
    subject = " ".join(subject.splitlines()).strip()
    text = render_to_string(f"emails/{kind}/body.txt", context).strip()
    html = render_to_string(f"emails/{kind}/body.html", context).strip()
    return subject, text, html


def send_templated_email(kind: str, to: str, context: dict) -> None:
    subject, text, html = render_email(kind, context)
    transaction.on_commit(
        lambda: enqueue(deliver_email, to=to, subject=subject, text=text, html=html)
    )
