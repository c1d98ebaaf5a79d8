"""Consent on the coordinators' desk: the intake's items, the recipient page's section, taking
and withdrawing an item, and the flag when collection_use is withdrawn."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from base.models import AccessLog
from care.consent import texts
from care.consent.models import ConsentRecord
from care.models import Recipient
from tests.care.test_coordinator_desk import intake_data
from tests.factories import ConsentRecordFactory, RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

DESK = "/coordinator/"
TODAY = timezone.localdate()


@pytest.fixture
def desk(coordinator: Any) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


def page(desk: Client, recipient: Recipient) -> str:
    response = desk.get(f"{DESK}recipients/{recipient.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_intake_records_the_items_ticked(desk: Client, coordinator: Any) -> None:
    # given an intake with collection and sensitive ticked, taken in person today
    data = intake_data(
        status="active",
        consent_items=["collection_use", "sensitive"],
        consent_given_on=TODAY.isoformat(),
        consent_method="in_person",
        consent_given_by="self",
    )

    # when the coordinator registers the person
    response = desk.post(f"{DESK}recipients/new/", data)

    # then the person is active with two records of the current texts, taken by the coordinator
    assert response.status_code == 302, response.content.decode()[:3000]
    recipient = Recipient.objects.get(name=data["name"])
    assert recipient.status == Recipient.Status.ACTIVE
    records = {r.item: r for r in recipient.consents.all()}
    assert set(records) == {"collection_use", "sensitive"}
    assert records["sensitive"].text_version == texts.CURRENT["sensitive"].version
    assert records["sensitive"].taken_by == coordinator


def test_intake_shows_the_texts_of_the_items(desk: Client) -> None:
    body = desk.get(f"{DESK}recipients/new/").content.decode()
    for text in texts.CURRENT.values():
        assert text.title in body


def test_intake_with_items_but_no_method_is_refused_on_the_form(desk: Client) -> None:
    data = intake_data(consent_items=["collection_use"], consent_given_on=TODAY.isoformat())
    response = desk.post(f"{DESK}recipients/new/", data)
    assert response.status_code == 200
    assert "consent_method" in response.context["form"].errors
    assert not Recipient.objects.filter(name=data["name"]).exists()


def test_intake_of_a_child_without_a_representative_is_refused_on_the_form(desk: Client) -> None:
    data = intake_data(
        birth_date=TODAY.replace(year=TODAY.year - 6, day=min(TODAY.day, 28)).isoformat(),
        category="child",
        consent_items=["collection_use"],
        consent_given_on=TODAY.isoformat(),
        consent_method="in_person",
        consent_given_by="self",
    )
    response = desk.post(f"{DESK}recipients/new/", data)
    assert response.status_code == 200
    assert "consent_given_by" in response.context["form"].errors
    assert not Recipient.objects.filter(name=data["name"]).exists()


def test_recipient_page_shows_each_items_standing(desk: Client) -> None:
    # given a person with collection (factory) and a withdrawn third-party item
    recipient = RecipientFactory()
    ConsentRecordFactory(recipient=recipient, withdrawn_on=TODAY, withdrawal_method="in_writing")

    body = page(desk, recipient)

    assert 'id="consents"' in body
    assert "철회됨" in body and "기록 없음" in body
    assert 'id="consent-flag"' not in body


def test_coordinator_takes_a_phone_consent_on_the_recipient_page(
    desk: Client, coordinator: Any
) -> None:
    recipient = RecipientFactory()

    response = desk.post(
        f"{DESK}recipients/{recipient.pk}/consents/",
        {"item": "third_party", "given_on": TODAY.isoformat(), "method": "phone",
         "given_by": "self"},
    )  # fmt: skip

    assert response.status_code == 302
    assert response["Location"].endswith(f"/recipients/{recipient.pk}/#consents")
    record = ConsentRecord.objects.get(recipient=recipient, item="third_party")
    assert (record.method, record.taken_by) == ("phone", coordinator)


def test_refused_consent_is_said_on_the_page(desk: Client) -> None:
    record = ConsentRecordFactory()
    response = desk.post(
        f"{DESK}recipients/{record.recipient_id}/consents/",
        {"item": "third_party", "given_on": TODAY.isoformat(), "method": "phone",
         "given_by": "self"},
        follow=True,
    )  # fmt: skip
    assert "이미 유효한 동의가 있습니다" in response.content.decode()


def test_coordinator_records_a_withdrawal_and_the_page_flags_collection_use(
    desk: Client,
) -> None:
    # given an active person
    recipient = RecipientFactory()
    record = ConsentRecord.objects.get(recipient=recipient, item="collection_use")

    # when their collection consent is withdrawn on the page
    response = desk.post(
        f"{DESK}recipients/{recipient.pk}/consents/{record.pk}/withdraw/",
        {"withdrawn_on": TODAY.isoformat(), "method": "in_person"},
    )

    # then it is recorded, the person stays active and the page flags them
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.withdrawn_on == TODAY
    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.ACTIVE
    assert 'id="consent-flag"' in page(desk, recipient)


def test_withdrawal_through_another_recipients_page_is_a_404(desk: Client) -> None:
    record = ConsentRecordFactory()
    other = RecipientFactory()
    response = desk.post(
        f"{DESK}recipients/{other.pk}/consents/{record.pk}/withdraw/",
        {"withdrawn_on": TODAY.isoformat(), "method": "in_person"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["caregiver", "manager", "counselor"])
def test_other_roles_cannot_take_consent_on_the_desk(role: str) -> None:
    recipient = RecipientFactory()
    client = Client()
    client.force_login(UserFactory(roles=[role]))
    response = client.post(
        f"{DESK}recipients/{recipient.pk}/consents/",
        {"item": "third_party", "given_on": TODAY.isoformat(), "method": "phone",
         "given_by": "self"},
    )  # fmt: skip
    assert response.status_code == 403
    assert not ConsentRecord.objects.filter(recipient=recipient, item="third_party").exists()


def test_taking_consent_on_the_desk_is_logged(desk: Client) -> None:
    recipient = RecipientFactory()
    desk.post(
        f"{DESK}recipients/{recipient.pk}/consents/",
        {"item": "sensitive", "given_on": TODAY.isoformat(), "method": "in_person",
         "given_by": "self"},
    )  # fmt: skip
    assert AccessLog.objects.filter(
        action=AccessLog.Action.CHANGE, subject_id=recipient.pk, path="consents"
    ).exists()


def test_recipient_list_flags_a_person_who_withdrew_collection_use(desk: Client) -> None:
    # given two active people, one of whom withdrew the collection item
    flagged = RecipientFactory(name="철회한분")
    RecipientFactory(name="동의한분")
    ConsentRecord.objects.filter(recipient=flagged, item="collection_use").update(
        withdrawn_on=TODAY, withdrawal_method="in_person"
    )

    body = desk.get(f"{DESK}recipients/").content.decode()

    # then only the one who withdrew carries the badge
    row_of = {name: body[body.index(name) : body.index("</tr>", body.index(name))]
              for name in ("철회한분", "동의한분")}  # fmt: skip
    assert "동의 철회" in row_of["철회한분"]
    assert "동의 철회" not in row_of["동의한분"]
