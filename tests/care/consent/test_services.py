"""Consent is taken item by item, a child through their legal representative, and a withdrawal
takes effect: the workflows that need the item refuse."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from base.models import AccessLog
from care import services as care_services
from care.consent import services, texts
from care.consent.models import ConsentRecord
from care.episodes import services as episode_services
from care.episodes.models import Episode
from care.models import Recipient
from consultations import services as consultation_services
from tests.care.episodes.conftest import assessment, episode_in
from tests.consultations.consultation_factories import ConsultationFactory, WelfareResourceFactory
from tests.factories import RecipientFactory, UserFactory, region

pytestmark = pytest.mark.django_db

Item = ConsentRecord.Item
Method = ConsentRecord.Method
TODAY = timezone.localdate()


@pytest.fixture
def coordinator() -> Any:
    return UserFactory(username="consent-coordinator", roles=["coordinator"])


def child(**fields: Any) -> Recipient:
    born = TODAY.replace(year=TODAY.year - 10)
    return RecipientFactory(
        birth_date=born, category=Recipient.Category.CHILD, status="referred", consent_date=None,
        consent_scope="", **fields,
    )  # fmt: skip


def take(actor: Any, recipient: Recipient, item: str = Item.THIRD_PARTY, **fields: Any) -> Any:
    values: dict[str, Any] = {"given_on": TODAY, "method": Method.IN_PERSON, **fields}
    return services.consent_record(actor=actor, recipient=recipient, item=item, **values)


def test_consent_stores_the_current_text_version_and_who_took_it(coordinator: Any) -> None:
    # given a person
    recipient = RecipientFactory()

    # when a coordinator takes the third-party item by phone
    record = take(coordinator, recipient, method=Method.PHONE)

    # then the record names the text shown today and the coordinator, and the read is logged
    assert record.text_version == texts.CURRENT[texts.THIRD_PARTY].version
    assert record.taken_by == coordinator
    assert AccessLog.objects.filter(subject_id=recipient.pk, path="consents").exists()


def test_unknown_text_version_is_refused_naming_the_field(coordinator: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        take(coordinator, RecipientFactory(), text_version="1999-9")
    assert "text_version" in raised.value.message_dict


def test_the_legacy_text_cannot_be_used_for_a_new_consent(coordinator: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        take(coordinator, RecipientFactory(), item=Item.SENSITIVE, text_version="legacy")
    assert "text_version" in raised.value.message_dict


def test_consent_dated_in_the_future_is_refused(coordinator: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        take(coordinator, RecipientFactory(), given_on=TODAY + dt.timedelta(days=1))
    assert "given_on" in raised.value.message_dict


def test_second_consent_for_an_item_in_force_is_refused(coordinator: Any) -> None:
    recipient = RecipientFactory()
    take(coordinator, recipient)
    with pytest.raises(ValidationError) as raised:
        take(coordinator, recipient)
    assert "item" in raised.value.message_dict


def test_child_consent_given_by_the_child_is_refused_naming_given_by(coordinator: Any) -> None:
    # given a ten-year-old
    recipient = child()

    # when the consent is recorded as the child's own, then it is refused
    with pytest.raises(ValidationError) as raised:
        take(coordinator, recipient, item=Item.COLLECTION_USE)
    assert "given_by" in raised.value.message_dict


def test_child_consent_by_a_legal_representative_is_recorded(coordinator: Any) -> None:
    recipient = child()
    record = take(
        coordinator, recipient, item=Item.COLLECTION_USE,
        given_by=ConsentRecord.GivenBy.REPRESENTATIVE, representative_name="김엄마",
        representative_relation="모",
    )  # fmt: skip
    assert record.representative_name == "김엄마"


def test_a_fourteen_year_old_consents_for_themself(coordinator: Any) -> None:
    # 만 14세 on the day: no longer under 14
    born = dt.date(TODAY.year - 14, TODAY.month, min(TODAY.day, 28))
    recipient = RecipientFactory(birth_date=born, consent_date=None, status="referred")
    assert take(coordinator, recipient, item=Item.COLLECTION_USE).given_by == "self"


def test_the_day_before_the_fourteenth_birthday_is_still_a_child() -> None:
    assert services.age_on(dt.date(2012, 6, 10), dt.date(2026, 6, 9)) == 13
    assert services.age_on(dt.date(2012, 6, 10), dt.date(2026, 6, 10)) == 14


def test_collection_consent_fills_the_older_consent_date(coordinator: Any) -> None:
    recipient = RecipientFactory(status="referred", consent_date=None, consent_scope="")
    take(coordinator, recipient, item=Item.COLLECTION_USE, given_on=dt.date(2026, 12, 1))
    recipient.refresh_from_db()
    assert recipient.consent_date == dt.date(2026, 12, 1)
    assert recipient.consent_scope == texts.CURRENT[texts.COLLECTION_USE].title


def test_withdrawal_is_recorded_with_date_method_and_who(coordinator: Any) -> None:
    record = take(coordinator, RecipientFactory())
    record = services.consent_withdraw(
        actor=coordinator, record=record, withdrawn_on=TODAY, method=Method.PHONE
    )
    assert (record.withdrawn_on, record.withdrawal_method) == (TODAY, Method.PHONE)
    assert record.withdrawal_taken_by == coordinator


def test_withdrawing_twice_is_refused(coordinator: Any) -> None:
    record = take(coordinator, RecipientFactory())
    services.consent_withdraw(actor=coordinator, record=record, withdrawn_on=TODAY, method="phone")
    with pytest.raises(ValidationError) as raised:
        services.consent_withdraw(
            actor=coordinator, record=record, withdrawn_on=TODAY, method="phone"
        )
    assert "withdrawn_on" in raised.value.message_dict


def test_withdrawal_before_the_consent_day_is_refused(coordinator: Any) -> None:
    record = take(coordinator, RecipientFactory(), given_on=TODAY)
    with pytest.raises(ValidationError) as raised:
        services.consent_withdraw(
            actor=coordinator,
            record=record,
            withdrawn_on=TODAY - dt.timedelta(days=1),
            method="in_person",
        )
    assert "withdrawn_on" in raised.value.message_dict


# --- the withdrawal takes effect ---------------------------------------------------------


def referral_for(recipient: Recipient, coordinator: Any) -> Any:
    consultation = ConsultationFactory(
        recipient=recipient, person_name="", person_contact="", share_consent_at=timezone.now()
    )
    return consultation_services.referral_create(
        actor=coordinator, consultation=consultation, resource=WelfareResourceFactory()
    )


def test_referral_of_a_person_who_withdrew_third_party_is_refused(coordinator: Any) -> None:
    # given a person whose consultation recorded consent to share, who then withdrew it
    recipient = RecipientFactory()
    record = take(coordinator, recipient)
    services.consent_withdraw(actor=coordinator, record=record, withdrawn_on=TODAY, method="phone")

    # when a counselor refers them to a resource, then it is refused and says why
    with pytest.raises(ValidationError) as raised:
        referral_for(recipient, coordinator)
    assert "consent" in raised.value.message_dict


def test_referral_after_consenting_again_is_accepted(coordinator: Any) -> None:
    recipient = RecipientFactory()
    record = take(coordinator, recipient)
    services.consent_withdraw(actor=coordinator, record=record, withdrawn_on=TODAY, method="phone")
    take(coordinator, recipient)
    assert referral_for(recipient, coordinator).pk


def test_referral_of_a_person_who_never_withdrew_is_accepted(coordinator: Any) -> None:
    assert referral_for(RecipientFactory(), coordinator).pk


def test_linked_closure_of_a_person_who_withdrew_third_party_is_refused(
    coordinator: Any, care_program: Any
) -> None:
    # given an active episode of a person who withdrew the third-party item
    episode = episode_in(Episode.State.ACTIVE, care_program)
    record = take(coordinator, episode.recipient)
    services.consent_withdraw(actor=coordinator, record=record, withdrawn_on=TODAY, method="phone")

    # when it is closed as linked to an outside organization, then it is refused
    with pytest.raises(ValidationError) as raised:
        episode_services.episode_close(
            actor=coordinator,
            episode=episode,
            reason=Episode.ClosureReason.LINKED,
            linked_resource=WelfareResourceFactory(),
        )
    assert "consent" in raised.value.message_dict


def test_assessment_of_a_person_who_withdrew_sensitive_is_refused(
    coordinator: Any, care_program: Any
) -> None:
    # given a referred episode of a person who withdrew the health item
    episode = episode_in(Episode.State.REFERRED, care_program)
    record = take(coordinator, episode.recipient, item=Item.SENSITIVE)
    services.consent_withdraw(actor=coordinator, record=record, withdrawn_on=TODAY, method="phone")

    # when the assessment is recorded, then it is refused naming the consent
    with pytest.raises(ValidationError) as raised:
        episode_services.episode_assess(actor=coordinator, episode=episode, **assessment())
    assert "consent" in raised.value.message_dict


def test_starting_care_needs_collection_use_in_force(coordinator: Any) -> None:
    # given a referred person whose collection consent was withdrawn
    recipient = RecipientFactory(status="referred")
    record = ConsentRecord.objects.get(recipient=recipient, item=Item.COLLECTION_USE)
    services.consent_withdraw(actor=coordinator, record=record, withdrawn_on=TODAY, method="phone")

    # when a coordinator makes them active, then the status is refused
    with pytest.raises(ValidationError) as raised:
        care_services.recipient_update(actor=coordinator, recipient=recipient, status="active")
    assert "status" in raised.value.message_dict


def test_withdrawing_collection_use_leaves_an_active_person_active(coordinator: Any) -> None:
    recipient = RecipientFactory()
    record = ConsentRecord.objects.get(recipient=recipient, item=Item.COLLECTION_USE)
    services.consent_withdraw(actor=coordinator, record=record, withdrawn_on=TODAY, method="phone")
    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.ACTIVE
    assert care_services.recipient_update(actor=coordinator, recipient=recipient, notes="메모")


# --- intake and older clients ---------------------------------------------------------------


def intake_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "항목동의", "birth_date": dt.date(1944, 5, 2), "sex": "F",
        "address": "전북특별자치도 완주군 봉동읍 봉동로 1", "region": region("wanju"),
        "admin_unit": "봉동읍", "category": "elderly", "emergency_reason": "carer_absent",
        "status": "active",
    }  # fmt: skip
    fields.update(overrides)
    return fields


def test_intake_records_each_item_given(coordinator: Any) -> None:
    consents = [
        {"item": item, "given_on": TODAY, "method": Method.IN_PERSON}
        for item in (texts.COLLECTION_USE, texts.THIRD_PARTY)
    ]
    recipient = care_services.recipient_create(
        actor=coordinator, consents=consents, **intake_fields()
    )
    assert set(recipient.consents.values_list("item", flat=True)) == {
        texts.COLLECTION_USE,
        texts.THIRD_PARTY,
    }
    assert recipient.consent_date == TODAY


def test_older_clients_consent_date_becomes_a_legacy_collection_record(coordinator: Any) -> None:
    recipient = care_services.recipient_create(
        actor=coordinator,
        **intake_fields(consent_date=dt.date(2023, 1, 10), consent_scope="긴급돌봄"),
    )
    record = recipient.consents.get()
    assert (record.item, record.text_version, record.method) == (
        texts.COLLECTION_USE,
        texts.LEGACY_VERSION,
        Method.LEGACY,
    )


def test_older_clients_child_without_a_guardian_is_refused_naming_guardian_name(
    coordinator: Any,
) -> None:
    born = TODAY.replace(year=TODAY.year - 9)
    with pytest.raises(ValidationError) as raised:
        care_services.recipient_create(
            actor=coordinator,
            **intake_fields(
                birth_date=born, category="child", consent_date=TODAY, consent_scope="긴급돌봄"
            ),
        )
    assert "guardian_name" in raised.value.message_dict
    assert not Recipient.objects.filter(name="항목동의").exists()


def test_migration_turns_existing_consent_dates_into_legacy_records() -> None:
    # given recipients of before items existed: one adult, one child with a guardian, one
    # referred person who never consented
    adult = RecipientFactory(consents=False, consent_date=dt.date(2023, 1, 10))
    young = RecipientFactory(
        consents=False, birth_date=dt.date(2015, 3, 1), consent_date=dt.date(2023, 2, 1),
        guardian_name="박아빠", guardian_relation="부",
    )  # fmt: skip
    never = RecipientFactory(consents=False, consent_date=None, consent_scope="", status="referred")

    # when the data migration runs
    migration = importlib.import_module("care.migrations.0026_consent_records")
    migration.legacy_consents(apps, None)

    # then each consent date is a collection_use record of the legacy text, on that day
    record = ConsentRecord.objects.get(recipient=adult)
    assert (record.item, record.text_version, record.given_on, record.given_by) == (
        texts.COLLECTION_USE, "legacy", dt.date(2023, 1, 10), "self",
    )  # fmt: skip
    child_record = ConsentRecord.objects.get(recipient=young)
    assert (child_record.given_by, child_record.representative_name) == ("representative", "박아빠")
    assert not ConsentRecord.objects.filter(recipient=never).exists()
