"""Follow-ups: the daily task that lists overdue consultations and referrals, and the desk's
/api/v1/follow-up-alerts/ that shows them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from base.models import AccessLog
from consultations import services, tasks
from consultations.models import Consultation, FollowUpAlert, Referral, ReferralStateChange
from tests.conftest import client_for
from tests.consultations.consultation_factories import (
    ConsultationFactory,
    ReferralFactory,
    seoul,
)
from tests.factories import RecipientFactory, UserFactory

URL = "/api/v1/follow-up-alerts/"

AS_OF = dt.date(2023, 3, 20)
DUE = dt.date(2023, 3, 15)


def overdue_consultation(**fields: Any) -> Consultation:
    """A consultation on 10 March that planned a follow-up on the 15th (before AS_OF)."""
    defaults: dict[str, Any] = {
        "held_at": seoul(2023, 3, 10, 10),
        "outcome": Consultation.Outcome.FOLLOW_UP,
        "follow_up_on": DUE,
    }
    return ConsultationFactory(**{**defaults, **fields})


def overdue_referral(**fields: Any) -> Referral:
    """A referral made on 10 March, to be checked on the 15th, untouched since."""
    consultation = ConsultationFactory(
        held_at=seoul(2023, 3, 10, 10), share_consent_at=seoul(2023, 3, 10, 10)
    )
    return ReferralFactory(consultation=consultation, follow_up_on=DUE, **fields)


def change_state(referral: Referral, to_state: str, at: dt.datetime) -> None:
    ReferralStateChange.objects.create(
        referral=referral,
        from_state=referral.state,
        to_state=to_state,
        reason="확인함",
        changed_by=referral.created_by,
        changed_at=at,
    )
    Referral.objects.filter(pk=referral.pk).update(state=to_state, reason="확인함")


def alerts() -> list[tuple[str, int, int | None, dt.date]]:
    return sorted(
        FollowUpAlert.objects.values_list("kind", "consultation_id", "referral_id", "due_on"),
        key=str,
    )


# --- the rules of services.follow_up_alerts_record -----------------------------------------


@pytest.mark.django_db
def test_an_overdue_follow_up_is_alerted() -> None:
    # given a consultation whose follow-up day passed without it being done
    consultation = overdue_consultation()

    # when the day's alerts are recorded
    count = services.follow_up_alerts_record(as_of=AS_OF)

    # then it is listed, with its due day
    assert count == 1
    assert alerts() == [("consultation", consultation.pk, None, DUE)]


@pytest.mark.django_db
def test_a_follow_up_due_today_is_not_yet_overdue() -> None:
    overdue_consultation(follow_up_on=AS_OF)

    assert services.follow_up_alerts_record(as_of=AS_OF) == 0


@pytest.mark.django_db
def test_a_follow_up_marked_done_is_not_alerted() -> None:
    overdue_consultation(follow_up_done_at=seoul(2023, 3, 16, 9))

    assert services.follow_up_alerts_record(as_of=AS_OF) == 0
    assert alerts() == []


@pytest.mark.django_db
def test_an_overdue_referral_without_a_state_change_since_is_alerted() -> None:
    referral = overdue_referral()

    count = services.follow_up_alerts_record(as_of=AS_OF)

    assert count == 1
    assert alerts() == [("referral", referral.consultation_id, referral.pk, DUE)]


@pytest.mark.django_db
def test_a_state_change_before_the_due_day_does_not_count_as_a_follow_up() -> None:
    referral = overdue_referral()
    change_state(referral, Referral.State.ACCEPTED, seoul(2023, 3, 14, 23, 30))

    assert services.follow_up_alerts_record(as_of=AS_OF) == 1


@pytest.mark.parametrize(
    "changed_at",
    # on the due day in Seoul (still the 14th in UTC), and after it
    [seoul(2023, 3, 15, 0, 30), seoul(2023, 3, 18, 15)],
)
@pytest.mark.django_db
def test_a_state_change_on_or_after_the_due_day_is_a_follow_up(changed_at: dt.datetime) -> None:
    referral = overdue_referral()
    change_state(referral, Referral.State.ACCEPTED, changed_at)

    assert services.follow_up_alerts_record(as_of=AS_OF) == 0
    assert alerts() == []


@pytest.mark.parametrize("state", [Referral.State.CLOSED, Referral.State.LINKED])
@pytest.mark.django_db
def test_a_settled_referral_is_not_alerted(state: str) -> None:
    # given referrals that were settled before their check day, so no change since
    referral = overdue_referral()
    change_state(referral, state, seoul(2023, 3, 12, 10))

    assert services.follow_up_alerts_record(as_of=AS_OF) == 0


@pytest.mark.django_db
def test_recording_the_same_day_twice_stores_each_alert_once() -> None:
    # given one overdue consultation and one overdue referral
    overdue_consultation()
    overdue_referral()

    # when the task runs twice on the same day (a retry after a crash, say)
    first = services.follow_up_alerts_record(as_of=AS_OF)
    second = services.follow_up_alerts_record(as_of=AS_OF)

    # then both runs report the same items, and each is stored once
    assert first == second == 2
    assert FollowUpAlert.objects.count() == 2


@pytest.mark.django_db
def test_each_day_has_its_own_alerts() -> None:
    overdue_consultation()

    services.follow_up_alerts_record(as_of=AS_OF)
    services.follow_up_alerts_record(as_of=AS_OF + dt.timedelta(days=1))

    assert sorted(FollowUpAlert.objects.values_list("as_of", flat=True)) == [
        AS_OF,
        AS_OF + dt.timedelta(days=1),
    ]


# --- the daily task -----------------------------------------------------------------------


def test_the_task_runs_every_morning_on_beat() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["record-follow-up-alerts"]

    assert entry["task"] == "consultations.record_follow_up_alerts"
    assert entry["task"] == tasks.record_follow_up_alerts.name
    assert entry["schedule"].hour == {6}


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_task_records_alerts_on_a_real_worker(redis_worker: None) -> None:
    # given an overdue consultation and an overdue referral
    overdue_consultation()
    overdue_referral()

    # when a real worker runs the task for a day
    result = tasks.record_follow_up_alerts.delay(AS_OF.isoformat())

    # then it reports what the service records, and the rows are there
    assert result.get(timeout=30) == 2
    assert FollowUpAlert.objects.filter(as_of=AS_OF).count() == 2
    assert services.follow_up_alerts_record(as_of=AS_OF) == 2


# --- /api/v1/follow-up-alerts/ ------------------------------------------------------------


def result_ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
def test_the_desk_shows_the_newest_days_alerts(counselor_api: APIClient) -> None:
    # given alerts recorded yesterday and today
    consultation = overdue_consultation()
    referral = overdue_referral()
    services.follow_up_alerts_record(as_of=AS_OF - dt.timedelta(days=1))
    services.follow_up_alerts_record(as_of=AS_OF)

    # when the desk opens
    response = counselor_api.get(URL)

    # then it shows today's, each with what the counselor needs to act on it
    assert response.status_code == 200, response.content
    rows = {row["kind"]: row for row in response.json()["results"]}
    assert response.json()["count"] == 2
    assert {row["as_of"] for row in rows.values()} == {AS_OF.isoformat()}
    assert rows["consultation"]["consultation"] == consultation.pk
    assert rows["consultation"]["person_label"] == "홍길순"
    assert rows["consultation"]["due_on"] == DUE.isoformat()
    assert rows["consultation"]["referral"] is None
    assert rows["consultation"]["resource_name"] is None
    assert rows["referral"]["referral"] == referral.pk
    assert rows["referral"]["resource_name"] == referral.resource.name
    assert rows["referral"]["referral_state"] == "referred"
    assert rows["referral"]["counselor"] == referral.consultation.counselor.username


@pytest.mark.django_db
def test_as_of_and_kind_filters(counselor_api: APIClient) -> None:
    overdue_consultation()
    overdue_referral()
    services.follow_up_alerts_record(as_of=AS_OF - dt.timedelta(days=1))
    services.follow_up_alerts_record(as_of=AS_OF)
    yesterday = set(
        FollowUpAlert.objects.filter(as_of=AS_OF - dt.timedelta(days=1)).values_list(
            "pk", flat=True
        )
    )
    todays_referral = FollowUpAlert.objects.get(as_of=AS_OF, kind="referral")

    by_day = counselor_api.get(URL, {"as_of": (AS_OF - dt.timedelta(days=1)).isoformat()})
    by_kind = counselor_api.get(URL, {"kind": "referral"})

    assert result_ids(by_day) == yesterday
    assert result_ids(by_kind) == {todays_referral.pk}


@pytest.mark.django_db
def test_an_empty_desk_is_an_empty_list(counselor_api: APIClient) -> None:
    response = counselor_api.get(URL)

    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    ("param", "value"),
    [("as_of", "2023-02-30"), ("kind", "visit"), ("consultation", str(10**30))],
)
@pytest.mark.django_db
def test_bad_filter_value_is_a_400(counselor_api: APIClient, param: str, value: str) -> None:
    response = counselor_api.get(URL, {param: value})

    assert response.status_code == 400, response.content
    assert set(response.json()) == {param}


@pytest.mark.django_db
def test_an_older_alert_is_read_by_its_id(counselor_api: APIClient) -> None:
    overdue_consultation()
    services.follow_up_alerts_record(as_of=AS_OF - dt.timedelta(days=1))
    services.follow_up_alerts_record(as_of=AS_OF)
    older = FollowUpAlert.objects.get(as_of=AS_OF - dt.timedelta(days=1))

    response = counselor_api.get(f"{URL}{older.pk}/")

    assert response.status_code == 200, response.content
    assert response.json()["as_of"] == older.as_of.isoformat()


@pytest.mark.django_db
def test_reading_an_alert_about_a_recipient_is_access_logged(coordinator_api: APIClient) -> None:
    recipient = RecipientFactory(name="김순례")
    overdue_consultation(recipient=recipient, person_name="", person_contact="")
    overdue_consultation()
    services.follow_up_alerts_record(as_of=AS_OF)

    response = coordinator_api.get(URL)

    assert response.status_code == 200, response.content
    assert "김순례" in {row["person_label"] for row in response.json()["results"]}
    row = AccessLog.objects.get()
    assert (row.action, row.subject_id) == (AccessLog.Action.VIEW, recipient.pk)


@pytest.mark.parametrize("client", ["counselor_api", "coordinator_api", "administrator"])
@pytest.mark.django_db
def test_counselors_coordinators_and_administrators_read_the_alerts(
    request: pytest.FixtureRequest, client: str
) -> None:
    if client == "administrator":
        api = client_for(UserFactory(username="admin1", roles=["administrator"]))
    else:
        api = request.getfixturevalue(client)
    overdue_consultation()
    services.follow_up_alerts_record(as_of=AS_OF)

    assert len(result_ids(api.get(URL))) == 1


@pytest.mark.parametrize("client", ["caregiver_api", "manager_api"])
@pytest.mark.django_db
def test_caregivers_and_managers_cannot_read_the_alerts(
    request: pytest.FixtureRequest, client: str
) -> None:
    overdue_consultation()
    services.follow_up_alerts_record(as_of=AS_OF)
    alert = FollowUpAlert.objects.get()
    api = request.getfixturevalue(client)

    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}{alert.pk}/").status_code == 403


@pytest.mark.django_db
def test_anonymous_caller_is_refused(api: APIClient) -> None:
    assert api.get(URL).status_code in (401, 403)


@pytest.mark.django_db
def test_alerts_cannot_be_written_through_the_api(counselor_api: APIClient) -> None:
    overdue_consultation()
    services.follow_up_alerts_record(as_of=AS_OF)
    alert = FollowUpAlert.objects.get()

    created = counselor_api.post(URL, {"kind": "consultation"}, format="json")
    deleted = counselor_api.delete(f"{URL}{alert.pk}/")

    # refused by the missing permission (403) or the missing method (405), either way unchanged
    assert created.status_code in (403, 405), created.content
    assert deleted.status_code in (403, 405), deleted.content
    assert FollowUpAlert.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_alert_is_a_404(counselor_api: APIClient) -> None:
    assert counselor_api.get(f"{URL}999999/").status_code == 404


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_page_size(counselor_api: APIClient) -> None:
    # given 15 overdue consultations with recipients and 15 overdue referrals
    for _ in range(15):
        overdue_consultation(recipient=RecipientFactory(), person_name="", person_contact="")
        overdue_referral()
    services.follow_up_alerts_record(as_of=AS_OF)
    counselor_api.get(URL, {"page_size": 1})  # warm the user's permission cache

    with CaptureQueriesContext(connection) as small:
        small_page = counselor_api.get(URL, {"page_size": 3})
    with CaptureQueriesContext(connection) as large:
        large_page = counselor_api.get(URL, {"page_size": 30})

    assert len(small_page.json()["results"]) == 3
    assert len(large_page.json()["results"]) == 30
    assert len(large) == len(small), [query["sql"] for query in large.captured_queries]


@pytest.mark.django_db
def test_schema_documents_the_alert_endpoints(coordinator_api: APIClient) -> None:
    schema = coordinator_api.get("/api/v1/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/follow-up-alerts/"]["get"]
    assert {"as_of", "kind"} <= {p["name"] for p in operation["parameters"]}
    assert "403" in operation["responses"]
    properties = schema["components"]["schemas"]["FollowUpAlert"]["properties"]
    assert [n for n, spec in properties.items() if not spec.get("description")] == []
