"""ASGI entry point: Django for HTTP, the platform consumer for the WebSocket at ``/ws/``.

WebSocket handshakes pass :class:`core.ws_auth.SocketOriginValidator` first: an Origin
from a site not in ``ALLOWED_HOSTS`` / ``CORS_ALLOWED_ORIGINS`` is refused, while a
handshake without an Origin (native and mobile clients send none) is let through to
authenticate like any other. Channels' own ``AllowedHostsOriginValidator`` would refuse
those clients, because it treats a missing Origin as a foreign one.

Any other WebSocket path is refused at the handshake rather than raising in the router.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Sets Django up; it must run before anything below imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import WebsocketDenier  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from core.consumers import PlatformConsumer  # noqa: E402
from core.ws_auth import SocketOriginValidator  # noqa: E402

websocket_urlpatterns = [
    path("ws/", PlatformConsumer.as_asgi()),
    re_path(r"", WebsocketDenier.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SocketOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
