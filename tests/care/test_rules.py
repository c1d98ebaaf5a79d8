"""Rules below the API: RRN detection, the derived is_rural, constraints, the roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from base.roles import ROLES
from base.validators import (
    contains_resident_registration_number,
    reject_resident_registration_number,
)
from care import services
from care.models import Assignment, Recipient
from tests.factories import (
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
    episode_of,
    program,
    region,
)
from volunteers.models import CorpsMember

# --- resident registration numbers --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "410302-2345678",
        "4103022345678",
        "410302 2345678",
        "주민번호는 410302-2345678 입니다",
        "생년 410302-1234567",
        "881231-6234567",
    ],
)
def test_rrn_shaped_value_is_detected(text: str) -> None:
    assert contains_resident_registration_number(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "010-1234-5678",
        "01012345678",
        "063-123-4567",
        "991399-1234567",  # month 13: not a date
        "410230-2345678",  # 30 February: not a date
        "410302-9345678",  # 9 is no gender/century digit
        "410302-234567",  # one digit short
        "",
        "1941년 3월 2일생",
    ],
)
def test_value_that_is_no_rrn_is_not_detected(text: str) -> None:
    assert contains_resident_registration_number(text) is False


def test_rejecting_an_rrn_raises_with_its_code() -> None:
    with pytest.raises(ValidationError) as raised:
        reject_resident_registration_number("410302-2345678")

    assert raised.value.code == "resident_registration_number"


def test_rejecting_ignores_non_text() -> None:
    reject_resident_registration_number(4103022345678)
    reject_resident_registration_number(None)


@pytest.mark.django_db
def test_full_clean_refuses_rrn_in_any_text_field() -> None:
    recipient = RecipientFactory.build(
        region=region("wanju"), guardian_name="410302-2345678", notes="4103022345678"
    )

    with pytest.raises(ValidationError) as raised:
        recipient.full_clean()

    assert set(raised.value.message_dict) == {"guardian_name", "notes"}


@pytest.mark.django_db
def test_full_clean_refuses_rrn_in_corps_member_text() -> None:
    member = CorpsMemberFactory.build(region=region("jeonju"), availability_note="410302-2345678")

    with pytest.raises(ValidationError) as raised:
        member.full_clean()

    assert set(raised.value.message_dict) == {"availability_note"}


# --- is_rural -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("admin_unit", "expected"),
    [("봉동읍", True), ("상관면", True), ("효자동", False), ("효자1동", False)],
)
def test_is_rural_is_generated_from_admin_unit(admin_unit: str, expected: bool) -> None:
    # given a recipient saved with an admin unit
    recipient = RecipientFactory(admin_unit=admin_unit)

    # when read back from the database
    recipient.refresh_from_db()

    # then is_rural follows the 읍/면/동 suffix
    assert recipient.is_rural is expected


@pytest.mark.django_db
def test_is_rural_follows_a_changed_admin_unit() -> None:
    recipient = RecipientFactory(admin_unit="봉동읍")

    recipient.admin_unit = "효자동"
    recipient.save()
    recipient.refresh_from_db()

    assert recipient.is_rural is False


@pytest.mark.django_db
def test_is_rural_filters_in_the_database() -> None:
    rural = RecipientFactory(admin_unit="상관면")
    RecipientFactory(admin_unit="효자동")

    assert list(Recipient.objects.filter(is_rural=True)) == [rural]


# --- constraints --------------------------------------------------------------------------


@pytest.mark.django_db
def test_database_refuses_active_recipient_without_consent_date() -> None:
    # given no full_clean at all
    # when an active recipient without consent is inserted
    with pytest.raises(IntegrityError), transaction.atomic():
        Recipient.objects.create(
            name="홍길순",
            birth_date=dt.date(1941, 3, 2),
            sex=Recipient.Sex.FEMALE,
            address="완주군 봉동읍",
            region=region("wanju"),
            admin_unit="봉동읍",
            category=Recipient.Category.ELDERLY,
            emergency_reason=Recipient.EmergencyReason.OTHER,
            status=Recipient.Status.ACTIVE,
            consent_date=None,
        )

    # then nothing is stored
    assert not Recipient.objects.exists()


@pytest.mark.django_db
def test_database_accepts_referred_recipient_without_consent_date() -> None:
    Recipient.objects.create(
        name="홍길순",
        birth_date=dt.date(1941, 3, 2),
        sex=Recipient.Sex.FEMALE,
        address="완주군 봉동읍",
        region=region("wanju"),
        admin_unit="봉동읍",
        category=Recipient.Category.ELDERLY,
        emergency_reason=Recipient.EmergencyReason.OTHER,
        status=Recipient.Status.REFERRED,
        consent_date=None,
    )

    assert Recipient.objects.count() == 1


@pytest.mark.django_db
def test_full_clean_names_consent_date_for_active_recipient_without_consent() -> None:
    recipient = RecipientFactory.build(region=region("wanju"), consent_date=None, consent_scope="")

    with pytest.raises(ValidationError) as raised:
        recipient.full_clean()

    assert "consent_date" in raised.value.message_dict


# --- writes go through the services ---------------------------------------------------------


@pytest.mark.django_db
def test_update_keeps_a_change_committed_after_the_caller_read_the_recipient() -> None:
    # given coordinator B has read a recipient (as the API's get_object does, before the lock)
    actor = UserFactory(roles=["coordinator"])
    recipient = RecipientFactory(risk_level=Recipient.RiskLevel.MEDIUM)
    read_by_b = Recipient.objects.get(pk=recipient.pk)
    # and coordinator A's change of the risk level has been committed since
    Recipient.objects.filter(pk=recipient.pk).update(risk_level=Recipient.RiskLevel.HIGH)

    # when B's change of the notes goes through the service
    services.recipient_update(actor=actor, recipient=read_by_b, notes="야간 방문 필요")

    # then both changes are kept
    recipient.refresh_from_db()
    assert recipient.notes == "야간 방문 필요"
    assert recipient.risk_level == Recipient.RiskLevel.HIGH


@pytest.mark.django_db
def test_admin_cannot_assign_a_corps_member_on_leave() -> None:
    # given a superuser in admin and a corps member on leave
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    member = CorpsMemberFactory(status=CorpsMember.Status.ON_LEAVE)
    recipient = RecipientFactory()
    episode_of(recipient)  # an assignment serves the recipient's episode

    # when the superuser adds an assignment to them in admin
    client.post(
        "/admin/care/assignment/add/",
        {
            "recipient": recipient.pk,
            "corps_member": member.pk,
            "program": program().pk,
            "starts_on": "2023-03-01",
            "ends_on": "",
        },
    )

    # then it is refused as it is through the API
    assert not Assignment.objects.exists()


# --- roles --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_roles_migration_created_the_five_groups() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    assert len(ROLES) == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "permission", "expected"),
    [
        ("coordinator", "care.add_recipient", True),
        ("coordinator", "care.change_assignment", True),
        ("coordinator", "base.view_accesslog", False),
        ("manager", "care.view_recipient", False),
        ("manager", "base.view_region", True),
        ("caregiver", "care.view_recipient", True),
        ("caregiver", "care.change_recipient", False),
        ("caregiver", "care.add_assignment", False),
        ("counselor", "care.view_recipient", True),
        # counselors hand people over to intake, as referred recipients
        ("counselor", "care.add_recipient", True),
        ("administrator", "base.view_accesslog", True),
        ("administrator", "base.change_accesslog", False),
    ],
)
def test_role_holds_expected_permission(role: str, permission: str, expected: bool) -> None:
    user = UserFactory(roles=[role])

    assert user.has_perm(permission) is expected
