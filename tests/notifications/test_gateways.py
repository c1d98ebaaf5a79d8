"""The gateway adapters on their own: what the HTTP one posts and how it fails, and the
console one's log line."""

from __future__ import annotations

import logging
import socket

import pytest
from django.core.exceptions import ImproperlyConfigured
from pytest_django.fixtures import SettingsWrapper

from notifications.gateways import (
    ConsoleGateway,
    GatewayError,
    HttpGateway,
    gateway_from_settings,
)
from tests.notifications.conftest import GATEWAY_KEY, FakeSmsGateway

KEY = "substitution:scheduled-visit:301:member:7"
TEXT = "[전북돌봄] 6월 3일 홍길순 님 방문을 대신 맡아 주세요."


def http_gateway(sms_gateway: FakeSmsGateway, timeout: float = 5.0) -> HttpGateway:
    return HttpGateway(url=sms_gateway.url, key=GATEWAY_KEY, timeout=timeout)


def test_the_http_gateway_posts_the_message_as_json_with_the_bearer_key(
    sms_gateway: FakeSmsGateway,
) -> None:
    http_gateway(sms_gateway).send(to="010-1234-5678", text=TEXT, idempotency_key=KEY)

    [request] = sms_gateway.received
    assert request.path == "/v1/messages"
    assert request.payload == {"to": "010-1234-5678", "text": TEXT, "idempotency_key": KEY}
    assert request.headers["Authorization"] == f"Bearer {GATEWAY_KEY}"
    assert request.headers["Content-Type"].startswith("application/json")


def test_the_http_gateway_returns_the_gateways_message_id(sms_gateway: FakeSmsGateway) -> None:
    gateway = http_gateway(sms_gateway)

    first = gateway.send(to="010-1234-5678", text=TEXT, idempotency_key=KEY)
    second = gateway.send(to="010-1234-5678", text=TEXT, idempotency_key=KEY + ":2")

    assert (first, second) == ("gw-1", "gw-2")


@pytest.mark.parametrize("status", [400, 401, 500, 503])
def test_the_http_gateway_reports_a_non_2xx_answer_as_a_retryable_failure(
    sms_gateway: FakeSmsGateway, status: int
) -> None:
    sms_gateway.status = status

    with pytest.raises(GatewayError, match=f"HTTP {status}"):
        http_gateway(sms_gateway).send(to="010-1234-5678", text=TEXT, idempotency_key=KEY)


def test_the_http_gateway_does_not_follow_a_redirect(sms_gateway: FakeSmsGateway) -> None:
    # urllib would otherwise repeat a redirected POST as a GET without the message
    sms_gateway.status = 302

    with pytest.raises(GatewayError, match="HTTP 302"):
        http_gateway(sms_gateway).send(to="010-1234-5678", text=TEXT, idempotency_key=KEY)

    assert len(sms_gateway.received) == 1


def test_the_http_gateway_reports_a_refused_connection_as_a_retryable_failure() -> None:
    # given a port on 127.0.0.1 where nothing listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = HttpGateway(url=f"http://127.0.0.1:{port}/v1/messages", key=GATEWAY_KEY)

    with pytest.raises(GatewayError, match="Connection refused|URLError"):
        gateway.send(to="010-1234-5678", text=TEXT, idempotency_key=KEY)


def test_the_http_gateway_gives_up_on_a_gateway_that_does_not_answer_in_time(
    sms_gateway: FakeSmsGateway,
) -> None:
    sms_gateway.delay = 2.0

    with pytest.raises(GatewayError, match="timed out"):
        http_gateway(sms_gateway, timeout=0.2).send(
            to="010-1234-5678", text=TEXT, idempotency_key=KEY
        )


def test_the_console_gateway_writes_the_message_to_the_notifications_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="notifications"):
        message_id = ConsoleGateway().send(to="010-1234-5678", text=TEXT, idempotency_key=KEY)

    [record] = caplog.records
    assert record.name == "notifications"
    assert "010-1234-5678" in record.getMessage()
    assert TEXT in record.getMessage()
    assert KEY in record.getMessage()
    assert message_id.startswith("console-")


def test_the_http_gateway_is_chosen_by_the_setting(settings: SettingsWrapper) -> None:
    settings.NOTIFICATION_GATEWAY = "http"
    settings.SMS_GATEWAY_URL = "https://sms.example/v1/messages"
    settings.SMS_GATEWAY_KEY = GATEWAY_KEY

    gateway = gateway_from_settings()

    assert isinstance(gateway, HttpGateway)
    assert (gateway.url, gateway.key) == ("https://sms.example/v1/messages", GATEWAY_KEY)


def test_the_http_gateway_refuses_a_url_that_is_not_http() -> None:
    with pytest.raises(ImproperlyConfigured):
        HttpGateway(url="file:///etc/passwd", key=GATEWAY_KEY)
