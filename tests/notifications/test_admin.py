"""The outbox in the admin: read-only, filtered by state, failed messages retried from there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from notifications import tasks
from notifications.models import Message
from tests.factories import UserFactory
from tests.notifications.factories import MessageFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/notifications/message/"


def test_the_message_list_filters_by_state(admin_client: Client) -> None:
    # given a failed message and a sent one
    failed = MessageFactory(state=Message.State.FAILED, last_error="HTTP 503: unavailable")
    sent = MessageFactory(state=Message.State.SENT, sent_at=timezone.now())

    # when the list is filtered to failed messages
    response = admin_client.get(LIST, {"state__exact": "failed"})

    # then only the failed one is listed, with its error
    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert listed == [failed]
    assert sent not in listed
    assert "HTTP 503: unavailable" in response.content.decode()


def test_messages_are_not_added_changed_or_deleted_in_the_admin(admin_client: Client) -> None:
    message = MessageFactory()

    add = admin_client.get(f"{LIST}add/")
    change = admin_client.post(f"{LIST}{message.pk}/change/", {"body": "고친 내용"})
    delete = admin_client.get(f"{LIST}{message.pk}/delete/")

    assert add.status_code == 403
    assert delete.status_code == 403
    assert change.status_code == 403
    assert Message.objects.get(pk=message.pk).body == message.body


def test_a_message_opens_read_only(admin_client: Client) -> None:
    message = MessageFactory()

    response = admin_client.get(f"{LIST}{message.pk}/change/")

    assert response.status_code == 200
    assert message.dedupe_key in response.content.decode()


def test_retry_now_gives_failed_messages_fresh_attempts_and_leaves_the_others(
    admin_client: Client,
    django_capture_on_commit_callbacks,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a failed message and a sent one, both selected
    queued: list[int] = []
    monkeypatch.setattr(tasks.send_message, "delay", queued.append)
    failed = MessageFactory(state=Message.State.FAILED, attempts=8, last_error="HTTP 503")
    sent = MessageFactory(state=Message.State.SENT, sent_at=timezone.now(), attempts=1)

    # when an administrator runs "retry now"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            LIST, {"action": "retry_now", "_selected_action": [failed.pk, sent.pk]}, follow=True
        )

    # then the failed one is pending with fresh attempts and queued; the sent one is untouched
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.state == Message.State.PENDING
    assert failed.attempts == 0
    assert failed.next_attempt_at <= timezone.now()
    assert failed.last_error == "HTTP 503"
    assert queued == [failed.pk]
    assert Message.objects.get(pk=sent.pk).state == Message.State.SENT
    assert "1건" in response.content.decode()


def test_staff_who_may_only_view_messages_are_not_offered_retry() -> None:
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_message"))
    client = Client()
    client.force_login(viewer)

    response = client.get(LIST)

    assert response.status_code == 200
    assert "retry_now" not in response.content.decode()
