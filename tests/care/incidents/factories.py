"""factory_boy factories and payload helpers for the incident tests (안전사고·학대 의심 신고)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import factory
from django.utils import timezone

from care.incidents.models import Incident, OnCallShift, StaffPhone
from tests.factories import RecipientFactory, UserFactory


def minutes_ago(minutes: float) -> datetime:
    return timezone.now() - timedelta(minutes=minutes)


class IncidentFactory(factory.django.DjangoModelFactory):
    """An open fall of a recipient, reported an hour ago by a caregiver."""

    class Meta:
        model = Incident

    client_uuid = factory.LazyFunction(uuid.uuid4)
    kind = Incident.Kind.FALL
    recipient = factory.SubFactory(RecipientFactory)
    reporter = factory.SubFactory(UserFactory, roles=["caregiver"])
    occurred_at = factory.LazyFunction(lambda: minutes_ago(90))
    reported_at = factory.LazyFunction(lambda: minutes_ago(60))
    place = "거실"
    what_happened = "화장실에 가다가 미끄러져 넘어짐"
    action_taken = "119 신고, 보호자 연락"
    who_was_told = "보호자(딸)"


class StaffPhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffPhone

    user = factory.SubFactory(UserFactory, roles=["coordinator"])
    phone = factory.Sequence(lambda n: f"010-9{n % 1000:03d}-{n % 10000:04d}")


class OnCallShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnCallShift

    coordinator = factory.SubFactory(UserFactory, roles=["coordinator"])
    starts_at = factory.LazyFunction(lambda: minutes_ago(60))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=8))


def report_payload(**fields: Any) -> dict[str, Any]:
    """What the tablet's outbox sends for a fall that happened ten minutes ago."""
    payload: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "fall",
        "occurred_at": minutes_ago(10).isoformat(),
        "place": "욕실",
        "what_happened": "욕실에서 미끄러져 엉덩방아",
        "action_taken": "부축 후 상태 확인",
        "who_was_told": "보호자",
    }
    payload.update(fields)
    return payload
