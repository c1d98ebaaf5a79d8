"""Gateway adapters: how a stored message leaves the system.

``NOTIFICATION_GATEWAY`` chooses one (config/settings.py checks the choice at start-up):
``console`` writes the message to the ``notifications`` logger (development, demos);
``http`` posts it to an SMS gateway. An adapter raises ``GatewayError`` for a failure worth
retrying and returns the gateway's message id otherwise.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
import uuid
from typing import Protocol
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("notifications")

# Well under the outbox's stuck-sending limit (NOTIFICATION_SENDING_TIMEOUT_SECONDS), so a slow
# gateway ends as a failed attempt, not as a message another worker thinks abandoned.
HTTP_TIMEOUT_SECONDS = 5.0
# Enough of a refusal's body to see why in the admin, not a whole error page.
ERROR_BODY_CHARS = 300


class GatewayError(Exception):
    """The gateway did not take the message; trying again later may succeed."""


class Gateway(Protocol):
    def send(self, *, to: str, text: str, idempotency_key: str) -> str: ...


class ConsoleGateway:
    """Writes the message to the log instead of sending it."""

    def send(self, *, to: str, text: str, idempotency_key: str) -> str:
        logger.info("SMS to %s (key %s): %s", to, idempotency_key, text)
        return f"console-{uuid.uuid4().hex}"


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a 301/302 by turning the POST into a GET without the message;
    # a redirect is a misconfigured URL, reported like any other non-2xx answer.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class HttpGateway:
    """Posts ``{to, text, idempotency_key}`` as JSON with a bearer key.

    The gateway is expected to drop a second message with an idempotency key it has already
    accepted, and to answer 2xx with JSON carrying ``message_id`` (or ``id``).
    """

    def __init__(self, *, url: str, key: str, timeout: float = HTTP_TIMEOUT_SECONDS) -> None:
        if urlparse(url).scheme not in {"http", "https"}:
            raise ImproperlyConfigured(f"SMS gateway URL {url!r} is not an http(s) URL.")
        self.url = url
        self.key = key
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_RefuseRedirects)

    def send(self, *, to: str, text: str, idempotency_key: str) -> str:
        payload = {"to": to, "text": text, "idempotency_key": idempotency_key}
        # The URL is http(s), checked above: urllib's other schemes (file:) cannot be reached.
        request = urllib.request.Request(  # noqa: S310
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.key}",
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()[:ERROR_BODY_CHARS].decode(errors="replace")
            raise GatewayError(f"HTTP {exc.code}: {body}".strip()) from exc
        except (OSError, http.client.HTTPException) as exc:
            # Refused, reset, timed out, or an answer that is not HTTP: the gateway is down.
            raise GatewayError(f"{type(exc).__name__}: {exc}") from exc
        return _message_id(answer)


def _message_id(answer: bytes) -> str:
    """The gateway's id for the message; a 2xx without one still means it was accepted."""
    try:
        document = json.loads(answer)
        found = document.get("message_id") or document.get("id") or ""
    except (ValueError, AttributeError):
        found = ""
    if not found:
        logger.warning("SMS gateway accepted a message without returning its id")
    return str(found)[:100]


def gateway_from_settings() -> Gateway:
    name = settings.NOTIFICATION_GATEWAY
    if name == "console":
        return ConsoleGateway()
    if name == "http":
        return HttpGateway(url=settings.SMS_GATEWAY_URL, key=settings.SMS_GATEWAY_KEY)
    raise ImproperlyConfigured(f"NOTIFICATION_GATEWAY={name!r} is not console or http.")
