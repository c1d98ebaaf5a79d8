"""Plausible values (issue 10, item 2, the rest): a period ends no later than five years ahead,
and a person's name is at most 50 characters wherever it is stored."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from rest_framework.test import APIClient

from base.validators import PERIOD_END_HORIZON_YEARS, validate_period_end
from care.models import Assignment
from tests.consultations.factories import OrganizationFactory
from tests.factories import CorpsMemberFactory, RecipientFactory, episode_of

# A date field named like the end of something that lasts: an assignment's, a plan's, an
# episode's, an agreement's, a qualification's validity, a corps member's membership.
PERIOD_END = re.compile(r"(^|_)(ends?_on|end_date|until|expires_on|left_on|renewal_due_on)$")

# Every field that stores a person's name (or who took a report, or a copy of a name).
PERSON_NAMES = [
    ("care.Recipient", "name"),
    ("care.Recipient", "guardian_name"),
    ("care.Episode", "referrer_name"),
    ("care.CaseConferenceAttendee", "name"),
    ("care.RepairJob", "signed_by_name"),
    ("care.IncidentExternalReport", "person"),
    ("volunteers.CorpsMember", "name"),
    ("consultations.Consultation", "person_name"),
    ("consultations.CallbackRequest", "name"),
    ("consultations.OrganizationContact", "name"),
    ("notifications.Message", "to_name"),
]


def project_models() -> list[type[models.Model]]:
    root = Path(settings.BASE_DIR).resolve()
    return [
        model
        for model in apps.get_models()
        if Path(apps.get_app_config(model._meta.app_label).path).resolve().parent == root
    ]


def five_years_ahead() -> dt.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + PERIOD_END_HORIZON_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + PERIOD_END_HORIZON_YEARS, day=28)


def test_every_period_end_of_every_model_is_held_to_the_horizon() -> None:
    ends = [
        (model._meta.label, field.name)
        for model in project_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateField)
        and not isinstance(field, models.DateTimeField)
        and PERIOD_END.search(field.name)
    ]
    missing = [
        (label, name)
        for label, name in ends
        if validate_period_end not in apps.get_model(label)._meta.get_field(name).validators
    ]

    assert len(ends) >= 7
    assert missing == []


def test_a_period_may_end_exactly_five_years_ahead_but_not_a_day_later() -> None:
    validate_period_end(five_years_ahead())

    with pytest.raises(ValidationError):
        validate_period_end(five_years_ahead() + dt.timedelta(days=1))


def test_a_period_that_ended_long_ago_is_no_concern_of_the_horizon() -> None:
    validate_period_end(dt.date(2001, 1, 1))


@pytest.mark.django_db
def test_an_assignment_ending_in_ten_years_is_a_400_on_ends_on(coordinator_api: APIClient) -> None:
    recipient, member = RecipientFactory(), CorpsMemberFactory()
    episode_of(recipient)
    far = (five_years_ahead() + dt.timedelta(days=1)).isoformat()

    response = coordinator_api.post(
        "/api/v1/assignments/",
        {
            "recipient": recipient.pk,
            "corps_member": member.pk,
            "program": "emergency_care",
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": far,
        },
        format="json",
    )

    assert response.status_code == 400, response.content
    assert "ends_on" in response.json()
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_an_agreement_ending_in_year_9999_is_a_400_on_ends_on(counselor_api: APIClient) -> None:
    organization = OrganizationFactory()

    response = counselor_api.post(
        "/api/v1/agreements/",
        {
            "organization": organization.pk,
            "title": "돌봄네트워크 업무협약",
            "signed_on": "2024-03-02",
            "starts_on": "2024-03-15",
            "ends_on": "9999-12-31",
            "scope": "대상자 발굴·의뢰",
        },
        format="json",
    )

    assert response.status_code == 400, response.content
    assert "ends_on" in response.json()


def test_a_model_full_clean_names_the_period_end() -> None:
    assignment = Assignment(
        starts_on=timezone.localdate(), ends_on=five_years_ahead() + dt.timedelta(days=1)
    )

    with pytest.raises(ValidationError) as refused:
        assignment.clean_fields(exclude={"recipient", "corps_member", "program", "episode"})

    assert "ends_on" in refused.value.message_dict


@pytest.mark.parametrize(("label", "name"), PERSON_NAMES)
def test_a_persons_name_is_capped_at_50_characters(label: str, name: str) -> None:
    assert apps.get_model(label)._meta.get_field(name).max_length == 50


@pytest.mark.django_db
def test_a_message_to_someone_with_a_long_account_name_keeps_50_characters() -> None:
    from notifications.services import message_enqueue

    message = message_enqueue(
        kind="test", to_phone="010-1234-5678", to_name="가" * 80, body="안내", dedupe_key="long"
    )

    assert message.to_name == "가" * 50


def test_years_are_added_and_taken_away_with_29_february_on_the_28th() -> None:
    from datetime import date, datetime

    from base.validators import add_years

    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(datetime(2024, 2, 29, 13, 5), -2) == datetime(2022, 2, 28, 13, 5)
    assert add_years(date(2026, 12, 5), -1) == date(2025, 12, 5)
