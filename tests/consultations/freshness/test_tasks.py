"""The monthly round on a real Celery worker against Redis: one invitation and one text per
due resource, however often it runs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from consultations.freshness import services, tasks
from consultations.freshness.models import ReviewInvitation
from notifications.models import Message
from tests.consultations.freshness.factories import (
    OrganizationContactFactory,
    resource_with_contact,
)

TIMEOUT = 30


def test_the_round_is_on_the_beat_schedule_monthly() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["send-review-invitations"]
    assert entry["task"] == "consultations.send_review_invitations"
    assert entry["schedule"].day_of_month == {1}


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_worker", "worker_closes_its_connection")
def test_the_round_run_twice_on_a_worker_asks_each_due_resource_once() -> None:
    # given two due resources, one recently checked, and one due without a contact
    due = [resource_with_contact(assured_date=None) for _ in range(2)]
    resource_with_contact(assured_date=timezone.localdate())
    from tests.consultations.factories import WelfareResourceFactory

    WelfareResourceFactory(assured_date=None)

    # when the beat's task runs on a worker, twice
    first = tasks.send_review_invitations.delay().get(timeout=TIMEOUT)
    second = tasks.send_review_invitations.delay().get(timeout=TIMEOUT)

    # then each due resource with a contact got one invitation and one message
    assert (first, second) == (2, 0)
    invitations = ReviewInvitation.objects.all()
    assert sorted(i.resource_id for i in invitations) == sorted(r.pk for r in due)
    messages = Message.objects.filter(kind=services.MESSAGE_KIND)
    assert messages.count() == 2
    assert {m.dedupe_key for m in messages} == {
        f"{services.MESSAGE_KIND}:{i.pk}" for i in invitations
    }
    assert all(i.message_id is not None for i in invitations)


@pytest.mark.django_db
def test_the_text_carries_an_absolute_link_to_the_providers_page(settings) -> None:  # noqa: ANN001
    settings.PUBLIC_BASE_URL = "https://care.example.kr/"
    resource_with_contact(assured_date=None, name="노인맞춤돌봄")

    assert services.review_invitations_send() == 1

    message = Message.objects.get()
    invitation = ReviewInvitation.objects.get()
    assert f"https://care.example.kr/provider/review/{services.invitation_token(invitation)}/" in (
        message.body
    )
    assert "노인맞춤돌봄" in message.body
    assert message.to_phone == invitation.contact.phone


@pytest.mark.django_db
def test_the_primary_contact_is_asked_before_others() -> None:
    resource = resource_with_contact(assured_date=None)
    primary = resource.organization.contacts.get()
    OrganizationContactFactory(organization=resource.organization, is_primary=False)

    services.review_invitations_send()

    assert ReviewInvitation.objects.get().contact == primary


@pytest.mark.django_db
def test_an_inactive_contact_is_never_asked() -> None:
    resource = resource_with_contact(assured_date=None)
    resource.organization.contacts.update(is_active=False)

    assert services.review_invitations_send() == 0


@pytest.mark.django_db
def test_a_resource_is_asked_again_a_month_after_its_link_expired() -> None:
    resource_with_contact(assured_date=None)
    services.review_invitations_send(now=timezone.now() - timedelta(days=31))

    assert services.review_invitations_send() == 1
    assert ReviewInvitation.objects.count() == 2


@pytest.mark.django_db
def test_the_task_takes_a_day_for_the_cutoff() -> None:
    resource_with_contact(assured_date=date(2025, 1, 14))

    assert tasks.send_review_invitations("2025-12-15") == 1
