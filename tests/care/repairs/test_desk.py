"""The desk pages under /coordinator/repairs/: a job from survey to signed completion with
photos, through forms that work without JavaScript (the photo is a multipart form)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from base.models import AccessLog
from care.repairs.models import RepairJob, RepairPhoto
from tests.care.repairs.factories import GPS_IFD, RepairJobFactory, photo_bytes, upload
from tests.consultations.factories import OrganizationFactory
from tests.factories import RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

State = RepairJob.State


@pytest.fixture
def desk(client: Client, coordinator: Any) -> Client:
    client.force_login(coordinator)
    return client


def step(pk: int, name: str) -> str:
    return f"/coordinator/repairs/{pk}/{name}/"


def test_a_job_goes_from_survey_to_signed_completion_on_the_desk(desk: Client) -> None:
    # given a household and a contractor
    recipient = RecipientFactory(name="한옥순")
    contractor = OrganizationFactory(name="김제 주거복지센터")
    today = timezone.localdate()

    # when the coordinator records the survey from the new-job page
    created = desk.post(
        "/coordinator/repairs/new/",
        {"recipient": recipient.pk, "surveyed_on": today, "needs": "부엌 바닥 누수, 문턱"},
    )
    job = RepairJob.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/coordinator/repairs/{job.pk}/"

    # and goes through the job's page: a photo before, an item, the quote, the start, a photo
    # after (with the home's GPS position), the completion and the household's sign-off
    answers = [
        desk.post(
            step(job.pk, "photo"),
            {"stage": "before", "image": upload(photo_bytes()), "caption": "누수 부위"},
        ),
        desk.post(
            step(job.pk, "item"),
            {"item": "장판 교체", "quantity": "12", "unit": "m²", "unit_cost": "15000"},
        ),
        desk.post(step(job.pk, "quote"), {"quoted_on": today, "contractor": contractor.pk}),
        desk.post(step(job.pk, "start"), {"started_on": today}),
        desk.post(
            step(job.pk, "photo"), {"stage": "after", "image": upload(photo_bytes(gps=True))}
        ),
        desk.post(step(job.pk, "complete"), {"completed_on": today, "completion_note": "완료"}),
        desk.post(
            step(job.pk, "sign-off"),
            {"signed_by_name": "한옥순", "signed_by_relation": "self", "signed_on": today},
        ),
    ]

    # then each step went back to the job's page, and the job is complete and signed
    assert [a.status_code for a in answers] == [302] * 7
    job.refresh_from_db()
    assert (job.state, job.completed_on, job.signed_on) == (State.COMPLETED, today, today)
    assert job.quote_amount == 180000  # 12 × 15,000, the items' total
    assert job.contractor == contractor
    # and the page shows both photos, served without any GPS position
    page = desk.get(f"/coordinator/repairs/{job.pk}/")
    assert page.status_code == 200
    for photo in RepairPhoto.objects.filter(job=job):
        assert f"/coordinator/repairs/photos/{photo.pk}/" in page.content.decode()
        served = desk.get(f"/coordinator/repairs/photos/{photo.pk}/")
        image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
        assert image.getexif().get_ifd(GPS_IFD) == {}


def test_the_job_page_offers_the_photo_upload_as_a_multipart_form(desk: Client) -> None:
    job = RepairJobFactory()

    body = desk.get(f"/coordinator/repairs/{job.pk}/").content.decode()

    assert f'action="{step(job.pk, "photo")}" enctype="multipart/form-data"' in body
    assert 'type="file"' in body


def test_completing_without_a_date_shows_the_error_on_the_date_field(desk: Client) -> None:
    job = RepairJobFactory(state=State.IN_PROGRESS)

    response = desk.post(step(job.pk, "complete"), {"completed_on": "", "completion_note": "끝"})

    assert response.status_code == 400
    assert "completed_on" in response.context["forms"]["complete"].errors
    assert 'id="complete-completed_on"' in response.content.decode()
    job.refresh_from_db()
    assert job.state == State.IN_PROGRESS


def test_a_file_that_is_not_an_image_is_shown_as_an_error_on_the_photo_field(
    desk: Client,
) -> None:
    job = RepairJobFactory()

    response = desk.post(
        step(job.pk, "photo"),
        {"stage": "before", "image": upload(b"hello", "memo.txt", "text/plain")},
    )

    assert response.status_code == 400
    assert "image" in response.context["forms"]["photo"].errors
    assert not RepairPhoto.objects.exists()


def test_an_item_is_removed_from_an_open_job(desk: Client) -> None:
    job = RepairJobFactory()
    item = job.items.get()

    response = desk.post(f"/coordinator/repairs/items/{item.pk}/remove/")

    assert response.status_code == 302
    assert not job.items.exists()


def test_a_finished_job_offers_no_forms_but_the_sign_off(desk: Client) -> None:
    job = RepairJobFactory(state=State.COMPLETED)

    response = desk.get(f"/coordinator/repairs/{job.pk}/")

    assert set(response.context["forms"]) == {"sign_off", "photo"}


def test_the_list_filters_by_state_and_logs_the_households_shown(desk: Client) -> None:
    done = RepairJobFactory(state=State.COMPLETED)
    RepairJobFactory()
    last = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = desk.get("/coordinator/repairs/", {"state": "completed"})

    assert response.status_code == 200
    assert [job.pk for job in response.context["page"].object_list] == [done.pk]
    assert list(AccessLog.objects.filter(id__gt=last).values_list("subject_id", flat=True)) == [
        done.recipient_id
    ]


def test_the_list_page_takes_the_same_queries_for_two_jobs_as_for_eight(desk: Client) -> None:
    for _ in range(2):
        RepairJobFactory()
    with CaptureQueriesContext(connection) as two:
        desk.get("/coordinator/repairs/")
    for _ in range(6):
        RepairJobFactory(state=State.QUOTED)
    with CaptureQueriesContext(connection) as eight:
        response = desk.get("/coordinator/repairs/")

    assert len(response.context["page"].object_list) == 8
    assert len(eight) == len(two)


def test_viewing_a_job_page_is_written_to_the_access_log(desk: Client) -> None:
    job = RepairJobFactory()
    last = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0

    desk.get(f"/coordinator/repairs/{job.pk}/")

    logged = AccessLog.objects.filter(id__gt=last).get()
    assert (logged.action, logged.subject_id) == ("view", job.recipient_id)


@pytest.mark.parametrize("role", ["caregiver", "counselor", "manager"])
def test_other_roles_get_403_on_the_repair_desk(client: Client, role: str) -> None:
    job = RepairJobFactory()
    client.force_login(UserFactory(roles=[role]))

    for path in ("/coordinator/repairs/", f"/coordinator/repairs/{job.pk}/"):
        assert client.get(path).status_code == 403
    assert client.post(step(job.pk, "cancel"), {"reason": "x"}).status_code == 403
    job.refresh_from_db()
    assert job.state == State.SURVEY


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    job = RepairJobFactory()

    response = client.get(f"/coordinator/repairs/{job.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_job_that_does_not_exist_is_404_on_the_desk(desk: Client) -> None:
    assert desk.get("/coordinator/repairs/999999/").status_code == 404
    assert desk.post(step(999999, "cancel"), {"reason": "x"}).status_code == 404


def test_an_old_survey_date_is_kept_as_given(desk: Client) -> None:
    recipient = RecipientFactory()

    desk.post(
        "/coordinator/repairs/new/",
        {"recipient": recipient.pk, "surveyed_on": "2023-06-01", "needs": "창호 단열"},
    )

    assert RepairJob.objects.get().surveyed_on == dt.date(2023, 6, 1)
