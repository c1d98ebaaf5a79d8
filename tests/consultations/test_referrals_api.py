"""/api/v1/referrals/: referring a consulted person to resources, consent, and each referral's
way from referred to linked or closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from consultations.models import Consultation, Referral, ReferralStateChange, WelfareResource
from tests.conftest import client_for
from tests.consultations.consultation_factories import (
    ConsultationFactory,
    OrganizationFactory,
    ReferralFactory,
    WelfareResourceFactory,
)
from tests.factories import RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"
CONSULTATIONS = "/api/v1/consultations/"


def detail_url(pk: int) -> str:
    return f"{URL}{pk}/"


def transition_url(pk: int) -> str:
    return f"{URL}{pk}/transition/"


@pytest.fixture
def counselor(db: Any) -> Any:
    return UserFactory(username="counselor1", roles=["counselor"])


@pytest.fixture
def resource(db: Any) -> WelfareResource:
    return WelfareResourceFactory(
        name="노인맞춤돌봄서비스", organization=OrganizationFactory(name="완주군노인복지관")
    )


def consenting(**fields: Any) -> Consultation:
    return ConsultationFactory(share_consent_at=timezone.now(), **fields)


def result_ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def refer(
    api: APIClient, consultation: Consultation, resource: WelfareResource, **extra: Any
) -> Any:
    payload = {"consultation": consultation.pk, "resource": resource.pk, **extra}
    return api.post(URL, payload, format="json")


def move(api: APIClient, referral_id: int, state: str, reason: str = "") -> Any:
    return api.post(transition_url(referral_id), {"state": state, "reason": reason}, format="json")


# --- create -------------------------------------------------------------------------------


def test_counselor_refers_a_consenting_person(
    counselor_api: APIClient, counselor: Any, resource: WelfareResource
) -> None:
    # given a consultation whose person consented to share their data
    consultation = consenting()

    # when the counselor refers them to a resource with a date to check on it
    response = refer(counselor_api, consultation, resource, follow_up_on="2030-01-10")

    # then the referral is open, with its first history row, and the consultation is referred
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["consultation"] == consultation.pk
    assert body["resource"] == resource.pk
    assert body["resource_name"] == "노인맞춤돌봄서비스"
    assert body["organization_name"] == "완주군노인복지관"
    assert body["state"] == "referred"
    assert body["follow_up_on"] == "2030-01-10"
    assert body["created_by"] == "counselor1"
    assert [(h["from_state"], h["to_state"], h["changed_by"]) for h in body["history"]] == [
        ("", "referred", "counselor1")
    ]
    consultation.refresh_from_db()
    assert consultation.outcome == Consultation.Outcome.REFERRED


def test_the_consultation_shows_its_referrals(
    counselor_api: APIClient, resource: WelfareResource
) -> None:
    consultation = consenting()
    referral_id = refer(counselor_api, consultation, resource).json()["id"]

    body = counselor_api.get(f"{CONSULTATIONS}{consultation.pk}/").json()

    assert body["referrals"] == [
        {
            "id": referral_id,
            "resource": resource.pk,
            "resource_name": "노인맞춤돌봄서비스",
            "organization_name": "완주군노인복지관",
            "state": "referred",
            "reason": "",
            "follow_up_on": None,
        }
    ]


# --- consent ------------------------------------------------------------------------------


def test_referring_a_named_person_without_consent_is_refused(
    counselor_api: APIClient, resource: WelfareResource
) -> None:
    # given a consultation with a named person and no recorded consent
    consultation = ConsultationFactory()

    # when the counselor refers them to an outside organization
    response = refer(counselor_api, consultation, resource)

    # then consent is asked for and nothing is stored
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"consent"}
    assert not Referral.objects.exists()


def test_referring_a_person_known_only_by_contact_without_consent_is_refused(
    counselor_api: APIClient, resource: WelfareResource
) -> None:
    consultation = ConsultationFactory(person_name="")

    response = refer(counselor_api, consultation, resource)

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"consent"}


def test_referring_a_recipient_without_consent_is_refused(
    counselor_api: APIClient, resource: WelfareResource
) -> None:
    consultation = ConsultationFactory(
        recipient=RecipientFactory(), person_name="", person_contact=""
    )

    response = refer(counselor_api, consultation, resource)

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"consent"}


def test_an_anonymous_person_is_referred_without_consent(
    counselor_api: APIClient, resource: WelfareResource
) -> None:
    # An anonymous caller is only told where to go: no personal data leaves the desk.
    consultation = ConsultationFactory(is_anonymous=True, person_name="", person_contact="")

    response = refer(counselor_api, consultation, resource)

    assert response.status_code == 201, response.content


def test_referral_is_allowed_once_consent_is_recorded(
    counselor_api: APIClient, resource: WelfareResource
) -> None:
    # given a refused referral for want of consent
    consultation = ConsultationFactory()
    assert refer(counselor_api, consultation, resource).status_code == 400

    # when the counselor records the person's consent on the consultation
    recorded = counselor_api.patch(
        f"{CONSULTATIONS}{consultation.pk}/",
        {"share_consent": True, "share_consent_scope": "연계 기관에 이름·연락처 제공"},
        format="json",
    )

    # then the same referral goes through
    assert recorded.status_code == 200, recorded.content
    assert refer(counselor_api, consultation, resource).status_code == 201


def test_withdrawn_consent_stops_further_referrals(
    counselor_api: APIClient, resource: WelfareResource
) -> None:
    consultation = consenting()
    counselor_api.patch(f"{CONSULTATIONS}{consultation.pk}/", {"share_consent": False})

    response = refer(counselor_api, consultation, resource)

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"consent"}


# --- other refusals -----------------------------------------------------------------------


def test_referral_to_a_resource_no_longer_running_is_refused(counselor_api: APIClient) -> None:
    closed = WelfareResourceFactory(status=WelfareResource.Status.DEFUNCT)

    response = refer(counselor_api, consenting(), closed)

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"resource"}


def test_a_second_referral_to_the_same_resource_is_refused(
    counselor_api: APIClient, resource: WelfareResource
) -> None:
    consultation = consenting()
    assert refer(counselor_api, consultation, resource).status_code == 201

    response = refer(counselor_api, consultation, resource)

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"resource"}
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("consultation", 999_999),
        ("consultation", "abc"),
        ("consultation", None),
        ("consultation", 10**30),
        ("resource", 999_999),
        ("resource", 10**30),
        ("resource", "abc"),
        ("follow_up_on", "soon"),
    ],
)
def test_malformed_value_is_a_400_keyed_by_field(
    counselor_api: APIClient, resource: WelfareResource, field: str, value: object
) -> None:
    payload = {"consultation": consenting().pk, "resource": resource.pk, field: value}

    response = counselor_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {field}
    assert not Referral.objects.exists()


def test_referrals_are_neither_edited_nor_deleted_directly(counselor_api: APIClient) -> None:
    referral = ReferralFactory()

    patched = counselor_api.patch(detail_url(referral.pk), {"state": "linked"}, format="json")
    deleted = counselor_api.delete(detail_url(referral.pk))

    assert patched.status_code == 405, patched.content
    assert deleted.status_code == 405, deleted.content
    referral.refresh_from_db()
    assert referral.state == Referral.State.REFERRED


# --- transitions --------------------------------------------------------------------------


def test_referral_goes_from_referred_to_accepted_to_linked(
    counselor_api: APIClient, resource: WelfareResource
) -> None:
    # given an open referral
    consultation = consenting()
    referral_id = refer(counselor_api, consultation, resource).json()["id"]

    # when the organization accepts it and then starts the service
    accepted = move(counselor_api, referral_id, "accepted")
    linked = move(counselor_api, referral_id, "linked")

    # then the referral is linked, its history tells each step, and so is the consultation
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted"
    assert linked.status_code == 200, linked.content
    assert linked.json()["state"] == "linked"
    steps = [(h["from_state"], h["to_state"]) for h in linked.json()["history"]]
    assert steps == [("", "referred"), ("referred", "accepted"), ("accepted", "linked")]
    consultation.refresh_from_db()
    assert consultation.outcome == Consultation.Outcome.LINKED


def test_referral_cannot_skip_acceptance(counselor_api: APIClient) -> None:
    referral = ReferralFactory()

    response = move(counselor_api, referral.pk, "linked")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"state"}
    referral.refresh_from_db()
    assert referral.state == Referral.State.REFERRED
    assert referral.history.count() == 1


@pytest.mark.parametrize("state", ["closed", "declined"])
def test_closing_or_declining_needs_a_reason(counselor_api: APIClient, state: str) -> None:
    referral = ReferralFactory()

    response = move(counselor_api, referral.pk, state, reason="   ")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"reason"}
    referral.refresh_from_db()
    assert referral.state == Referral.State.REFERRED


def test_a_declined_referral_is_closed_with_its_reasons_in_the_history(
    counselor_api: APIClient, counselor: Any
) -> None:
    referral = ReferralFactory()

    declined = move(counselor_api, referral.pk, "declined", reason="대상 연령 아님")
    closed = move(counselor_api, referral.pk, "closed", reason="다른 기관으로 연계")

    assert declined.status_code == 200, declined.content
    assert closed.status_code == 200, closed.content
    assert closed.json()["reason"] == "다른 기관으로 연계"
    rows = list(ReferralStateChange.objects.filter(referral=referral).order_by("changed_at", "id"))
    assert [(r.to_state, r.reason, r.changed_by) for r in rows[1:]] == [
        ("declined", "대상 연령 아님", counselor),
        ("closed", "다른 기관으로 연계", counselor),
    ]


def test_a_closed_referral_stays_closed(counselor_api: APIClient) -> None:
    referral = ReferralFactory(state=Referral.State.CLOSED, reason="본인 거절")

    response = move(counselor_api, referral.pk, "referred")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"state"}


@pytest.mark.parametrize("body", [{"state": "done"}, {}, {"state": "closed", "reason": "가" * 301}])
def test_malformed_transition_is_a_400(counselor_api: APIClient, body: dict[str, Any]) -> None:
    referral = ReferralFactory()

    response = counselor_api.post(transition_url(referral.pk), body, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) <= {"state", "reason"}


@pytest.mark.parametrize("pk", [999_999, 10**30])
def test_transition_of_an_unknown_referral_is_a_404(counselor_api: APIClient, pk: int) -> None:
    response = move(counselor_api, pk, "accepted")

    assert response.status_code == 404, response.content


# --- who reads and writes -----------------------------------------------------------------


def test_coordinator_reads_referrals_but_neither_refers_nor_moves_them(
    coordinator_api: APIClient, resource: WelfareResource
) -> None:
    referral = ReferralFactory()

    assert result_ids(coordinator_api.get(URL)) == {referral.pk}
    assert coordinator_api.get(detail_url(referral.pk)).status_code == 200
    assert refer(coordinator_api, consenting(), resource).status_code == 403
    assert move(coordinator_api, referral.pk, "accepted").status_code == 403
    referral.refresh_from_db()
    assert referral.state == Referral.State.REFERRED


@pytest.mark.parametrize("client", ["caregiver_api", "manager_api"])
def test_caregivers_and_managers_cannot_reach_referrals(
    request: pytest.FixtureRequest, client: str, resource: WelfareResource
) -> None:
    referral = ReferralFactory()
    api = request.getfixturevalue(client)

    for response in (
        api.get(URL),
        api.get(detail_url(referral.pk)),
        refer(api, consenting(), resource),
        move(api, referral.pk, "accepted"),
    ):
        assert response.status_code == 403, response.content


def test_anonymous_caller_is_refused(api: APIClient, resource: WelfareResource) -> None:
    referral = ReferralFactory()

    for response in (
        api.get(URL),
        api.get(detail_url(referral.pk)),
        refer(api, consenting(), resource),
        move(api, referral.pk, "accepted"),
    ):
        assert response.status_code in (401, 403), response.content


def test_a_permission_without_a_desk_role_reaches_no_referral(db: Any) -> None:
    user = UserFactory(username="outsider")
    user.user_permissions.add(*Permission.objects.filter(codename__endswith="_referral"))
    referral = ReferralFactory()
    api = client_for(user)

    assert api.get(detail_url(referral.pk)).status_code == 404
    assert move(api, referral.pk, "accepted").status_code == 404
    assert result_ids(api.get(URL)) == set()
    # nor may it name a consultation it cannot see
    response = refer(api, referral.consultation, WelfareResourceFactory())
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"consultation"}


# --- filters ------------------------------------------------------------------------------


def test_consultation_resource_and_state_filters(counselor_api: APIClient) -> None:
    referral = ReferralFactory(state=Referral.State.ACCEPTED)
    ReferralFactory(consultation=referral.consultation, state=Referral.State.ACCEPTED)
    ReferralFactory(resource=referral.resource)
    ReferralFactory()

    by_consultation = counselor_api.get(URL, {"consultation": referral.consultation_id})
    by_resource = counselor_api.get(URL, {"resource": referral.resource_id})
    both = counselor_api.get(
        URL, {"consultation": referral.consultation_id, "resource": referral.resource_id}
    )
    by_state = counselor_api.get(URL, {"state": "accepted"})

    assert len(result_ids(by_consultation)) == 2
    assert len(result_ids(by_resource)) == 2
    assert result_ids(both) == {referral.pk}
    assert len(result_ids(by_state)) == 2


def test_follow_up_due_filter(counselor_api: APIClient) -> None:
    today = timezone.localdate()
    long_ago = timezone.now() - dt.timedelta(days=30)
    # open, due yesterday, untouched since it was made a month ago
    due = ReferralFactory(follow_up_on=today - dt.timedelta(days=1), created_at=long_ago)
    # due yesterday, but its state changed yesterday: it was followed up
    followed = ReferralFactory(follow_up_on=today - dt.timedelta(days=1), created_at=long_ago)
    ReferralStateChange.objects.create(
        referral=followed,
        from_state="referred",
        to_state="accepted",
        changed_by=followed.created_by,
        changed_at=timezone.now() - dt.timedelta(days=1),
    )
    # settled referrals need no checking, and a later date is not due yet
    linked = ReferralFactory(
        follow_up_on=today - dt.timedelta(days=1), created_at=long_ago, state="linked"
    )
    later = ReferralFactory(follow_up_on=today + dt.timedelta(days=1), created_at=long_ago)

    assert result_ids(counselor_api.get(URL, {"follow_up_due": "true"})) == {due.pk}
    assert result_ids(counselor_api.get(URL, {"follow_up_due": "false"})) == {
        followed.pk,
        linked.pk,
        later.pk,
    }


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("consultation", "x"),
        ("consultation", str(10**30)),
        ("resource", "x"),
        ("resource", "1.5"),
        ("state", "lost"),
        ("follow_up_due", "maybe"),
    ],
)
def test_bad_filter_value_is_a_400(counselor_api: APIClient, param: str, value: str) -> None:
    response = counselor_api.get(URL, {param: value})

    assert response.status_code == 400, response.content
    assert set(response.json()) == {param}


# --- queries ------------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_page_size(counselor_api: APIClient) -> None:
    # given 30 referrals, each with a history of two changes
    for referral in ReferralFactory.create_batch(30):
        ReferralStateChange.objects.create(
            referral=referral,
            from_state="referred",
            to_state="accepted",
            changed_by=referral.created_by,
        )
    counselor_api.get(URL, {"page_size": 1})  # warm the user's permission cache

    with CaptureQueriesContext(connection) as small:
        small_page = counselor_api.get(URL, {"page_size": 3})
    with CaptureQueriesContext(connection) as large:
        large_page = counselor_api.get(URL, {"page_size": 30})

    assert len(small_page.json()["results"]) == 3
    assert len(large_page.json()["results"]) == 30
    assert all(len(row["history"]) == 2 for row in large_page.json()["results"])
    assert len(large) == len(small), [query["sql"] for query in large.captured_queries]


# --- the schema ---------------------------------------------------------------------------


def test_schema_documents_the_referral_endpoints(coordinator_api: APIClient) -> None:
    schema = coordinator_api.get("/api/v1/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert {"400", "403"} <= set(paths["/api/v1/referrals/"]["post"]["responses"])
    transition = paths["/api/v1/referrals/{id}/transition/"]["post"]
    assert {"400", "403", "404"} <= set(transition["responses"])
    assert {"delete", "patch", "put"}.isdisjoint(paths["/api/v1/referrals/{id}/"])
    for component in ("Referral", "ReferralCreateRequest", "ReferralTransitionRequest"):
        properties = schema["components"]["schemas"][component]["properties"]
        assert [n for n, spec in properties.items() if not spec.get("description")] == []
