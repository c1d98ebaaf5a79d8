"""The counselors' queue of call-back requests (/consultations/requests/): who may open it, what
it shows, the access log, and taking a request through to its recorded consultation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from base.models import AccessLog
from consultations.callbacks.models import CallbackRequest
from consultations.models import Consultation
from tests.consultations.callbacks.factories import a_request
from tests.consultations.consultation_factories import category
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/consultations/requests/"


@pytest.fixture
def counselor(db: Any) -> Any:
    return UserFactory(username="sangdam1", roles=["counselor"])


@pytest.fixture
def desk(counselor: Any) -> Client:
    client = Client()
    client.force_login(counselor)
    return client


def logged_in(*roles: str, username: str) -> Client:
    client = Client()
    client.force_login(UserFactory(username=username, roles=list(roles)))
    return client


def text(response: Any) -> str:
    return response.content.decode()


def consultation_post(callback: CallbackRequest, **overrides: Any) -> dict[str, Any]:
    """The consultation form as the counselor saves it after the call."""
    data: dict[str, Any] = {
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "program": "care_info_counseling",
        "person_kind": "named",
        "person_name": callback.name,
        "person_contact": callback.phone,
        "region": callback.region.code,
        "topics": [category("care").pk],
        "summary": "낮 시간 돌봄 서비스 안내, 긴급돌봄 신청 방법 안내",
        "outcome": "informed",
        "callback": callback.pk,
    }
    data.update(overrides)
    return data


# --- who may open it -----------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    response = client.get(QUEUE)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ["caregiver", "manager", "coordinator"])
def test_other_roles_are_refused(role: str) -> None:
    request = a_request()
    client = logged_in(role, username=f"{role}9")

    assert client.get(QUEUE).status_code == 403
    assert client.get(f"{QUEUE}{request.pk}/").status_code == 403
    assert client.post(f"{QUEUE}{request.pk}/take/").status_code == 403


def test_a_counselor_sees_open_requests_oldest_first_without_names_or_phones(
    desk: Client,
) -> None:
    newer = a_request(name="박영희")
    older = a_request(name="김순자")
    CallbackRequest.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=30)
    )

    response = desk.get(QUEUE)

    assert response.status_code == 200
    page = text(response)
    assert page.index(older.number) < page.index(newer.number)
    assert "박영희" not in page and "김순자" not in page
    assert older.phone not in page


def test_closed_and_called_back_requests_leave_the_queue(desk: Client, counselor: Any) -> None:
    from consultations.callbacks import services

    closed = a_request()
    services.callback_request_close(
        actor=counselor, callback_request=closed, reason="duplicate", note="같은 날 두 번 신청"
    )
    waiting = a_request()

    page = text(desk.get(QUEUE))

    assert waiting.number in page
    assert closed.number not in page


def test_the_queue_costs_the_same_queries_for_3_or_25_requests(desk: Client) -> None:
    for _index in range(3):
        a_request()
    desk.get(QUEUE)
    with CaptureQueriesContext(connection) as few:
        desk.get(QUEUE)
    for _index in range(22):
        a_request(topic=None)
    with CaptureQueriesContext(connection) as many:
        response = desk.get(QUEUE)

    assert response.context["page"].paginator.count == 25
    assert len(many) == len(few)


def test_the_desk_home_shows_how_many_requests_wait(desk: Client) -> None:
    a_request()
    a_request()

    response = desk.get("/consultations/")

    assert response.context["callback_open_count"] == 2
    assert 'id="callback-open-count">2<' in text(response)


def test_a_coordinator_reading_the_desk_home_sees_no_request_count() -> None:
    a_request()
    client = logged_in("coordinator", username="coord9")

    response = client.get("/consultations/")

    assert response.context["callback_open_count"] is None
    assert "callback-open-count" not in text(response)


# --- a request's page -------------------------------------------------------------------------


def test_opening_a_request_shows_the_person_and_is_logged(desk: Client, counselor: Any) -> None:
    request = a_request(name="김순자")

    response = desk.get(f"{QUEUE}{request.pk}/")

    assert response.status_code == 200
    assert "김순자" in text(response) and request.phone in text(response)
    log = AccessLog.objects.get(subject_type="callback_request")
    assert (log.user, log.action, log.subject_id) == (counselor, "view", request.pk)
    assert log.subject_label == "김순자"


def test_an_unknown_request_is_404(desk: Client) -> None:
    assert desk.get(f"{QUEUE}999999/").status_code == 404


# --- take, record, close ------------------------------------------------------------------


def test_taking_a_request_opens_the_consultation_form_filled_in_from_it(
    desk: Client, counselor: Any
) -> None:
    request = a_request(name="김순자", text="아버지가 입원하셨어요")

    response = desk.post(f"{QUEUE}{request.pk}/take/")

    assert response.status_code == 302
    assert response["Location"] == f"/consultations/new/?callback={request.pk}"
    request.refresh_from_db()
    assert request.state == CallbackRequest.State.TAKEN
    assert request.taken_by == counselor
    form = desk.get(response["Location"]).context["form"]
    assert form.initial["channel"] == "phone"
    assert form.initial["program"] == "care_info_counseling"
    assert form.initial["person_name"] == "김순자"
    assert form.initial["person_contact"] == request.phone
    assert form.initial["region"] == request.region
    assert form.initial["topics"] == [category("care")]
    assert form.initial["summary"] == "아버지가 입원하셨어요"
    assert form.initial["callback"] == request.pk


def test_recording_the_consultation_links_it_and_marks_the_request_called_back(
    desk: Client, counselor: Any
) -> None:
    request = a_request()
    desk.post(f"{QUEUE}{request.pk}/take/")

    response = desk.post("/consultations/new/", consultation_post(request))

    assert response.status_code == 302, response.context["form"].errors
    consultation = Consultation.objects.get()
    request.refresh_from_db()
    assert request.state == CallbackRequest.State.CALLED_BACK
    assert request.consultation == consultation
    # The form's time is to the minute: a call in the request's own minute counts from it.
    assert request.called_back_at == max(consultation.held_at, request.created_at)
    assert consultation.channel == "phone"
    assert consultation.program.code == "care_info_counseling"


def test_a_request_cannot_be_answered_twice(desk: Client) -> None:
    request = a_request()
    desk.post(f"{QUEUE}{request.pk}/take/")
    desk.post("/consultations/new/", consultation_post(request))

    response = desk.post("/consultations/new/", consultation_post(request))

    assert response.status_code == 200
    assert "이미 처리된" in " ".join(response.context["form"].non_field_errors())
    assert Consultation.objects.count() == 1


def test_a_refused_link_saves_no_consultation(desk: Client) -> None:
    request = a_request()
    other = logged_in("counselor", username="sangdam2")
    other.post(f"{QUEUE}{request.pk}/take/")

    response = desk.post("/consultations/new/", consultation_post(request))

    assert response.status_code == 200
    assert "다른 상담원" in " ".join(response.context["form"].non_field_errors())
    assert Consultation.objects.count() == 0
    request.refresh_from_db()
    assert request.state == CallbackRequest.State.TAKEN


def test_a_request_taken_by_another_counselor_cannot_be_taken(desk: Client) -> None:
    request = a_request()
    logged_in("counselor", username="sangdam2").post(f"{QUEUE}{request.pk}/take/")

    response = desk.post(f"{QUEUE}{request.pk}/take/", follow=True)

    assert "sangdam2" in text(response)
    request.refresh_from_db()
    assert request.taken_by.username == "sangdam2"


def test_closing_as_unreachable_needs_a_note(desk: Client) -> None:
    request = a_request()

    response = desk.post(f"{QUEUE}{request.pk}/close/", {"reason": "unreachable", "note": ""})

    assert response.status_code == 400
    assert "note" in response.context["close_form"].errors
    request.refresh_from_db()
    assert request.state == CallbackRequest.State.NEW


def test_closing_as_unreachable_with_a_note_takes_it_off_the_queue(
    desk: Client, counselor: Any
) -> None:
    request = a_request()

    response = desk.post(
        f"{QUEUE}{request.pk}/close/", {"reason": "unreachable", "note": "3회 전화, 받지 않음"}
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == CallbackRequest.State.CLOSED
    assert request.close_reason == "unreachable"
    assert request.closed_by == counselor
    assert AccessLog.objects.filter(
        subject_type="callback_request", subject_id=request.pk, action="change"
    ).exists()


def test_the_database_refuses_a_called_back_request_without_its_consultation() -> None:
    from django.db import IntegrityError, transaction

    request = a_request()

    with pytest.raises(IntegrityError), transaction.atomic():
        CallbackRequest.objects.filter(pk=request.pk).update(
            state="called_back", called_back_at=timezone.now()
        )


def test_the_database_refuses_a_closed_request_without_a_reason() -> None:
    from django.db import IntegrityError, transaction

    request = a_request()

    with pytest.raises(IntegrityError), transaction.atomic():
        CallbackRequest.objects.filter(pk=request.pk).update(
            state="closed", closed_at=timezone.now()
        )
