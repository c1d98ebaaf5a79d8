"""POST /api/v1/visits/sync/: a tablet's outbox, one result per item, in input order."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from care import selectors, visits
from care.models import Episode, Recipient, Visit, VisitException
from care.serializers import VisitExceptionBriefSerializer, VisitSerializer
from tests.care.visit_factories import VisitExceptionFactory, hours_ago, visit_payload
from tests.factories import AssignmentFactory, episode_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/visits/sync/"
VISITS_URL = "/api/v1/visits/"


def outbox(
    recipient: Recipient, count: int, *, from_hours_ago: float = 1.0, **overrides: Any
) -> list[dict[str, Any]]:
    """``count`` visits of 20 minutes, half an hour apart, the newest ``from_hours_ago``."""
    return [
        visit_payload(
            recipient,
            started=hours_ago(from_hours_ago + index / 2),
            length=timedelta(minutes=20),
            **overrides,
        )
        for index in range(count)
    ]


def sync(api: APIClient, items: list[Any]) -> Any:
    return api.post(URL, {"visits": items}, format="json")


def statuses(response: Any) -> list[str]:
    return [result["status"] for result in response.json()["results"]]


# --- a batch with a bit of everything -------------------------------------------------------


@pytest.fixture
def stored_payload(caregiver_api: APIClient, caregiver: Any) -> dict[str, Any]:
    """A visit the tablet delivered in an earlier sync."""
    payload = visit_payload(caregiver.assigned_recipient, started=hours_ago(6))
    assert caregiver_api.post(VISITS_URL, payload, format="json").status_code == 201
    return payload


@pytest.fixture
def mixed_batch(caregiver: Any, stored_payload: dict[str, Any]) -> list[dict[str, Any]]:
    recipient = caregiver.assigned_recipient
    good = visit_payload(recipient, started=hours_ago(10))
    return [
        good,
        visit_payload(recipient, started_at="not a time"),  # bad shape
        visit_payload(recipient, started=hours_ago(8), service_types=["juggling"]),  # a rule
        dict(good),  # the same visit twice in one outbox
        dict(stored_payload),  # already stored
        visit_payload(recipient, started=hours_ago(4)),
    ]


def test_sync_answers_one_result_per_item_in_input_order(
    caregiver_api: APIClient, mixed_batch: list[dict[str, Any]]
) -> None:
    response = sync(caregiver_api, mixed_batch)

    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [result["index"] for result in results] == [0, 1, 2, 3, 4, 5]
    assert statuses(response) == ["created", "error", "error", "existing", "existing", "created"]
    assert [result["client_uuid"] for result in results[2:]] == [
        item["client_uuid"] for item in mixed_batch[2:]
    ]


def test_sync_stores_the_good_items_of_a_mixed_batch(
    caregiver_api: APIClient, mixed_batch: list[dict[str, Any]], stored_payload: dict[str, Any]
) -> None:
    sync(caregiver_api, mixed_batch)

    stored = {str(key) for key in Visit.objects.values_list("client_uuid", flat=True)}
    assert stored == {
        mixed_batch[0]["client_uuid"],
        mixed_batch[5]["client_uuid"],
        stored_payload["client_uuid"],
    }


def test_sync_reports_field_messages_for_each_bad_item(
    caregiver_api: APIClient, mixed_batch: list[dict[str, Any]]
) -> None:
    results = sync(caregiver_api, mixed_batch).json()["results"]

    assert set(results[1]["errors"]) == {"started_at"}
    assert set(results[2]["errors"]) == {"service_types"}
    assert "juggling" in results[2]["errors"]["service_types"][0]
    assert "errors" not in results[0]


def test_sync_results_carry_the_stored_visit(
    caregiver_api: APIClient, mixed_batch: list[dict[str, Any]], stored_payload: dict[str, Any]
) -> None:
    results = sync(caregiver_api, mixed_batch).json()["results"]

    assert results[0]["visit"]["client_uuid"] == mixed_batch[0]["client_uuid"]
    assert (
        results[4]["visit"]["id"] == Visit.objects.get(client_uuid=stored_payload["client_uuid"]).pk
    )
    assert "visit" not in results[1]


def test_sync_summary_counts_each_status(
    caregiver_api: APIClient, mixed_batch: list[dict[str, Any]]
) -> None:
    response = sync(caregiver_api, mixed_batch)

    assert response.json()["summary"] == {"created": 2, "existing": 2, "conflict": 0, "error": 2}


def test_same_client_uuid_twice_in_a_batch_with_other_content_is_a_conflict(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    first = visit_payload(caregiver.assigned_recipient, notes="처음")
    second = dict(first, notes="다른 내용")

    response = sync(caregiver_api, [first, second])

    assert statuses(response) == ["created", "conflict"]
    assert Visit.objects.get().notes == "처음"


def test_stored_item_sent_with_other_content_is_a_conflict_answered_with_the_stored_visit(
    caregiver_api: APIClient, stored_payload: dict[str, Any]
) -> None:
    changed = dict(stored_payload, notes="나중에 바꾼 메모")

    response = sync(caregiver_api, [changed])

    [result] = response.json()["results"]
    assert result["status"] == "conflict"
    assert result["visit"]["notes"] == ""
    assert Visit.objects.get().notes == ""


# --- size -----------------------------------------------------------------------------------


def test_batch_of_500_with_50_bad_items_stores_the_450_good_ones(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given 500 visits, every tenth naming an unknown service type
    items = outbox(caregiver.assigned_recipient, 500)
    for item in items[::10]:
        item["service_types"] = ["juggling"]

    response = sync(caregiver_api, items)

    assert response.status_code == 200, response.content
    assert response.json()["summary"] == {
        "created": 450,
        "existing": 0,
        "conflict": 0,
        "error": 50,
    }
    assert [index for index, s in enumerate(statuses(response)) if s == "error"] == list(
        range(0, 500, 10)
    )
    assert Visit.objects.count() == 450


def test_batch_of_501_is_refused_as_a_whole(caregiver_api: APIClient, caregiver: Any) -> None:
    response = sync(caregiver_api, outbox(caregiver.assigned_recipient, 501))

    assert response.status_code == 400, response.content
    assert "visits" in response.json()
    assert not Visit.objects.exists()


@pytest.mark.parametrize("body", [{}, {"visits": []}, {"visits": "all of them"}])
def test_sync_without_a_list_of_visits_is_refused(caregiver_api: APIClient, body: Any) -> None:
    response = caregiver_api.post(URL, body, format="json")

    assert response.status_code == 400, response.content
    assert "visits" in response.json()


def test_resending_a_batch_answers_existing_for_every_item_and_stores_nothing(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given a batch the server stored, whose answer the tablet never received
    items = outbox(caregiver.assigned_recipient, 20)
    assert statuses(sync(caregiver_api, items)) == ["created"] * 20

    # when the tablet sends it again
    response = sync(caregiver_api, items)

    # then every item is found, and nothing new is stored
    assert statuses(response) == ["existing"] * 20
    assert Visit.objects.count() == 20


# --- the answer -----------------------------------------------------------------------------


def read_back(user: Any, visit_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The visits as the visits list shows them, read back from the database: what the sync
    answered with before it answered from the rows it had just written."""
    visits = selectors.visit_list(user=user).filter(pk__in=visit_ids)
    return {visit["id"]: visit for visit in VisitSerializer(visits, many=True).data}


