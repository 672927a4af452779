"""The ASGI app ``bench/ws_messaging.py`` serves: the project's (``config.asgi``) plus a bare
relay at ``/bench/relay/``, in the same process, behind the same server.

The relay is the baseline: the least a server can do to carry a frame from one client to
another. A socket opens ``/bench/relay/?pair=<k>&side=a|b``; each text frame it sends is
written, as received, to the other socket of its pair and echoed back to itself (standing
in for ``message.ack``). No Django, no authentication, no JSON parsing, no database, no
channel layer: what is left is the server's WebSocket framing and the event loop, which
the real path pays too.
"""

import os
from urllib.parse import parse_qs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.ws_settings")

from config.asgi import application as project_application  # noqa: E402

RELAY_PATH = "/bench/relay/"

# pair -> side -> the ASGI ``send`` of that socket
_pairs: dict[str, dict[str, object]] = {}


async def relay(scope, receive, send) -> None:
    params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    pair, side = params.get("pair", [""])[0], params.get("side", [""])[0]
    if (await receive())["type"] != "websocket.connect":
        return
    if not pair or side not in ("a", "b"):
        await send({"type": "websocket.close", "code": 4400})
        return
    await send({"type": "websocket.accept"})
    sockets = _pairs.setdefault(pair, {})
    sockets[side] = send
    other = "b" if side == "a" else "a"
    try:
        while True:
            event = await receive()
            if event["type"] == "websocket.disconnect":
                break
            text = event.get("text")
            if text is None:
                continue
            peer = sockets.get(other)
            if peer is not None:
                try:
                    await peer({"type": "websocket.send", "text": text})
                except Exception:  # noqa: S110 (the peer closed first, at the end of a run)
                    pass
            await send({"type": "websocket.send", "text": text})
    finally:
        if sockets.get(side) is send:
            del sockets[side]
        if not sockets:
            _pairs.pop(pair, None)


async def application(scope, receive, send):
    if scope["type"] == "websocket" and scope["path"] == RELAY_PATH:
        return await relay(scope, receive, send)
    return await project_application(scope, receive, send)
