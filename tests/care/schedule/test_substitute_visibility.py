"""A substitute reads the person they cover, for that day and the next only."""

from __future__ import annotations

import datetime as dt

import pytest

from care.models import Recipient
from care.schedule.models import ScheduledVisit
from tests.care.schedule.helpers import episode, member, seoul, today
from tests.care.schedule_factories import scheduled_visit
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _covered_on(day: dt.date, **fields: object) -> tuple[ScheduledVisit, object]:
    regular = member("정규단원")
    substitute = member("대체단원")
    covered = episode()
    made = scheduled_visit(
        corps_member=substitute,
        recipient=covered.recipient,
        starts_at=seoul(day, 10),
        original_corps_member=regular,
        **fields,
    )
    return made, substitute.user


def test_substitute_reads_the_recipient_they_cover_today() -> None:
    made, user = _covered_on(today())

    assert Recipient.objects.visible_to(user).filter(pk=made.recipient_id).exists()
    response = client_for(user).get(f"/api/v1/recipients/{made.recipient_id}/")
    assert response.status_code == 200


def test_substitute_reads_the_recipient_they_cover_tomorrow() -> None:
    made, user = _covered_on(today() + dt.timedelta(days=1))

    assert Recipient.objects.visible_to(user).filter(pk=made.recipient_id).exists()


def test_substitute_no_longer_reads_a_recipient_covered_yesterday() -> None:
    made, user = _covered_on(today() - dt.timedelta(days=1))

    assert not Recipient.objects.visible_to(user).filter(pk=made.recipient_id).exists()
    response = client_for(user).get(f"/api/v1/recipients/{made.recipient_id}/")
    assert response.status_code == 404


def test_substitute_of_a_cancelled_visit_does_not_read_the_recipient() -> None:
    made, user = _covered_on(today(), state="cancelled", change_reason="대상자 입원")

    assert not Recipient.objects.visible_to(user).filter(pk=made.recipient_id).exists()