def test_sync_answers_every_visit_as_it_reads_back_from_the_database(
    caregiver_api: APIClient, caregiver: Any, coordinator: Any
) -> None:
    # given an episode with 3 hours, and a visit of an earlier sync since verified, with a
    # resolved exception
    recipient = caregiver.assigned_recipient
    Episode.objects.filter(pk=episode_of(recipient).pk).update(max_hours=3)
    earlier = visit_payload(
        recipient,
        started=hours_ago(30),
        service_types=["meal", "housework"],
        notes="안부 확인",
        latitude=35.8,
        longitude=127.148123,
    )
    assert statuses(sync(caregiver_api, [earlier])) == ["created"]
    stored = Visit.objects.get(client_uuid=earlier["client_uuid"])
    Visit.objects.filter(pk=stored.pk).update(
        status=Visit.Status.VERIFIED, reviewed_by=coordinator, reviewed_at=timezone.now()
    )
    VisitExceptionFactory(
        visit=stored, resolved_at=timezone.now(), resolved_by=coordinator, resolution="확인함"
    )
    late = visit_payload(
        recipient,
        started=hours_ago(100),
        service_types=["safety_check", "meal", "housework"],
        latitude=35.824,
        longitude=127.1,
    )
    batch = [
        late,  # late_sync
        visit_payload(recipient, started_at="not a time"),
        visit_payload(recipient, started=hours_ago(10)),  # overlaps the next; past 3 hours
        visit_payload(recipient, started=hours_ago(10.5)),
        visit_payload(recipient, started=hours_ago(2), length=None),  # missing_checkout
        visit_payload(recipient, started=hours_ago(8), service_types=["juggling"]),
        dict(late),
        dict(late, notes="다른 내용"),
        dict(earlier),
        dict(earlier, notes="다른 내용"),
    ]

    # when the tablet syncs its outbox
    response = sync(caregiver_api, batch)

    # then each visit of the answer is the stored one, as the visits list shows it
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert statuses(response) == [
        "created", "error", "created", "created", "created", "error", "existing", "conflict",
        "existing", "conflict",
    ]  # fmt: skip
    shown = {result["index"]: result["visit"] for result in results if "visit" in result}
    assert list(shown) == [0, 2, 3, 4, 8, 9]
    assert {e["kind"] for e in shown[0]["exceptions"]} == {"late_sync"}
    assert {e["kind"] for e in shown[2]["exceptions"]} == {"overlap", "hours_limit"}
    assert {e["kind"] for e in shown[4]["exceptions"]} == {"missing_checkout"}
    assert shown[8]["reviewed_by"] == coordinator.username
    expected = read_back(caregiver, [visit["id"] for visit in shown.values()])
    assert list(shown.values()) == [expected[visit["id"]] for visit in shown.values()]


