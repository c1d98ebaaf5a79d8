from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import models

from base import roles
from base.models import Region
from base.validators import contains_resident_registration_number
from care.demo import DemoSummary, demo_data_load
from care.models import Assignment, Recipient
from volunteers.models import CorpsMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def summary() -> DemoSummary:
    return demo_data_load(seed=2023)


def counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "corps_members": CorpsMember.objects.count(),
        "recipients": Recipient.objects.count(),
        "assignments": Assignment.objects.count(),
    }


def test_loading_gives_25_corps_members_and_100_recipients_in_all_14_regions(
    summary: DemoSummary,
) -> None:
    assert CorpsMember.objects.count() == 25
    assert Recipient.objects.count() == 100
    assert Recipient.objects.values("region").distinct().count() == Region.objects.count() == 14
    assert (summary.corps_members, summary.recipients, summary.regions) == (25, 100, 14)


def test_loaded_recipients_live_in_both_rural_and_urban_areas(summary: DemoSummary) -> None:
    assert Recipient.objects.filter(is_rural=True).exists()
    assert Recipient.objects.filter(is_rural=False).exists()


def test_each_role_has_one_demo_user_in_its_group(summary: DemoSummary) -> None:
    User = get_user_model()
    for role in roles.ROLES:
        assert User.objects.filter(groups__name=role).count() == 1
    assert {login.role for login in summary.logins} == set(roles.ROLES)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username="caregiver").is_staff


def test_demo_users_log_in_with_the_reported_passwords(summary: DemoSummary) -> None:
    User = get_user_model()
    for login in summary.logins:
        assert User.objects.get(username=login.username).check_password(login.password)


def test_caregiver_sees_exactly_the_recipients_assigned_to_their_corps_member(
    summary: DemoSummary,
) -> None:
    caregiver = get_user_model().objects.get(username="caregiver")
    assigned = set(
        Assignment.objects.filter(corps_member__user=caregiver).values_list(
            "recipient_id", flat=True
        )
    )

    visible = set(Recipient.objects.visible_to(caregiver).values_list("pk", flat=True))

    assert visible == assigned
    assert len(visible) >= 1
    assert summary.caregiver_recipients == len(visible)


def test_loading_twice_changes_no_counts(summary: DemoSummary) -> None:
    before = counts()

    again = demo_data_load(seed=2023)

    assert counts() == before
    assert not again.created


def test_no_recipient_field_looks_like_a_resident_registration_number(
    summary: DemoSummary,
) -> None:
    text_fields = [
        field.attname
        for field in Recipient._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
    ]
    for values in Recipient.objects.values_list(*text_fields):
        for value in values:
            assert not contains_resident_registration_number(value), value
