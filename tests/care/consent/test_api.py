"""/api/v1/recipients/{id}/consents/ and /api/v1/consent-texts/: who may, what is refused and
why, and every read in the access log."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from base.models import AccessLog
from care.consent import texts
from care.consent.models import ConsentRecord
from care.models import Recipient
from consultations.models import Referral
from tests.consultations.consultation_factories import ConsultationFactory, WelfareResourceFactory
from tests.factories import ConsentRecordFactory, RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()


def url(recipient: Recipient) -> str:
    return f"/api/v1/recipients/{recipient.pk}/consents/"


def withdraw_url(record: ConsentRecord) -> str:
    return f"/api/v1/recipients/{record.recipient_id}/consents/{record.pk}/withdraw/"


def payload(**overrides: Any) -> dict[str, Any]:
    return {"item": "third_party", "given_on": TODAY, "method": "in_person", **overrides}


def test_coordinator_records_a_consent_by_phone(coordinator_api: APIClient) -> None:
    # given a recipient
    recipient = RecipientFactory()

    # when the coordinator records the third-party item taken by phone
    response = coordinator_api.post(url(recipient), payload(method="phone"), format="json")

    # then it is stored with the current text and the coordinator as who took it
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text_version"] == texts.CURRENT["third_party"].version
    assert body["taken_by"] == "coordinator1"
    assert body["in_force"] is True


def test_counselor_records_a_consent(counselor_api: APIClient) -> None:
    response = counselor_api.post(url(RecipientFactory()), payload(), format="json")
    assert response.status_code == 201, response.content


def test_list_shows_the_history_and_is_logged(coordinator_api: APIClient) -> None:
    # given a person with the collection item (factory) and a withdrawn third-party one
    recipient = RecipientFactory()
    record = ConsentRecordFactory(recipient=recipient)
    coordinator_api.post(withdraw_url(record), {"method": "in_person"}, format="json")

    # when the coordinator lists their consents
    response = coordinator_api.get(url(recipient))

    # then both items are there, and the read is in the access log
    assert response.status_code == 200
    rows = {row["item"]: row for row in response.json()["results"]}
    assert set(rows) == {"collection_use", "third_party"}
    assert rows["third_party"]["in_force"] is False
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, subject_id=recipient.pk, path=url(recipient)
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"item": "marketing"}, "item"),
        ({"method": "legacy"}, "method"),
        ({"given_on": "yesterday"}, "given_on"),
        ({"text_version": "1999-1"}, "text_version"),
        ({"taken_by": "nobody-by-that-name"}, "taken_by"),
        ({"given_by": "representative"}, "representative_name"),
        ({"given_on": "2999-01-01"}, "given_on"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    coordinator_api: APIClient, overrides: dict[str, Any], field: str
) -> None:
    response = coordinator_api.post(url(RecipientFactory()), payload(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_childs_own_consent_is_a_400_naming_given_by(coordinator_api: APIClient) -> None:
    # given an eight-year-old
    today = timezone.localdate()
    recipient = RecipientFactory(
        birth_date=today.replace(year=today.year - 8, day=min(today.day, 28)),
        category="child",
        status="referred",
        consent_date=None,
        consent_scope="",
    )

    # when their own consent is recorded, then the representative is asked for
    response = coordinator_api.post(url(recipient), payload(item="collection_use"), format="json")
    assert response.status_code == 400
    assert "given_by" in response.json()

    # and with the representative named it is recorded
    response = coordinator_api.post(
        url(recipient),
        payload(item="collection_use", given_by="representative", representative_name="이엄마",
                representative_relation="모"),
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content


def test_second_consent_in_force_is_a_400_naming_item(coordinator_api: APIClient) -> None:
    record = ConsentRecordFactory()
    response = coordinator_api.post(url(record.recipient), payload(), format="json")
    assert response.status_code == 400
    assert "item" in response.json()


def test_withdraw_records_the_withdrawal(coordinator_api: APIClient) -> None:
    record = ConsentRecordFactory()
    response = coordinator_api.post(
        withdraw_url(record), {"withdrawn_on": TODAY, "method": "phone"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["withdrawn_on"], body["withdrawal_method"], body["withdrawal_taken_by"]) == (
        TODAY, "phone", "coordinator1",
    )  # fmt: skip


def test_withdrawing_twice_is_a_400(coordinator_api: APIClient) -> None:
    record = ConsentRecordFactory()
    coordinator_api.post(withdraw_url(record), {"method": "phone"}, format="json")
    response = coordinator_api.post(withdraw_url(record), {"method": "phone"}, format="json")
    assert response.status_code == 400
    assert "withdrawn_on" in response.json()


def test_withdraw_without_a_method_is_a_400(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(withdraw_url(ConsentRecordFactory()), {}, format="json")
    assert response.status_code == 400
    assert "method" in response.json()


def test_unauthenticated_is_refused(api: APIClient) -> None:
    record = ConsentRecordFactory()
    assert api.get(url(record.recipient)).status_code in (401, 403)
    assert api.post(url(record.recipient), payload(), format="json").status_code in (401, 403)
    assert api.post(withdraw_url(record), {"method": "phone"}).status_code in (401, 403)
    assert api.get("/api/v1/consent-texts/").status_code in (401, 403)


def test_caregiver_and_manager_are_refused(
    caregiver: Any, caregiver_api: APIClient, manager_api: APIClient
) -> None:
    # the caregiver's own assigned recipient included: consent is the desks' business
    recipient = caregiver.assigned_recipient
    assert caregiver_api.get(url(recipient)).status_code == 403
    assert caregiver_api.post(url(recipient), payload(), format="json").status_code == 403
    assert manager_api.get(url(recipient)).status_code == 403


def test_unknown_recipient_is_a_404(coordinator_api: APIClient) -> None:
    assert coordinator_api.get("/api/v1/recipients/999999/consents/").status_code == 404
    response = coordinator_api.post("/api/v1/recipients/999999/consents/", payload(), format="json")
    assert response.status_code == 404


def test_another_recipients_record_is_a_404_on_withdraw(coordinator_api: APIClient) -> None:
    # given a record of one person, withdrawn through another person's path
    record = ConsentRecordFactory()
    other = RecipientFactory()
    response = coordinator_api.post(
        f"/api/v1/recipients/{other.pk}/consents/{record.pk}/withdraw/",
        {"method": "phone"},
        format="json",
    )
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.in_force


def test_list_queries_do_not_grow_with_the_records(coordinator_api: APIClient) -> None:
    # given a person with one record, then with many withdrawn and re-given
    recipient = RecipientFactory()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator_api.get(url(recipient)).status_code == 200
        return len(queries)

    few = count()
    taker = UserFactory()
    for item in ("third_party", "sensitive"):
        for day in range(1, 6):
            ConsentRecordFactory(
                recipient=recipient, item=item, given_on=f"2026-11-{day:02d}",
                withdrawn_on=f"2026-11-{day:02d}", withdrawal_method="in_writing",
                method="phone", taken_by=taker,
            )  # fmt: skip

    # then the list costs the same number of queries
    assert count() == few


def test_consent_texts_list_every_version_with_the_current_marked(
    counselor_api: APIClient,
) -> None:
    response = counselor_api.get("/api/v1/consent-texts/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {(row["item"], row["version"]) for row in rows} == set(texts.VERSIONS)
    current = {row["item"] for row in rows if row["current"]}
    assert current == set(texts.ITEMS)


def test_a_consent_taken_by_a_named_counselor_is_recorded_so(coordinator_api: APIClient) -> None:
    UserFactory(username="counselor9", roles=["counselor"])
    response = coordinator_api.post(
        url(RecipientFactory()), payload(method="phone", taken_by="counselor9"), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["taken_by"] == "counselor9"


def test_a_caregiver_cannot_be_named_as_having_taken_a_consent(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    response = coordinator_api.post(
        url(RecipientFactory()), payload(taken_by=caregiver.username), format="json"
    )
    assert response.status_code == 400
    assert "taken_by" in response.json()


def test_referral_api_refuses_a_person_who_withdrew_third_party(
    counselor_api: APIClient, coordinator_api: APIClient
) -> None:
    # given a recipient whose consultation recorded consent to share, who then withdrew the
    # third-party item
    record = ConsentRecordFactory()
    coordinator_api.post(withdraw_url(record), {"method": "phone"}, format="json")
    consultation = ConsultationFactory(
        recipient=record.recipient, person_name="", person_contact="",
        share_consent_at=timezone.now(),
    )  # fmt: skip

    # when the counselor refers them, then a 400 says why, and no referral is made
    response = counselor_api.post(
        "/api/v1/referrals/",
        {"consultation": consultation.pk, "resource": WelfareResourceFactory().pk},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "제3자 제공 동의가 철회" in response.json()["consent"][0]
    assert not Referral.objects.filter(consultation=consultation).exists()
