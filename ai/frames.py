"""Server -> client frames of the AI gateway. Plain strings only: channels-redis packs
frames with msgpack.

``{"type": "ai.generation.updated", "generation": {"id", "feature", "status", "error",
"finished_at": "<iso>"|null}}``
    A generation ended (succeeded or failed): a summary; the client reads the output
    through ``GET /api/v1/ai/generations/{id}``.

``{"type": "ai.token", "generation": "<uuid>", "delta": "text"}``
    The next piece of a streamed reply (pieces arriving close together travel in one
    frame); ``ai.generation.updated`` follows once the reply is recorded.
"""

from __future__ import annotations

from typing import Any

from .models import Generation


def generation_updated(generation: Generation) -> dict[str, Any]:
    return {
        "type": "ai.generation.updated",
        "generation": {
            "id": str(generation.pk),
            "feature": generation.feature,
            "status": generation.status,
            "error": generation.error,
            "finished_at": generation.finished_at.isoformat() if generation.finished_at else None,
        },
    }


def token(*, generation_id: str, delta: str) -> dict[str, Any]:
    return {"type": "ai.token", "generation": generation_id, "delta": delta}
