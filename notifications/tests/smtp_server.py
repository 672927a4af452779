"""A small SMTP server on 127.0.0.1 for the delivery tests: the edge of the system, faked as
a real server. Its answer to each ``MAIL FROM`` is scripted, so a test can make the mail
server refuse for a while, for good, or not at all."""

import socketserver
import threading
from collections import deque


class _Handler(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        server: FakeSMTPServer = self.server.owner  # type: ignore[attr-defined]
        self._reply("220 fake.example ESMTP")
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._reply("250 fake.example")
            elif command.startswith("MAIL FROM"):
                self._reply(server.next_reply())
            elif command.startswith("RCPT TO") or command in {"RSET", "NOOP"}:
                self._reply("250 OK")
            elif command == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                server.messages.append(b"".join(lines))
                self._reply("250 OK: queued")
            elif command == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class FakeSMTPServer:
    """Answers ``MAIL FROM`` with each of ``replies`` in turn, then with 250 for good."""

    def __init__(self, replies: list[str] | None = None):
        self._replies = deque(replies or [])
        self._lock = threading.Lock()
        self.messages: list[bytes] = []
        self.mail_from_count = 0
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def next_reply(self) -> str:
        with self._lock:
            self.mail_from_count += 1
            return self._replies.popleft() if self._replies else "250 OK"

    def __enter__(self) -> "FakeSMTPServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