def test_sync_that_meets_a_concurrent_insert_answers_each_visit_as_it_reads_back(
    caregiver_api: APIClient, caregiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a batch whose insert together meets a key another sync stored meanwhile
    store = visits._store
    attempts: list[int] = []

    def store_after_a_race(*args: Any, **kwargs: Any) -> list[VisitException]:
        attempts.append(1)
        if len(attempts) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        return store(*args, **kwargs)

    monkeypatch.setattr(visits, "_store", store_after_a_race)
    items = outbox(caregiver.assigned_recipient, 3, from_hours_ago=100)

    # when the tablet syncs it
    response = sync(caregiver_api, items)

    # then the visits are stored one at a time, and answered as they read back
    assert statuses(response) == ["created"] * 3
    assert len(attempts) == 4
    shown = [result["visit"] for result in response.json()["results"]]
    assert all(visit["exceptions"] for visit in shown)
    expected = read_back(caregiver, [visit["id"] for visit in shown])
    assert shown == [expected[visit["id"]] for visit in shown]


@pytest.mark.parametrize("kind", VisitException.Kind.values)
def test_exception_is_shown_with_the_label_of_its_kind(kind: str) -> None:
    exception = VisitException(kind=kind, detail="")

    shown = VisitExceptionBriefSerializer(exception).data

    assert shown["kind_display"] == exception.get_kind_display()


# --- query counts ---------------------------------------------------------------------------


# A caregiver's batch of new visits (none with an exception): the roles (1, read once per
# request: base.roles.role_names), the lookups of the batch (7: corps member, recipients,
# assignments, stored visits by client_uuid, service types, programs, scheduled visits), the
# savepoint, the inserts of visits and service types, the overlapping visits and the
# episodes' hours, the access log, the release. The answer reads nothing: it is made from the
# rows just written.
NEW_BATCH_QUERIES = 15
# The same batch again: the lookups also read the stored visits' service types and which of
# them the actor may see (the check; the roles are already read); nothing is written, and the
# answer reads the stored visits' names and codes, service types and exceptions (3).
RESENT_BATCH_QUERIES = 13


def queries_for_sync(api: APIClient, items: list[dict[str, Any]], expected: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = sync(api, items)
    assert statuses(response) == [expected] * len(items)
    return len(captured)


def test_query_count_of_a_sync_does_not_grow_with_the_number_of_visits(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    recipient = caregiver.assigned_recipient
    ten = outbox(recipient, 10, from_hours_ago=1)
    hundred = outbox(recipient, 100, from_hours_ago=7)
    caregiver_api.get(VISITS_URL)  # the first request fills the user's permission cache

    count_10 = queries_for_sync(caregiver_api, ten, "created")
    count_100 = queries_for_sync(caregiver_api, hundred, "created")

    assert count_10 == NEW_BATCH_QUERIES
    # SQLite inserts at most 999 parameters per statement: 100 visits take two inserts
    assert count_100 <= count_10 + 2, (count_10, count_100)


def test_a_sync_of_new_visits_builds_no_orm_query(
    caregiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Building and compiling the lookups through the ORM was a third of a sync's CPU, every
    # time for the same few shapes: each is one fixed SQL text (base.sql). An episode with an
    # hours limit and a stored visit in the batch's span make every lookup run.
    recipient = caregiver.assigned_recipient
    Episode.objects.filter(pk=episode_of(recipient).pk).update(max_hours=100)
    visits.visit_sync(actor=caregiver, items=[_item(recipient, hours_ago(5))])
    compiled: list[str] = []
    real_as_sql = SQLCompiler.as_sql

    def counting_as_sql(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(self.query.model))
        return real_as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting_as_sql)
    items = [_item(recipient, hours_ago(1 + index)) for index in range(3)]
    with CaptureQueriesContext(connection) as captured:
        results = visits.visit_sync(actor=caregiver, items=items)

    assert [result.status for result in results] == ["created"] * 3
    assert compiled == []
    assert len(captured) >= 10  # the lookups, the inserts, the exceptions' two reads, the log


def _item(recipient: Recipient, started: Any) -> visits.VisitInput:
    return visits.VisitInput(
        client_uuid=uuid.uuid4(),
        recipient_id=recipient.pk,
        started_at=started,
        ended_at=started + timedelta(minutes=30),
        service_type_codes=("housework",),
    )


def test_query_count_of_a_resent_batch_does_not_grow_with_the_number_of_visits(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    recipient = caregiver.assigned_recipient
    ten = outbox(recipient, 10, from_hours_ago=1)
    hundred = outbox(recipient, 100, from_hours_ago=7)
    sync(caregiver_api, ten)
    sync(caregiver_api, hundred)

    count_10 = queries_for_sync(caregiver_api, ten, "existing")
    count_100 = queries_for_sync(caregiver_api, hundred, "existing")

    assert count_10 == RESENT_BATCH_QUERIES
    assert count_100 <= count_10 + 2, (count_10, count_100)


# --- whose visits ---------------------------------------------------------------------------


def test_caregiver_cannot_sync_visits_for_another_caregivers_recipient(
    caregiver_api: APIClient, caregiver: Any, other_caregiver: Any
) -> None:
    # given an outbox holding two visits to someone else's recipient and one of their own
    theirs = outbox(other_caregiver.assigned_recipient, 2, from_hours_ago=10)
    mine = visit_payload(caregiver.assigned_recipient)

    response = sync(caregiver_api, [theirs[0], mine, theirs[1]])

    # then each foreign item is an error on recipient, and only their own visit is stored
    results = response.json()["results"]
    assert statuses(response) == ["error", "created", "error"]
    assert "recipient" in results[0]["errors"]
    assert "recipient" in results[2]["errors"]
    assert list(Visit.objects.values_list("corps_member", flat=True)) == [
        caregiver.corps_member_record.pk
    ]


def test_caregiver_cannot_sync_visits_in_another_corps_members_name(
    caregiver_api: APIClient, caregiver: Any, other_caregiver: Any
) -> None:
    item = visit_payload(
        caregiver.assigned_recipient, corps_member=other_caregiver.corps_member_record.pk
    )

    response = sync(caregiver_api, [item])

    [result] = response.json()["results"]
    assert result["status"] == "error"
    assert "corps_member" in result["errors"]
    assert not Visit.objects.exists()


def test_coordinator_syncs_visits_on_behalf_of_a_caregiver(
    coordinator_api: APIClient, coordinator: Any, caregiver: Any
) -> None:
    items = outbox(caregiver.assigned_recipient, 3, corps_member=caregiver.corps_member_record.pk)

    response = sync(coordinator_api, items)

    assert statuses(response) == ["created"] * 3
    assert set(Visit.objects.values_list("recorded_by", flat=True)) == {coordinator.pk}


@pytest.mark.parametrize("client", ["manager_api", "counselor_api"])
def test_manager_and_counselor_cannot_sync(
    request: pytest.FixtureRequest, caregiver: Any, client: str
) -> None:
    api: APIClient = request.getfixturevalue(client)

    response = sync(api, outbox(caregiver.assigned_recipient, 1))

    assert response.status_code == 403, response.content
    assert not Visit.objects.exists()


def test_anonymous_sync_is_refused(api: APIClient, caregiver: Any) -> None:
    response = sync(api, outbox(caregiver.assigned_recipient, 1))

    assert response.status_code in (401, 403)
    assert not Visit.objects.exists()


# --- what a bad item must not cost ----------------------------------------------------------


@pytest.mark.parametrize("junk", [None, "garbage", 42, ["a", "list"]])
def test_item_that_is_not_an_object_is_an_error_for_that_item_only(
    caregiver_api: APIClient, caregiver: Any, junk: object
) -> None:
    good = visit_payload(caregiver.assigned_recipient)

    response = sync(caregiver_api, [good, junk])

    assert response.status_code == 200, response.content
    assert statuses(response) == ["created", "error"]
    assert Visit.objects.count() == 1


def test_item_with_a_not_a_number_latitude_is_an_error_for_that_item_only(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    good = visit_payload(caregiver.assigned_recipient, started=hours_ago(3))
    bad = visit_payload(caregiver.assigned_recipient, started=hours_ago(6), latitude="NaN")

    response = sync(caregiver_api, [good, bad])

    assert response.status_code == 200, response.content
    assert statuses(response) == ["created", "error"]
    assert Visit.objects.count() == 1


def test_visit_made_during_an_assignment_that_has_since_ended_is_still_accepted(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given an assignment that ran until yesterday
    today = timezone.localdate()
    assignment = AssignmentFactory(
        corps_member=caregiver.corps_member_record,
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=1),
    )

    # when the tablet, offline for days, syncs a visit made five days ago
    item = visit_payload(assignment.recipient, started=hours_ago(5 * 24))
    response = sync(caregiver_api, [item])

    # then the visit is stored (as a late sync), since the assignment was active that day
    [result] = response.json()["results"]
    assert result["status"] == "created", result
    assert {e["kind"] for e in result["visit"]["exceptions"]} == {"late_sync"}


def test_sync_items_keep_their_client_uuid_even_in_another_case(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    item = visit_payload(caregiver.assigned_recipient)
    item["client_uuid"] = item["client_uuid"].upper()

    sync(caregiver_api, [item])
    response = sync(caregiver_api, [item])

    assert statuses(response) == ["existing"]
    assert Visit.objects.get().client_uuid == uuid.UUID(item["client_uuid"])
