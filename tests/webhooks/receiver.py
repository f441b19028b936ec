"""A real webhook receiver for the tests: an HTTP server on 127.0.0.1 in a thread that checks each
message's signature as the README tells a receiver to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: what the README's example allows: a timestamp at most this far from the receiver's clock
TOLERANCE_SECONDS = 300


def verify(secret: str, headers: Any, body: bytes, now: float | None = None) -> bool:
    """The receiver's check, as documented in the README."""
    timestamp = headers.get("X-BIO-Register-Timestamp", "")
    signature = headers.get("X-BIO-Register-Signature", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str = ""
    #: the status answered (the receiver answers 401 itself when the signature is wrong)
    status: int = 204
    #: seconds to wait before answering (a slow receiver)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/bio-hook"

    def start(self, tls: tuple[str, str] | None = None) -> Receiver:
        """Serve on a free port of 127.0.0.1; with ``tls`` (certificate file, key file): HTTPS."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                ok = verify(receiver.secret, self.headers, body)
                receiver.received.append(Received(dict(self.headers.items()), body, ok))
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(receiver.status if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
