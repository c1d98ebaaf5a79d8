"""Sending through a real HTTP gateway on 127.0.0.1: claims, retries, backoff, giving up,
re-sending what a dead worker left behind, and never sending a message twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from notifications import services
from notifications.gateways import gateway_from_settings
from notifications.models import Message
from tests.notifications.conftest import FakeSmsGateway
from tests.notifications.factories import MessageFactory

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


def reloaded(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


def a_message_sent_while_the_gateway_is_down(
    sms_gateway: FakeSmsGateway,
) -> tuple[Message, datetime]:
    """A message whose first attempt, at the returned time, met a gateway answering 503."""
    sms_gateway.status = 503
    message = MessageFactory()
    now = timezone.now()
    services.message_send(message_id=message.pk, now=now)
    return reloaded(message), now


def test_backoff_doubles_from_one_minute_and_stops_at_an_hour() -> None:
    waits = [services.backoff(attempts) for attempts in range(1, 10)]

    assert waits == [MINUTE * n for n in (1, 2, 4, 8, 16, 32, 60, 60, 60)]


def test_of_two_claims_on_one_message_only_the_first_wins() -> None:
    # given a due message
    message = MessageFactory()

    # when two workers claim it
    first = services.message_claim(message_id=message.pk)
    second = services.message_claim(message_id=message.pk)

    # then one has it, and it counts as an attempt
    assert (first, second) == (True, False)
    message = reloaded(message)
    assert message.state == Message.State.SENDING
    assert message.attempts == 1
    assert message.claimed_at is not None


def test_a_message_is_not_claimed_before_its_next_attempt() -> None:
    now = timezone.now()
    message = MessageFactory(next_attempt_at=now + MINUTE)

    assert services.message_claim(message_id=message.pk, now=now) is False
    assert services.message_claim(message_id=message.pk, now=now + MINUTE) is True


@pytest.mark.parametrize("state", [Message.State.CANCELLED, Message.State.FAILED])
def test_a_cancelled_or_failed_message_is_not_claimed(state: str) -> None:
    message = MessageFactory(state=state)

    assert services.message_claim(message_id=message.pk) is False


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time anyway"
)
@pytest.mark.django_db(transaction=True)
def test_of_eight_workers_claiming_one_message_at_once_exactly_one_wins() -> None:
    # given a due message and eight workers, each with its own database connection
    message = MessageFactory()
    start = threading.Barrier(8)
    results: list[bool] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(services.message_claim(message_id=message.pk))
        finally:
            connection.close()

    # when they all claim it at the same moment
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly one has it
    assert sorted(results) == [False] * 7 + [True]
    assert reloaded(message).attempts == 1


def test_a_sent_message_records_when_and_the_gateways_id(sms_gateway: FakeSmsGateway) -> None:
    message = MessageFactory()

    services.message_send(message_id=message.pk)

    message = reloaded(message)
    assert message.state == Message.State.SENT
    assert message.sent_at is not None
    assert message.gateway_message_id == "gw-1"
    assert message.attempts == 1
    assert sms_gateway.keys() == [message.dedupe_key]


def test_with_the_gateway_down_a_message_stays_pending_with_its_error_and_backoff(
    sms_gateway: FakeSmsGateway,
) -> None:
    # given a gateway answering 503, when a message is sent
    message, now = a_message_sent_while_the_gateway_is_down(sms_gateway)

    # then the gateway was asked once, and the message waits a minute for its next attempt
    assert len(sms_gateway.received) == 1
    assert message.state == Message.State.PENDING
    assert message.attempts == 1
    assert message.last_error.startswith("HTTP 503")
    assert message.next_attempt_at == now + MINUTE
    assert message.sent_at is None


def test_a_failed_message_waits_out_its_backoff_then_twice_as_long(
    sms_gateway: FakeSmsGateway,
) -> None:
    # given a message whose first attempt failed at ``now``
    message, now = a_message_sent_while_the_gateway_is_down(sms_gateway)

    # when the sweep runs half a minute later, then a minute later
    assert services.messages_send_due(now=now + MINUTE / 2) == 0
    tried_early = len(sms_gateway.received)
    services.messages_send_due(now=now + MINUTE)

    # then it was not tried early, and after the second failure it waits two minutes
    assert tried_early == 1
    assert len(sms_gateway.received) == 2
    message = reloaded(message)
    assert message.attempts == 2
    assert now + 3 * MINUTE <= message.next_attempt_at < now + 3 * MINUTE + MINUTE / 2


def test_once_the_gateway_is_back_each_message_is_sent_exactly_once(
    sms_gateway: FakeSmsGateway,
) -> None:
    # given three messages whose first attempt met a gateway that was down
    sms_gateway.status = 503
    messages = MessageFactory.create_batch(3)
    now = timezone.now()
    for message in messages:
        services.message_send(message_id=message.pk, now=now)
    assert len(sms_gateway.received) == 3

    # when the gateway is back and the sweep runs twice, and the send task runs twice more
    sms_gateway.status = 200
    sms_gateway.received.clear()
    later = now + MINUTE
    sent = [services.messages_send_due(now=later), services.messages_send_due(now=later)]
    for message in messages:
        services.message_send(message_id=message.pk, now=later)
        services.message_send(message_id=message.pk, now=later + 10 * MINUTE)

    # then the gateway received exactly one request per message, and each is sent
    assert sent == [3, 0]
    assert sorted(sms_gateway.keys()) == sorted(m.dedupe_key for m in messages)
    assert {reloaded(m).state for m in messages} == {Message.State.SENT}
    assert [reloaded(m).attempts for m in messages] == [2, 2, 2]
    assert all(reloaded(m).last_error == "" for m in messages)


def test_a_message_stuck_in_sending_is_sent_again_with_the_same_idempotency_key(
    sms_gateway: FakeSmsGateway, settings: SettingsWrapper
) -> None:
    # given a worker that claimed a message, posted it, and died before recording the answer
    message = MessageFactory()
    then = timezone.now()
    assert services.message_claim(message_id=message.pk, now=then)
    gateway_from_settings().send(
        to=message.to_phone, text=message.body, idempotency_key=message.dedupe_key
    )

    # when the sweep runs after the stuck-sending limit
    limit = timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    sent = services.messages_send_due(now=then + limit + MINUTE)

    # then it was sent again with the same idempotency key, for the gateway to drop
    assert sent == 1
    assert sms_gateway.keys() == [message.dedupe_key, message.dedupe_key]
    message = reloaded(message)
    assert message.state == Message.State.SENT
    assert message.attempts == 2


def test_a_message_sending_within_the_limit_is_left_to_its_worker(
    sms_gateway: FakeSmsGateway, settings: SettingsWrapper
) -> None:
    message = MessageFactory()
    then = timezone.now()
    assert services.message_claim(message_id=message.pk, now=then)

    limit = timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    sent = services.messages_send_due(now=then + limit - MINUTE)

    assert sent == 0
    assert sms_gateway.received == []
    assert reloaded(message).state == Message.State.SENDING


def test_a_worker_that_outlived_its_claim_leaves_the_outcome_to_the_next_one(
    sms_gateway: FakeSmsGateway, settings: SettingsWrapper
) -> None:
    # given a message claimed by a slow worker, then re-claimed as stuck by another
    message = MessageFactory()
    then = timezone.now()
    limit = timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    assert services.message_claim(message_id=message.pk, now=then)
    assert services.message_claim(message_id=message.pk, now=then + limit + MINUTE)

    # when the slow worker records a failure under its old claim
    services._record_failure(reloaded(message), now=then, error="HTTP 503")

    # then the message stays with the second worker's claim
    message = reloaded(message)
    assert message.state == Message.State.SENDING
    assert message.claimed_at == then + limit + MINUTE
    assert message.last_error == ""


def test_a_message_is_failed_after_the_maximum_attempts_and_not_tried_again(
    sms_gateway: FakeSmsGateway, settings: SettingsWrapper
) -> None:
    # given a gateway that stays down and three attempts allowed
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    sms_gateway.status = 503
    message = MessageFactory()
    now = timezone.now()

    # when the sweep runs every minute for two hours
    for minute in range(120):
        services.messages_send_due(now=now + minute * MINUTE)

    # then it was tried three times (at 0, 1 and 3 minutes) and is failed
    assert len(sms_gateway.received) == 3
    message = reloaded(message)
    assert message.state == Message.State.FAILED
    assert message.attempts == 3
    assert message.last_error.startswith("HTTP 503")


def test_a_message_stuck_after_its_last_attempt_is_failed_not_sent_again(
    sms_gateway: FakeSmsGateway, settings: SettingsWrapper
) -> None:
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    message = MessageFactory()
    then = timezone.now()
    assert services.message_claim(message_id=message.pk, now=then)

    limit = timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    services.messages_send_due(now=then + limit + MINUTE)

    assert sms_gateway.received == []
    message = reloaded(message)
    assert message.state == Message.State.FAILED
    assert message.last_error == services.STOPPED_MID_SEND


def test_an_unexpected_error_in_sending_counts_as_a_failed_attempt(
    settings: SettingsWrapper,
) -> None:
    # given a gateway setting that a test changed to nonsense (start-up would refuse it)
    settings.NOTIFICATION_GATEWAY = "carrier-pigeon"
    message = MessageFactory()

    services.message_send(message_id=message.pk)

    message = reloaded(message)
    assert message.state == Message.State.PENDING
    assert message.attempts == 1
    assert "carrier-pigeon" in message.last_error


def test_sending_through_the_console_gateway_marks_the_message_sent() -> None:
    message = MessageFactory()

    services.message_send(message_id=message.pk)

    message = reloaded(message)
    assert message.state == Message.State.SENT
    assert message.gateway_message_id.startswith("console-")
