"""Which resources the monthly round asks about: public ones unconfirmed for 11 months or
never, without an open invitation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from consultations.freshness.selectors import months_before, resources_due_for_review
from consultations.models import WelfareResource
from tests.consultations.factories import WelfareResourceFactory
from tests.consultations.freshness.factories import invitation_for, resource_with_contact

pytestmark = pytest.mark.django_db

TODAY = date(2025, 12, 15)


def due_names() -> set[str]:
    return set(resources_due_for_review(today=TODAY).values_list("name", flat=True))


def test_eleven_months_back_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_before(date(2025, 12, 15), 11) == date(2025, 1, 15)
    assert months_before(date(2026, 1, 31), 11) == date(2025, 2, 28)
    assert months_before(date(2025, 11, 30), 11) == date(2024, 12, 30)


def test_a_resource_confirmed_more_than_11_months_ago_is_due_and_one_on_the_line_is_not() -> None:
    WelfareResourceFactory(name="하루 지남", assured_date=date(2025, 1, 14))
    WelfareResourceFactory(name="딱 11개월", assured_date=date(2025, 1, 15))
    WelfareResourceFactory(name="최근 확인", assured_date=date(2025, 11, 1))

    assert due_names() == {"하루 지남"}


def test_a_resource_never_confirmed_is_due() -> None:
    WelfareResourceFactory(name="확인한 적 없음", assured_date=None)

    assert due_names() == {"확인한 적 없음"}


def test_unpublished_and_closed_resources_are_not_asked_about() -> None:
    WelfareResourceFactory(name="비공개", assured_date=None, is_published=False)
    WelfareResourceFactory(name="중단", assured_date=None, status=WelfareResource.Status.INACTIVE)

    assert due_names() == set()


def test_a_resource_with_an_open_invitation_is_not_asked_again() -> None:
    asked = resource_with_contact(name="요청 중", assured_date=None)
    invitation_for(asked)

    assert "요청 중" not in set(resources_due_for_review().values_list("name", flat=True))


def test_an_expired_or_answered_invitation_does_not_hold_back_the_next_round() -> None:
    expired = resource_with_contact(name="만료됨", assured_date=None)
    invitation_for(expired, now=timezone.now() - timedelta(days=31))
    answered = resource_with_contact(name="답함", assured_date=None)
    invitation = invitation_for(answered)
    invitation.used_at = timezone.now()
    invitation.save()

    names = set(resources_due_for_review().values_list("name", flat=True))
    assert {"만료됨", "답함"} <= names
