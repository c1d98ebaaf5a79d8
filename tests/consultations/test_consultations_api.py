"""/api/v1/consultations/: recording consultations, who reads them, a person's history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from base.models import AccessLog
from consultations.models import Consultation
from tests.conftest import client_for
from tests.consultations.consultation_factories import (
    ConsultationFactory,
    ReferralFactory,
    seoul,
)
from tests.factories import RecipientFactory, UserFactory, program, region

pytestmark = pytest.mark.django_db

URL = "/api/v1/consultations/"


def detail_url(pk: int) -> str:
    return f"{URL}{pk}/"


def done_url(pk: int) -> str:
    return f"{URL}{pk}/follow-up-done/"


@pytest.fixture
def counselor(db: Any) -> Any:
    # The same account as the shared counselor_api fixture's (usernames are get-or-create).
    return UserFactory(username="counselor1", roles=["counselor"])


@pytest.fixture
def administrator_api(db: Any) -> APIClient:
    return client_for(UserFactory(username="admin1", roles=["administrator"]))


def consultation_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "held_at": "2023-03-02T10:30:00+09:00",
        "channel": "phone",
        "program": "care_info_counseling",
        "person_name": "홍길순",
        "person_contact": "010-1234-5678",
        "region": "jeonju",
        "topics": ["care_emergency", "living_meal"],
        "summary": "어머니가 퇴원하셨는데 낮 동안 돌볼 사람이 없음",
        "outcome": "informed",
    }
    payload.update(overrides)
    return payload


def result_ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- create -------------------------------------------------------------------------------


def test_counselor_records_a_consultation_with_a_named_person(
    counselor_api: APIClient, counselor: Any
) -> None:
    # when a counselor records a phone consultation with someone who is not a recipient
    response = counselor_api.post(URL, consultation_payload(), format="json")

    # then it is stored with the caller as its counselor
    assert response.status_code == 201, response.content
    body = response.json()
    consultation = Consultation.objects.get(pk=body["id"])
    assert consultation.counselor == counselor
    assert consultation.held_at == seoul(2023, 3, 2, 10, 30)
    assert consultation.program.code == "care_info_counseling"
    assert body["counselor"] == "counselor1"
    assert body["program"] == "care_info_counseling"
    assert body["region"] == "jeonju"
    assert sorted(body["topics"]) == ["care_emergency", "living_meal"]
    assert body["recipient"] is None
    assert body["recipient_name"] is None
    assert body["referrals"] == []
    assert body["share_consent_at"] is None
    assert "share_consent" not in body


def test_consultation_with_a_recipient_takes_their_region_and_is_access_logged(
    counselor_api: APIClient,
) -> None:
    # given a registered recipient in Wanju
    recipient = RecipientFactory(name="김순례")

    # when a counselor records a consultation about them without naming a region
    payload = consultation_payload(
        recipient=recipient.pk, person_name="", person_contact="", region=None
    )
    response = counselor_api.post(URL, payload, format="json")

    # then the recipient's name and region are shown and the write is in the access log
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recipient"] == recipient.pk
    assert body["recipient_name"] == "김순례"
    assert body["region"] == "wanju"
    row = AccessLog.objects.get()
    assert (row.action, row.subject_id, row.username) == (
        AccessLog.Action.CREATE,
        recipient.pk,
        "counselor1",
    )


def test_anonymous_consultation_is_recorded_without_identity(counselor_api: APIClient) -> None:
    payload = consultation_payload(is_anonymous=True, person_name="", person_contact="")

    response = counselor_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["is_anonymous"] is True


def test_outreach_counseling_is_a_counseling_program(counselor_api: APIClient) -> None:
    payload = consultation_payload(program="outreach_counseling", channel="outreach")

    response = counselor_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content


def test_held_at_defaults_to_now(counselor_api: APIClient) -> None:
    payload = consultation_payload()
    del payload["held_at"]

    response = counselor_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    held_at = Consultation.objects.get().held_at
    assert abs(held_at - timezone.now()) < dt.timedelta(minutes=1)


def test_share_consent_records_when_it_was_given(counselor_api: APIClient) -> None:
    payload = consultation_payload(share_consent=True, share_consent_scope="복지관에 연락처 제공")

    response = counselor_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["share_consent_at"] is not None
    assert body["share_consent_scope"] == "복지관에 연락처 제공"


def test_client_cannot_set_counselor_or_read_only_times(
    counselor_api: APIClient, counselor: Any
) -> None:
    # given a client naming another counselor and setting the times the system keeps
    payload = consultation_payload(
        counselor="someone_else",
        follow_up_done_at="2023-03-05T10:00:00+09:00",
        share_consent_at="2023-03-01T10:00:00+09:00",
    )

    # when it is posted
    response = counselor_api.post(URL, payload, format="json")

    # then those are ignored
    assert response.status_code == 201, response.content
    consultation = Consultation.objects.get()
    assert consultation.counselor == counselor
    assert consultation.follow_up_done_at is None
    assert consultation.share_consent_at is None


# --- refusals -----------------------------------------------------------------------------


def test_anonymous_consultation_with_a_name_is_refused(counselor_api: APIClient) -> None:
    # given an anonymous consultation that nevertheless names the person
    payload = consultation_payload(is_anonymous=True, person_contact="")

    # when it is posted
    response = counselor_api.post(URL, payload, format="json")

    # then is_anonymous is named and nothing is stored
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"is_anonymous"}
    assert not Consultation.objects.exists()


def test_anonymous_consultation_with_a_recipient_is_refused(counselor_api: APIClient) -> None:
    payload = consultation_payload(
        is_anonymous=True, person_name="", person_contact="", recipient=RecipientFactory().pk
    )

    response = counselor_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"is_anonymous"}


def test_follow_up_outcome_without_a_date_is_refused(counselor_api: APIClient) -> None:
    response = counselor_api.post(URL, consultation_payload(outcome="follow_up"), format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"follow_up_on"}
    assert not Consultation.objects.exists()


def test_follow_up_date_before_the_consultation_is_refused(counselor_api: APIClient) -> None:
    payload = consultation_payload(outcome="follow_up", follow_up_on="2023-03-01")

    response = counselor_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"follow_up_on"}


def test_a_program_that_is_not_counseling_is_refused(counselor_api: APIClient) -> None:
    # when a consultation is filed under emergency care (a care program, not counseling)
    response = counselor_api.post(
        URL, consultation_payload(program="emergency_care"), format="json"
    )

    # then program is named
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"program"}
    assert not Consultation.objects.exists()


def test_a_consultation_in_the_future_is_refused(counselor_api: APIClient) -> None:
    held_at = (timezone.now() + dt.timedelta(days=1)).isoformat()

    response = counselor_api.post(URL, consultation_payload(held_at=held_at), format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"held_at"}


def test_an_unknown_recipient_is_refused(counselor_api: APIClient) -> None:
    response = counselor_api.post(URL, consultation_payload(recipient=999_999), format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"recipient"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("held_at", "yesterday"),
        ("held_at", "0001-01-01T00:00:00"),  # year 1 in Seoul has no UTC value
        ("channel", "fax"),
        ("program", "no_such_program"),
        ("program", 7),
        ("region", "seoul"),
        ("topics", ["no_such_topic"]),
        ("topics", "care"),
        ("recipient", "abc"),
        ("recipient", 10**30),
        ("outcome", "solved"),
        ("follow_up_on", "next week"),
        ("is_anonymous", "perhaps"),
        ("share_consent", "perhaps"),
        ("summary", ""),
        ("person_name", "가" * 51),
    ],
)
def test_malformed_value_is_a_400_keyed_by_field(
    counselor_api: APIClient, field: str, value: object
) -> None:
    response = counselor_api.post(URL, consultation_payload(**{field: value}), format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {field}
    assert not Consultation.objects.exists()


def test_missing_required_fields_are_each_named(counselor_api: APIClient) -> None:
    response = counselor_api.post(URL, {}, format="json")

    assert response.status_code == 400, response.content
    assert {"channel", "program", "summary", "outcome"} <= set(response.json())


def test_malformed_json_is_a_400(counselor_api: APIClient) -> None:
    response = counselor_api.post(URL, "{", content_type="application/json")

    assert response.status_code == 400, response.content
    assert "detail" in response.json()


# --- update -------------------------------------------------------------------------------


def test_counselor_plans_a_follow_up(counselor_api: APIClient) -> None:
    # given a consultation
    consultation = ConsultationFactory(held_at=seoul(2023, 3, 2, 10))

    # when the counselor changes the outcome to a follow-up on a date
    response = counselor_api.patch(
        detail_url(consultation.pk),
        {"outcome": "follow_up", "follow_up_on": "2023-03-09", "topics": ["housing_repair"]},
        format="json",
    )

    # then both are stored, and the rest is unchanged
    assert response.status_code == 200, response.content
    consultation.refresh_from_db()
    assert consultation.outcome == Consultation.Outcome.FOLLOW_UP
    assert consultation.follow_up_on == dt.date(2023, 3, 9)
    assert consultation.person_name == "홍길순"
    assert response.json()["topics"] == ["housing_repair"]


def test_patch_records_and_withdraws_share_consent(counselor_api: APIClient) -> None:
    consultation = ConsultationFactory()

    given = counselor_api.patch(detail_url(consultation.pk), {"share_consent": True})
    withdrawn = counselor_api.patch(detail_url(consultation.pk), {"share_consent": False})

    assert given.status_code == 200, given.content
    assert given.json()["share_consent_at"] is not None
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["share_consent_at"] is None


def test_patch_that_breaks_a_rule_is_refused(counselor_api: APIClient) -> None:
    consultation = ConsultationFactory()

    response = counselor_api.patch(
        detail_url(consultation.pk), {"outcome": "follow_up"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"follow_up_on"}
    consultation.refresh_from_db()
    assert consultation.outcome == Consultation.Outcome.INFORMED


def test_patch_with_a_recipient_is_access_logged(counselor_api: APIClient) -> None:
    recipient = RecipientFactory()
    consultation = ConsultationFactory(recipient=recipient, person_name="", person_contact="")

    response = counselor_api.patch(detail_url(consultation.pk), {"summary": "다시 통화함"})

    assert response.status_code == 200, response.content
    row = AccessLog.objects.get()
    assert (row.action, row.subject_id) == (AccessLog.Action.CHANGE, recipient.pk)


@pytest.mark.parametrize("method", ["put", "delete"])
def test_consultations_are_neither_replaced_nor_deleted(
    counselor_api: APIClient, method: str
) -> None:
    consultation = ConsultationFactory()

    response = getattr(counselor_api, method)(
        detail_url(consultation.pk), consultation_payload(), format="json"
    )

    assert response.status_code == 405, response.content
    assert Consultation.objects.filter(pk=consultation.pk).exists()


# --- follow-up done -----------------------------------------------------------------------


def test_counselor_marks_the_follow_up_done(counselor_api: APIClient) -> None:
    # given a consultation whose follow-up day has come
    today = timezone.localdate()
    consultation = ConsultationFactory(
        outcome=Consultation.Outcome.FOLLOW_UP, follow_up_on=today - dt.timedelta(days=1)
    )
    assert result_ids(counselor_api.get(URL, {"follow_up_due": "true"})) == {consultation.pk}

    # when the counselor marks it done
    response = counselor_api.post(done_url(consultation.pk))

    # then it has a done time and is no longer due
    assert response.status_code == 200, response.content
    assert response.json()["follow_up_done_at"] is not None
    assert result_ids(counselor_api.get(URL, {"follow_up_due": "true"})) == set()


def test_a_consultation_without_a_follow_up_cannot_be_marked_done(
    counselor_api: APIClient,
) -> None:
    consultation = ConsultationFactory()

    response = counselor_api.post(done_url(consultation.pk))

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"follow_up_on"}


def test_coordinator_cannot_mark_a_follow_up_done(coordinator_api: APIClient) -> None:
    consultation = ConsultationFactory(
        outcome=Consultation.Outcome.FOLLOW_UP, follow_up_on=timezone.localdate()
    )

    response = coordinator_api.post(done_url(consultation.pk))

    assert response.status_code == 403, response.content
    consultation.refresh_from_db()
    assert consultation.follow_up_done_at is None


def test_follow_up_done_of_an_unknown_consultation_is_a_404(counselor_api: APIClient) -> None:
    response = counselor_api.post(done_url(999_999))

    assert response.status_code == 404, response.content


# --- who reads ----------------------------------------------------------------------------


def test_coordinator_reads_consultations(coordinator_api: APIClient) -> None:
    consultation = ConsultationFactory()

    listed = coordinator_api.get(URL)
    detail = coordinator_api.get(detail_url(consultation.pk))

    assert result_ids(listed) == {consultation.pk}
    assert detail.status_code == 200, detail.content
    assert detail.json()["summary"] == consultation.summary


def test_coordinator_cannot_record_or_change_a_consultation(coordinator_api: APIClient) -> None:
    consultation = ConsultationFactory()

    created = coordinator_api.post(URL, consultation_payload(), format="json")
    changed = coordinator_api.patch(detail_url(consultation.pk), {"summary": "바꿈"})

    assert created.status_code == 403, created.content
    assert changed.status_code == 403, changed.content
    assert Consultation.objects.count() == 1


def test_another_counselor_reads_a_colleagues_consultation(counselor_api: APIClient) -> None:
    # Counselors share one desk: a caller may answer a call another counselor took first.
    consultation = ConsultationFactory(counselor=UserFactory(roles=["counselor"]))

    response = counselor_api.get(detail_url(consultation.pk))

    assert response.status_code == 200, response.content


def test_administrator_reads_and_records(administrator_api: APIClient) -> None:
    consultation = ConsultationFactory()

    assert result_ids(administrator_api.get(URL)) == {consultation.pk}
    assert administrator_api.post(URL, consultation_payload(), format="json").status_code == 201


@pytest.mark.parametrize("client", ["caregiver_api", "manager_api"])
def test_caregivers_and_managers_cannot_read_consultations(
    request: pytest.FixtureRequest, client: str
) -> None:
    # given a consultation with personal contents
    consultation = ConsultationFactory()
    api = request.getfixturevalue(client)

    # when a caregiver or a manager asks for the list and the record
    listed = api.get(URL)
    detail = api.get(detail_url(consultation.pk))

    # then both are refused, and no personal contents are in the answers
    assert listed.status_code == 403, listed.content
    assert detail.status_code == 403, detail.content
    assert "홍길순" not in listed.content.decode() + detail.content.decode()


@pytest.mark.parametrize("client", ["caregiver_api", "manager_api"])
def test_caregivers_and_managers_cannot_record_consultations(
    request: pytest.FixtureRequest, client: str
) -> None:
    response = request.getfixturevalue(client).post(URL, consultation_payload(), format="json")

    assert response.status_code == 403, response.content
    assert not Consultation.objects.exists()


def test_anonymous_caller_is_refused(api: APIClient) -> None:
    consultation = ConsultationFactory()

    listed = api.get(URL)
    detail = api.get(detail_url(consultation.pk))
    created = api.post(URL, consultation_payload(), format="json")
    done = api.post(done_url(consultation.pk))

    for response in (listed, detail, created, done):
        assert response.status_code in (401, 403), response.content
    assert Consultation.objects.count() == 1


def test_a_permission_without_a_desk_role_reaches_no_consultation(db: Any) -> None:
    # given an account handed the view permission directly, without a desk role
    user = UserFactory(username="outsider")
    user.user_permissions.add(Permission.objects.get(codename="view_consultation"))
    consultation = ConsultationFactory()
    api = client_for(user)

    # when it asks for the consultation
    response = api.get(detail_url(consultation.pk))

    # then the row rule still hides it
    assert response.status_code == 404, response.content
    assert result_ids(api.get(URL)) == set()


@pytest.mark.parametrize("pk", [999_999, 10**30])
def test_an_unknown_consultation_is_a_404(counselor_api: APIClient, pk: int) -> None:
    response = counselor_api.get(detail_url(pk))

    assert response.status_code == 404, response.content


def test_a_recipient_the_caller_cannot_see_cannot_be_named(db: Any) -> None:
    # given an administrator's helper account that may write consultations but, holding no
    # desk role, sees no recipient
    user = UserFactory(username="helper")
    user.user_permissions.add(*Permission.objects.filter(codename="add_consultation"))
    api = client_for(user)

    response = api.post(
        URL,
        consultation_payload(recipient=RecipientFactory().pk, person_name="", person_contact=""),
        format="json",
    )

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"recipient"}


# --- access log of reads ------------------------------------------------------------------


def test_reading_a_consultation_with_a_recipient_is_access_logged(
    coordinator_api: APIClient,
) -> None:
    recipient = RecipientFactory()
    consultation = ConsultationFactory(recipient=recipient, person_name="", person_contact="")

    response = coordinator_api.get(detail_url(consultation.pk))

    assert response.status_code == 200, response.content
    row = AccessLog.objects.get()
    assert (row.action, row.subject_id, row.username) == (
        AccessLog.Action.VIEW,
        recipient.pk,
        "coordinator1",
    )
    assert row.path == detail_url(consultation.pk)


def test_a_list_logs_the_recipients_on_its_page_only(counselor_api: APIClient) -> None:
    # given two consultations with recipients and one with a person who is not one
    with_recipient = [
        ConsultationFactory(recipient=RecipientFactory(), person_name="", person_contact="")
        for _ in range(2)
    ]
    ConsultationFactory()

    response = counselor_api.get(URL)

    assert response.status_code == 200, response.content
    logged = set(AccessLog.objects.values_list("subject_id", flat=True))
    assert logged == {c.recipient_id for c in with_recipient}


def test_reading_a_consultation_without_a_recipient_logs_nothing(
    counselor_api: APIClient,
) -> None:
    consultation = ConsultationFactory()

    assert counselor_api.get(detail_url(consultation.pk)).status_code == 200
    assert counselor_api.get(URL).status_code == 200
    assert not AccessLog.objects.exists()


# --- filters and a person's history -------------------------------------------------------


def test_channel_and_outcome_filters(counselor_api: APIClient) -> None:
    wanted = ConsultationFactory(
        channel=Consultation.Channel.WALK_IN, outcome=Consultation.Outcome.REFERRED
    )
    ConsultationFactory(channel=Consultation.Channel.WALK_IN)
    ConsultationFactory(outcome=Consultation.Outcome.REFERRED)

    response = counselor_api.get(URL, {"channel": "walk_in", "outcome": "referred"})

    assert result_ids(response) == {wanted.pk}


def test_counselor_filter_takes_a_username_or_an_id(counselor_api: APIClient) -> None:
    mine = ConsultationFactory(counselor=UserFactory(username="counselor1"))
    ConsultationFactory()

    assert result_ids(counselor_api.get(URL, {"counselor": "counselor1"})) == {mine.pk}
    assert result_ids(counselor_api.get(URL, {"counselor": mine.counselor_id})) == {mine.pk}
    assert result_ids(counselor_api.get(URL, {"counselor": "nobody"})) == set()


def test_counselor_filter_with_a_number_beyond_any_id_finds_nobody(
    counselor_api: APIClient,
) -> None:
    ConsultationFactory()

    assert result_ids(counselor_api.get(URL, {"counselor": str(10**30)})) == set()


def test_program_filter_takes_a_code(counselor_api: APIClient) -> None:
    outreach = ConsultationFactory(program=program("outreach_counseling"))
    ConsultationFactory()

    response = counselor_api.get(URL, {"program": "outreach_counseling"})

    assert result_ids(response) == {outreach.pk}


def test_held_after_and_before_read_dates_in_seoul_time(counselor_api: APIClient) -> None:
    # given consultations just after midnight on 1 March and just before it, Seoul time
    # (both on 28 February in UTC)
    march_first = ConsultationFactory(held_at=seoul(2023, 3, 1, 0, 30))
    february_last = ConsultationFactory(held_at=seoul(2023, 2, 28, 23, 30))

    # then a date is the start of that day in Seoul
    assert result_ids(counselor_api.get(URL, {"held_after": "2023-03-01"})) == {march_first.pk}
    assert result_ids(counselor_api.get(URL, {"held_before": "2023-03-01"})) == {february_last.pk}
    # and a datetime without an offset is Seoul time, one with an offset is taken as given
    assert result_ids(counselor_api.get(URL, {"held_after": "2023-03-01T00:15"})) == {
        march_first.pk
    }
    assert result_ids(counselor_api.get(URL, {"held_after": "2023-02-28T15:00:00Z"})) == {
        march_first.pk
    }
    assert result_ids(
        counselor_api.get(
            URL, {"held_after": "2023-02-28T14:00:00Z", "held_before": "2023-02-28T15:00:00Z"}
        )
    ) == {february_last.pk}


def test_recipient_filter_gives_a_recipients_history(counselor_api: APIClient) -> None:
    recipient = RecipientFactory()
    history = [
        ConsultationFactory(recipient=recipient, person_name="", person_contact="")
        for _ in range(2)
    ]
    ConsultationFactory(recipient=RecipientFactory(), person_name="", person_contact="")

    response = counselor_api.get(URL, {"recipient": recipient.pk})

    assert result_ids(response) == {c.pk for c in history}


def test_person_contact_filter_matches_exactly(counselor_api: APIClient) -> None:
    first = ConsultationFactory(person_contact="010-1111-2222")
    second = ConsultationFactory(person_contact="010-1111-2222")
    ConsultationFactory(person_contact="010-1111-22223")

    response = counselor_api.get(URL, {"person_contact": "010-1111-2222"})

    assert result_ids(response) == {first.pk, second.pk}


def test_follow_up_due_filter(counselor_api: APIClient) -> None:
    today = timezone.localdate()
    due_today = ConsultationFactory(outcome="follow_up", follow_up_on=today)
    overdue = ConsultationFactory(outcome="follow_up", follow_up_on=today - dt.timedelta(days=3))
    later = ConsultationFactory(outcome="follow_up", follow_up_on=today + dt.timedelta(days=1))
    done = ConsultationFactory(
        outcome="follow_up", follow_up_on=today - dt.timedelta(days=1),
        follow_up_done_at=timezone.now(),
    )  # fmt: skip
    none_planned = ConsultationFactory()

    assert result_ids(counselor_api.get(URL, {"follow_up_due": "true"})) == {
        due_today.pk,
        overdue.pk,
    }
    assert result_ids(counselor_api.get(URL, {"follow_up_due": "false"})) == {
        later.pk,
        done.pk,
        none_planned.pk,
    }


def test_search_finds_korean_substrings_of_name_and_summary(counselor_api: APIClient) -> None:
    by_name = ConsultationFactory(person_name="박돌봄")
    by_summary = ConsultationFactory(summary="긴급돌봄 신청 방법 문의")
    ConsultationFactory(summary="주거 수리 문의")

    response = counselor_api.get(URL, {"search": "돌봄"})

    assert result_ids(response) == {by_name.pk, by_summary.pk}


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("channel", "fax"),
        ("outcome", "solved"),
        ("program", "nope"),
        ("held_after", "yesterday"),
        ("held_before", "2023-02-30"),
        ("held_after", "0001-01-01"),
        ("held_before", "9999-12-31T23:59:59-12:00"),
        ("recipient", "abc"),
        ("recipient", "1.5"),
        ("recipient", "0"),
        ("recipient", str(10**30)),
        ("follow_up_due", "maybe"),
    ],
)
def test_bad_filter_value_is_a_400(counselor_api: APIClient, param: str, value: str) -> None:
    response = counselor_api.get(URL, {param: value})

    assert response.status_code == 400, response.content
    assert set(response.json()) == {param}


# --- queries ------------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_page_size(counselor_api: APIClient) -> None:
    # given 30 consultations, each with a recipient, two topics and two referrals
    for _ in range(30):
        consultation = ConsultationFactory(
            recipient=RecipientFactory(),
            person_name="",
            person_contact="",
            region=region("wanju"),
            topics=["care_emergency", "living_meal"],
            share_consent_at=timezone.now(),
        )
        ReferralFactory.create_batch(2, consultation=consultation)
    counselor_api.get(URL, {"page_size": 1})  # warm the user's permission cache

    # when listing 3 and then 30 per page
    with CaptureQueriesContext(connection) as small:
        small_page = counselor_api.get(URL, {"page_size": 3})
    with CaptureQueriesContext(connection) as large:
        large_page = counselor_api.get(URL, {"page_size": 30})

    # then both pages took the same number of queries, nested referrals and all
    assert len(small_page.json()["results"]) == 3
    assert len(large_page.json()["results"]) == 30
    assert all(len(row["referrals"]) == 2 for row in large_page.json()["results"])
    assert all(len(row["topics"]) == 2 for row in large_page.json()["results"])
    assert len(large) == len(small), [query["sql"] for query in large.captured_queries]


# --- the schema ---------------------------------------------------------------------------


def test_schema_documents_the_consultation_endpoints(coordinator_api: APIClient) -> None:
    schema = coordinator_api.get("/api/v1/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/consultations/"])
    assert "delete" not in paths["/api/v1/consultations/{id}/"]
    assert "put" not in paths["/api/v1/consultations/{id}/"]
    assert "post" in paths["/api/v1/consultations/{id}/follow-up-done/"]
    assert {"400", "403"} <= set(paths["/api/v1/consultations/"]["post"]["responses"])
    assert "404" in paths["/api/v1/consultations/{id}/"]["get"]["responses"]
    parameters = {p["name"] for p in paths["/api/v1/consultations/"]["get"]["parameters"]}
    assert {"channel", "outcome", "counselor", "held_after", "held_before"} <= parameters
    for component in ("Consultation", "ConsultationRequest", "PatchedConsultationRequest"):
        properties = schema["components"]["schemas"][component]["properties"]
        undocumented = [name for name, spec in properties.items() if not spec.get("description")]
        assert undocumented == [], component
