"""The database holds the consent rules whatever writes the rows; published texts never change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from care.consent import texts
from care.consent.models import ConsentRecord
from tests.factories import ConsentRecordFactory, RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused(**fields: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRecordFactory(**fields)


def test_second_record_in_force_for_one_item_is_refused() -> None:
    # given a third-party consent in force
    first = ConsentRecordFactory()

    # when another one for the same person and item is written, then the database refuses
    refused(recipient=first.recipient)


def test_new_record_after_a_withdrawal_is_accepted() -> None:
    # given a withdrawn consent
    first = ConsentRecordFactory(
        withdrawn_on=dt.date(2026, 12, 3), withdrawal_method=ConsentRecord.Method.IN_PERSON
    )

    # when the person agrees again
    again = ConsentRecordFactory(recipient=first.recipient, given_on=dt.date(2026, 12, 4))

    # then both rows stay, one in force
    assert ConsentRecord.objects.filter(recipient=first.recipient).count() == 2
    assert again.in_force and not ConsentRecord.objects.get(pk=first.pk).in_force


def test_withdrawal_before_the_consent_is_refused() -> None:
    refused(
        given_on=dt.date(2026, 12, 3),
        withdrawn_on=dt.date(2026, 12, 2),
        withdrawal_method=ConsentRecord.Method.IN_PERSON,
    )


def test_phone_consent_without_who_took_it_is_refused() -> None:
    refused(method=ConsentRecord.Method.PHONE, taken_by=None)


def test_phone_consent_with_who_took_it_is_accepted() -> None:
    record = ConsentRecordFactory(method=ConsentRecord.Method.PHONE, taken_by=UserFactory())
    assert record.pk


def test_phone_withdrawal_without_who_took_it_is_refused() -> None:
    refused(withdrawn_on=dt.date(2026, 12, 3), withdrawal_method=ConsentRecord.Method.PHONE)


def test_withdrawal_date_without_a_method_is_refused() -> None:
    refused(withdrawn_on=dt.date(2026, 12, 3))


def test_representative_without_name_and_relation_is_refused() -> None:
    refused(given_by=ConsentRecord.GivenBy.REPRESENTATIVE, representative_name="김엄마")


def test_unknown_item_and_empty_version_are_refused() -> None:
    refused(item="marketing")
    refused(text_version="")


def test_recipient_factory_gives_the_collection_item_of_its_consent_date() -> None:
    recipient = RecipientFactory()
    record = ConsentRecord.objects.get(recipient=recipient)
    assert (record.item, record.given_on) == (texts.COLLECTION_USE, recipient.consent_date)


# The digests of the published texts. A published version is never edited: a change of
# wording is a new version. If this test fails, put the old text back and add a version.
PUBLISHED = {
    (
        "collection_use",
        "legacy",
    ): "6fa1b9dc7aedace288e0bea1a946e4a01c32b52c6dc5ee4200b78fa3d902e6b2",
    (
        "collection_use",
        "2026-1",
    ): "0e77a1611932f57ca75dfc883f0721ea4e8732f95e53c6fd6e0922192f7b0c2f",
    ("sensitive", "2026-1"): "9dd785160f7a4fc6330179317b329b4ae5f34962c3a77f563005d3e1926ca79f",
    ("third_party", "2026-1"): "bc40de7db34b222317d713fd91fc18b21641ebcee2593ceb016b6d3ed564cfd9",
}


@pytest.mark.parametrize("key", sorted(PUBLISHED))
def test_published_consent_texts_are_never_edited(key: tuple[str, str]) -> None:
    assert texts.VERSIONS[key].digest == PUBLISHED[key]


def test_every_item_has_a_current_text() -> None:
    assert set(texts.CURRENT) == set(texts.ITEMS)
    assert all(text.version != texts.LEGACY_VERSION for text in texts.CURRENT.values())
