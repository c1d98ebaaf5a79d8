"""A fake SMS gateway: a real HTTP server on 127.0.0.1, in a thread, that records what it
receives and answers with whatever status the test sets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pytest_django.fixtures import SettingsWrapper

GATEWAY_KEY = "test-gateway-key"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]


@dataclass
class FakeSmsGateway:
    url: str = ""
    status: int = 200
    # Seconds to wait before answering (a gateway that hangs).
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keys(self) -> list[str]:
        return [request.payload["idempotency_key"] for request in self.received]


def _handler(gateway: FakeSmsGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            payload = json.loads(self.rfile.read(length))
            with gateway.lock:
                gateway.received.append(Received(self.path, dict(self.headers), payload))
                number = len(gateway.received)
            time.sleep(gateway.delay)
            if 200 <= gateway.status < 300:
                answer = {"message_id": f"gw-{number}"}
            else:
                answer = {"error": "unavailable"}
            body = json.dumps(answer).encode()
            try:
                self.send_response(gateway.status)
                if 300 <= gateway.status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except ConnectionError:
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep the test output quiet

    return Handler


@pytest.fixture
def sms_gateway(settings: SettingsWrapper) -> Iterator[FakeSmsGateway]:
    """The fake gateway, and the settings that make the outbox use it."""
    gateway = FakeSmsGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    server.daemon_threads = True
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFICATION_GATEWAY = "http"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_KEY = GATEWAY_KEY
    yield gateway
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
