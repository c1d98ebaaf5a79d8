"""Plausible values only (issue 10, item 2): birth dates from 1900 to today, no date before
1900 in any table, free text capped at 4,000 characters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.utils import timezone
from rest_framework.test import APIClient

from care.models import Assignment, Recipient, Visit
from consultations.models import Consultation
from tests.care.visit_factories import VisitFactory
from tests.factories import RecipientFactory


def recipient_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": "홍길순",
        "birth_date": "1941-03-02",
        "sex": "F",
        "phone": "063-123-4567",
        "address": "전북특별자치도 완주군 봉동읍 봉동로 1",
        "region": "wanju",
        "admin_unit": "봉동읍",
        "category": "elderly",
        "emergency_reason": "after_discharge",
        "needs": ["housework", "meal"],
        "consent_date": "2023-01-10",
        "consent_scope": "긴급돌봄 제공을 위한 수집·이용",
        "status": "active",
    }
    payload.update(overrides)
    return payload


@pytest.mark.django_db
@pytest.mark.parametrize("birth_date", ["1899-12-31", "0001-01-01", "tomorrow"])
def test_an_implausible_birth_date_is_a_400_on_birth_date(
    coordinator_api: APIClient, birth_date: str
) -> None:
    if birth_date == "tomorrow":
        birth_date = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = coordinator_api.post("/api/v1/recipients/", recipient_payload(birth_date=birth_date))

    assert response.status_code == 400, response.content
    assert "birth_date" in response.json()
    assert not Recipient.objects.exists()


@pytest.mark.django_db
def test_a_birth_date_in_1900_is_kept(coordinator_api: APIClient) -> None:
    payload = recipient_payload(birth_date="1900-01-01")

    response = coordinator_api.post("/api/v1/recipients/", payload)

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Assignment, "starts_on", dt.date(1899, 12, 31)),
        (Visit, "started_at", dt.datetime(1899, 12, 31, 12, tzinfo=dt.UTC)),
        (Consultation, "held_at", dt.datetime(1850, 1, 1, tzinfo=dt.UTC)),
    ],
)
def test_no_date_before_1900_reaches_any_table(model: type, field: str, value: Any) -> None:
    instance = model(**{field: value})

    with pytest.raises(ValidationError) as refused:
        pre_save.send(sender=model, instance=instance, raw=False, using="default")

    assert field in refused.value.message_dict


def test_free_text_is_capped_at_4000_characters() -> None:
    at_limit = Visit(notes="가" * 4000)
    pre_save.send(sender=Visit, instance=at_limit, raw=False, using="default")

    with pytest.raises(ValidationError) as refused:
        pre_save.send(sender=Visit, instance=Visit(notes="가" * 4001), raw=False, using="default")

    assert "notes" in refused.value.message_dict


@pytest.mark.django_db
def test_a_visit_before_2000_is_refused_by_the_model_as_well() -> None:
    visit = VisitFactory.build(recipient=RecipientFactory())
    visit.started_at = dt.datetime(1999, 6, 1, 10, tzinfo=dt.UTC)

    with pytest.raises(ValidationError) as refused:
        visit.clean_fields(exclude={"recipient", "corps_member", "episode", "program"})

    assert "started_at" in refused.value.message_dict
