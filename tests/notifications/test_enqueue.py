"""Storing a message: idempotent by its key, queued only after commit, capped in length."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Message
from tests.factories import UserFactory
from tests.notifications.factories import MessageFactory

pytestmark = pytest.mark.django_db

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], None]]]]


def a_notice(**overrides: object) -> Message:
    arguments: dict[str, object] = {
        "kind": "substitution",
        "to_phone": "010-1234-5678",
        "to_name": "김영희",
        "body": "[전북돌봄] 6월 3일 홍길순 님 방문을 대신 맡아 주세요.",
        "dedupe_key": "substitution:scheduled-visit:301:member:7",
    }
    arguments.update(overrides)
    return services.message_enqueue(**arguments)  # type: ignore[arg-type]


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids handed to the send task, instead of a broker."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.send_message, "delay", ids.append)
    return ids


def test_enqueuing_the_same_notice_twice_stores_one_message(queued: list[int]) -> None:
    # given a notice enqueued once
    first = a_notice()

    # when the same notice is enqueued again
    second = a_notice()

    # then one message is stored, pending and due now
    assert second.pk == first.pk
    assert Message.objects.count() == 1
    assert first.state == Message.State.PENDING
    assert first.next_attempt_at <= timezone.now()


def test_the_first_enqueue_of_a_key_wins(queued: list[int]) -> None:
    first = a_notice(body="처음 내용")

    again = a_notice(body="나중 내용", to_phone="010-9999-9999")

    assert again.pk == first.pk
    assert Message.objects.get().body == "처음 내용"
    assert Message.objects.get().to_phone == "010-1234-5678"


def test_enqueuing_a_key_again_after_it_was_sent_sends_nothing_more(queued: list[int]) -> None:
    sent = MessageFactory(
        dedupe_key="episode_assigned:41:7", state=Message.State.SENT, sent_at=timezone.now()
    )

    again = a_notice(dedupe_key="episode_assigned:41:7")

    assert again.pk == sent.pk
    assert again.state == Message.State.SENT


def test_enqueue_queues_the_send_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks: CaptureCallbacks, queued: list[int]
) -> None:
    # given a caller's transaction that enqueues a message
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = a_notice()
        # then nothing is queued while the transaction is open
        assert queued == []

    # and the send is queued once, after commit
    assert len(callbacks) == 1
    assert queued == [message.pk]


def test_enqueuing_the_same_notice_again_queues_no_second_send(
    django_capture_on_commit_callbacks: CaptureCallbacks, queued: list[int]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        a_notice()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        a_notice()

    assert callbacks == []
    assert len(queued) == 1


def test_a_rolled_back_enqueue_stores_and_queues_nothing(
    django_capture_on_commit_callbacks: CaptureCallbacks, queued: list[int]
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        a_notice()
        raise RuntimeError("the assignment failed")

    assert callbacks == []
    assert queued == []
    assert not Message.objects.exists()


def test_a_broker_that_refuses_the_task_leaves_the_message_pending_for_beat(
    django_capture_on_commit_callbacks: CaptureCallbacks,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a broker that is down
    def refuse(message_id: int) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.send_message, "delay", refuse)

    # when a message is enqueued and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        message = a_notice()

    # then the caller is not disturbed: the message waits, due, for the beat's sweep
    message.refresh_from_db()
    assert message.state == Message.State.PENDING
    assert list(Message.objects.due(timezone.now())) == [message]
    assert "beat will send it" in caplog.text


def test_an_enqueued_message_keeps_the_user_it_is_for(queued: list[int]) -> None:
    member = UserFactory()

    message = a_notice(user=member)

    assert Message.objects.get(pk=message.pk).user == member
    assert list(member.notification_messages.all()) == [message]


def test_a_body_over_1000_characters_is_refused(queued: list[int]) -> None:
    with pytest.raises(ValidationError) as refused:
        a_notice(body="가" * 1001)

    assert "body" in refused.value.message_dict
    assert not Message.objects.exists()


def test_a_body_of_exactly_1000_characters_is_stored(queued: list[int]) -> None:
    message = a_notice(body="가" * 1000)

    assert len(Message.objects.get(pk=message.pk).body) == 1000


def test_a_kind_is_a_short_code(queued: list[int]) -> None:
    with pytest.raises(ValidationError) as refused:
        a_notice(kind="일정 변경")

    assert "kind" in refused.value.message_dict


def test_the_database_refuses_a_body_over_1000_characters() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(body="가" * 1001)


def test_the_database_refuses_a_sent_message_without_sent_at() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(state=Message.State.SENT, sent_at=None)


def test_the_database_refuses_two_messages_with_one_key() -> None:
    MessageFactory(dedupe_key="schedule_changed:2024-06-03:7")

    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(dedupe_key="schedule_changed:2024-06-03:7")


def test_a_pending_message_can_be_cancelled(queued: list[int]) -> None:
    message = a_notice()

    cancelled = services.message_cancel(dedupe_key=message.dedupe_key)

    assert cancelled is True
    message.refresh_from_db()
    assert message.state == Message.State.CANCELLED
    assert not Message.objects.due(timezone.now()).exists()


def test_a_sent_message_cannot_be_cancelled() -> None:
    message = MessageFactory(state=Message.State.SENT, sent_at=timezone.now())

    assert services.message_cancel(dedupe_key=message.dedupe_key) is False
    message.refresh_from_db()
    assert message.state == Message.State.SENT
