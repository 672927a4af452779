"""The 202 answers of asynchronous AI work (docs/API.md: long AI work is asynchronous), for the
gateway's views and for any app whose endpoint starts a generation.

An endpoint that queues a bare generation answers :func:`accepted`; one that creates an
object of its own that the generation will fill (a plan, an artifact, an assessment result)
answers :func:`accepted_object`, pointing at the object and linking the generation.
"""

from typing import Any

from django.urls import reverse
from rest_framework import status
from rest_framework.response import Response

from .models import Generation


def generation_link(request, generation: Generation | None) -> dict[str, Any] | None:
    """``{id, status, status_url}`` of ``generation`` (``None`` for none)."""
    if generation is None:
        return None
    url = request.build_absolute_uri(reverse("ai:generation-detail", args=[generation.pk]))
    return {"id": str(generation.pk), "status": generation.status, "status_url": url}


def accepted(request, generation: Generation) -> Response:
    """202 with where to follow ``generation``."""
    body = generation_link(request, generation)
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]})


def accepted_object(
    request, *, id, status_value: str, url: str, generation: Generation | None
) -> Response:
    """202 for an object a generation will fill: its ``id``, ``status`` and URL (also the
    ``Location``), and the generation's link."""
    body = {
        "id": str(id),
        "status": status_value,
        "status_url": url,
        "generation": generation_link(request, generation),
    }
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})
