"""/api/v1/repair-jobs/: the work order from survey to sign-off, photos, filters, roles."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from base.models import AccessLog
from care.repairs.models import RepairJob, RepairJobTransition, RepairPhoto
from tests.care.repairs.factories import (
    GPS_IFD,
    RepairJobFactory,
    completed_job,
    photo_bytes,
    upload,
)
from tests.conftest import client_for
from tests.consultations.factories import OrganizationFactory
from tests.factories import RecipientFactory, UserFactory, region

pytestmark = pytest.mark.django_db

URL = "/api/v1/repair-jobs/"
State = RepairJob.State


def detail(pk: int, action: str = "") -> str:
    return f"{URL}{pk}/{action + '/' if action else ''}"


def a_photo(stage: str = "before", **image: Any) -> dict[str, Any]:
    return {"stage": stage, "image": upload(photo_bytes(**image)), "caption": "욕실 바닥"}


# --- the whole job ---------------------------------------------------------------------------


def test_a_job_goes_from_survey_to_signed_completion_with_photos(
    coordinator: Any, coordinator_api: APIClient, client: Any
) -> None:
    # given a household and a contractor of the directory
    recipient = RecipientFactory()
    contractor = OrganizationFactory(name="완주 집수리 사회적협동조합")

    # when the coordinator records the survey with two items
    created = coordinator_api.post(
        URL,
        {
            "recipient": recipient.pk,
            "surveyed_on": "2024-05-02",
            "needs": "욕실 문턱 제거, 안전 손잡이 설치",
            "items": [
                {"item": "안전 손잡이", "quantity": "2", "unit": "개", "unit_cost": 45000},
                {"item": "문턱 제거", "quantity": "1.5", "unit": "m", "unit_cost": 30001},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    job = created.json()
    # 2 × 45,000 + 1.5 × 30,001 = 90,000 + 45,001.5 → 45,002 (half up)
    assert [item["amount"] for item in job["items"]] == [90000, 45002]
    assert job["items_total"] == 135002
    pk = job["id"]

    # and uploads a photo before, quotes (the items' total), starts, uploads one after, completes
    before = coordinator_api.post(detail(pk, "photos"), a_photo("before"), format="multipart")
    quoted = coordinator_api.post(
        detail(pk, "quote"),
        {"quoted_on": "2024-05-03", "contractor": contractor.pk},
        format="json",
    )
    started = coordinator_api.post(detail(pk, "start"), {"started_on": "2024-05-10"}, format="json")
    after = coordinator_api.post(
        detail(pk, "photos"), a_photo("after", gps=True), format="multipart"
    )
    completed = coordinator_api.post(
        detail(pk, "complete"),
        {"completed_on": "2024-05-12", "completion_note": "손잡이 2개 설치"},
        format="json",
    )
    signed = coordinator_api.post(
        detail(pk, "sign-off"),
        {"signed_by_name": "박정숙", "signed_by_relation": "child", "signed_on": "2024-05-13"},
        format="json",
    )

    # then every step answered, and the job reads as completed, signed, with both photos
    assert [r.status_code for r in (before, quoted, started, after, completed, signed)] == [
        201, 200, 200, 201, 200, 200,
    ]  # fmt: skip
    assert quoted.json()["quote_amount"] == 135002
    assert quoted.json()["contractor_name"] == "완주 집수리 사회적협동조합"
    final = coordinator_api.get(detail(pk)).json()
    assert final["state"] == "completed"
    assert final["completed_on"] == "2024-05-12"
    assert final["signed_by_name"] == "박정숙"
    assert (final["photos_before"], final["photos_after"]) == (1, 1)
    assert [t["to_state"] for t in final["transitions"]] == [
        "survey", "quoted", "in_progress", "completed",
    ]  # fmt: skip
    assert all(t["by"] == "coordinator1" for t in final["transitions"])
    # and the after photo's file, fetched by the coordinator logged in, has no GPS position
    url = next(p["url"] for p in final["photos"] if p["stage"] == "after")
    client.force_login(coordinator)
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert image.getexif().get_ifd(GPS_IFD) == {}
    assert dict(image.getexif()) == {}


def test_a_quote_may_name_its_own_amount(coordinator_api: APIClient) -> None:
    job = RepairJobFactory()
    contractor = OrganizationFactory()

    response = coordinator_api.post(
        detail(job.pk, "quote"),
        {"quoted_on": "2024-03-05", "contractor": contractor.pk, "quote_amount": 1250000},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["quote_amount"] == 1250000


def test_items_are_replaced_by_a_patch_while_the_job_is_open(coordinator_api: APIClient) -> None:
    job = RepairJobFactory()

    response = coordinator_api.patch(
        detail(job.pk),
        {"items": [{"item": "장판 교체", "quantity": "10", "unit": "m²", "unit_cost": 12000}]},
        format="json",
    )

    assert response.status_code == 200
    assert [i["item"] for i in response.json()["items"]] == ["장판 교체"]
    assert response.json()["items_total"] == 120000


def test_a_job_is_cancelled_with_a_reason(coordinator_api: APIClient) -> None:
    job = RepairJobFactory(state=State.QUOTED)

    response = coordinator_api.post(
        detail(job.pk, "cancel"), {"reason": "가구가 요양원에 입소함"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    assert RepairJobTransition.objects.filter(job=job, to_state="cancelled").get().reason


# --- bad input: 400 naming the field, nothing half-written ----------------------------------


def test_completing_without_a_completion_date_is_a_400_naming_the_field(
    coordinator_api: APIClient,
) -> None:
    job = RepairJobFactory(state=State.IN_PROGRESS)

    response = coordinator_api.post(detail(job.pk, "complete"), {}, format="json")

    assert response.status_code == 400
    assert "completed_on" in response.json()
    job.refresh_from_db()
    assert job.state == State.IN_PROGRESS


def test_completing_before_the_start_is_a_400_naming_the_field(coordinator_api: APIClient) -> None:
    job = RepairJobFactory(state=State.IN_PROGRESS)

    response = coordinator_api.post(
        detail(job.pk, "complete"),
        {"completed_on": (job.started_on - dt.timedelta(days=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert "completed_on" in response.json()


def test_completing_a_job_not_started_is_refused(coordinator_api: APIClient) -> None:
    job = RepairJobFactory(state=State.QUOTED)

    response = coordinator_api.post(
        detail(job.pk, "complete"), {"completed_on": "2024-03-20"}, format="json"
    )

    assert response.status_code == 400
    assert "state" in response.json()
    job.refresh_from_db()
    assert (job.state, job.completed_on) == (State.QUOTED, None)


def test_sign_off_before_completion_is_refused(coordinator_api: APIClient) -> None:
    job = RepairJobFactory(state=State.IN_PROGRESS)

    response = coordinator_api.post(
        detail(job.pk, "sign-off"),
        {"signed_by_name": "김순자", "signed_by_relation": "self", "signed_on": "2024-03-20"},
        format="json",
    )

    assert response.status_code == 400
    assert "state" in response.json()


def test_a_negative_unit_cost_is_a_400_naming_the_items(coordinator_api: APIClient) -> None:
    recipient = RecipientFactory()

    response = coordinator_api.post(
        URL,
        {
            "recipient": recipient.pk,
            "surveyed_on": "2024-05-02",
            "needs": "도배",
            "items": [{"item": "도배", "quantity": "1", "unit_cost": -5}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "items" in response.json()
    assert not RepairJob.objects.exists()


def test_a_negative_quote_is_a_400_naming_the_field(coordinator_api: APIClient) -> None:
    job = RepairJobFactory()

    response = coordinator_api.post(
        detail(job.pk, "quote"),
        {"quoted_on": "2024-03-05", "contractor": OrganizationFactory().pk, "quote_amount": -1},
        format="json",
    )

    assert response.status_code == 400
    assert "quote_amount" in response.json()


def test_a_survey_without_needs_is_a_400_naming_the_field(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(
        URL, {"recipient": RecipientFactory().pk, "surveyed_on": "2024-05-02"}, format="json"
    )

    assert response.status_code == 400
    assert "needs" in response.json()


def test_a_survey_dated_tomorrow_is_refused(coordinator_api: APIClient) -> None:
    from django.utils import timezone

    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = coordinator_api.post(
        URL,
        {"recipient": RecipientFactory().pk, "surveyed_on": tomorrow.isoformat(), "needs": "도배"},
        format="json",
    )

    assert response.status_code == 400
    assert "surveyed_on" in response.json()


def test_a_resident_registration_number_in_the_needs_is_refused(
    coordinator_api: APIClient,
) -> None:
    response = coordinator_api.post(
        URL,
        {
            "recipient": RecipientFactory().pk,
            "surveyed_on": "2024-05-02",
            "needs": "본인 410302-2345678 욕실 공사",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "needs" in response.json()
    assert not RepairJob.objects.exists()


def test_a_photo_that_is_not_an_image_is_a_400_naming_the_field(
    coordinator_api: APIClient,
) -> None:
    job = RepairJobFactory()

    response = coordinator_api.post(
        detail(job.pk, "photos"),
        {"stage": "before", "image": upload(b"just text", "notes.txt", "text/plain")},
        format="multipart",
    )

    assert response.status_code == 400
    assert "image" in response.json()
    assert not RepairPhoto.objects.exists()


def test_a_photo_over_10_mb_is_a_400_naming_the_field(coordinator_api: APIClient) -> None:
    job = RepairJobFactory()
    big = photo_bytes() + b"\0" * (10 * 1024 * 1024)

    response = coordinator_api.post(
        detail(job.pk, "photos"), {"stage": "before", "image": upload(big)}, format="multipart"
    )

    assert response.status_code == 400
    assert "image" in response.json()


def test_a_photo_sent_as_json_is_refused(coordinator_api: APIClient) -> None:
    job = RepairJobFactory()

    response = coordinator_api.post(
        detail(job.pk, "photos"), {"stage": "before", "image": "aGVsbG8="}, format="json"
    )

    assert response.status_code == 415


def test_the_rest_of_the_api_takes_json_only(coordinator_api: APIClient) -> None:
    job = RepairJobFactory(state=State.IN_PROGRESS)

    response = coordinator_api.post(
        detail(job.pk, "complete"), {"completed_on": "2024-03-20"}, format="multipart"
    )

    assert response.status_code == 415


# --- who may ----------------------------------------------------------------------------------

ENDPOINTS = [
    ("get", URL, None),
    ("post", URL, {}),
    ("get", "{job}", None),
    ("patch", "{job}", {}),
    ("post", "{job}quote/", {}),
    ("post", "{job}start/", {}),
    ("post", "{job}complete/", {}),
    ("post", "{job}sign-off/", {}),
    ("post", "{job}cancel/", {}),
    ("post", "{job}photos/", {}),
]


def _call(client: APIClient, method: str, path: str, job: RepairJob, body: Any) -> Any:
    path = path.replace("{job}", detail(job.pk))
    fmt = "multipart" if path.endswith("photos/") else "json"
    return getattr(client, method)(path, body, format=fmt)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_an_anonymous_caller_is_told_to_log_in(
    api: APIClient, method: str, path: str, body: Any
) -> None:
    job = RepairJobFactory()

    assert _call(api, method, path, job, body).status_code == 401


@pytest.mark.parametrize("role", ["caregiver", "counselor", "manager"])
@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_other_roles_cannot_use_repair_jobs(role: str, method: str, path: str, body: Any) -> None:
    job = RepairJobFactory()
    client = client_for(UserFactory(roles=[role]))

    assert _call(client, method, path, job, body).status_code == 403


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS[2:])
def test_a_job_that_does_not_exist_is_404(
    coordinator_api: APIClient, method: str, path: str, body: Any
) -> None:
    job = RepairJobFactory()
    missing = RepairJob(pk=job.pk + 1000)

    assert _call(coordinator_api, method, path, missing, body).status_code == 404


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("caregiver", 403), ("manager", 403)])
def test_a_photo_is_served_only_to_the_desk_that_runs_the_job(
    coordinator_api: APIClient, client: Any, role: str | None, status: int
) -> None:
    job = RepairJobFactory()
    photo = coordinator_api.post(detail(job.pk, "photos"), a_photo(), format="multipart").json()
    if role:
        client.force_login(UserFactory(roles=[role]))

    assert client.get(photo["url"]).status_code == status


def test_a_photo_that_does_not_exist_is_404(coordinator: Any, client: Any) -> None:
    client.force_login(coordinator)

    assert client.get("/coordinator/repairs/photos/999999/").status_code == 404


def test_a_photo_is_served_to_an_api_client_by_its_token(coordinator_api: APIClient) -> None:
    from rest_framework.authtoken.models import Token

    user = UserFactory(roles=["coordinator"])
    job = RepairJobFactory()
    photo = coordinator_api.post(detail(job.pk, "photos"), a_photo(), format="multipart").json()
    token = Token.objects.create(user=user)

    response = APIClient().get(photo["url"], HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200


def test_an_administrator_may_work_on_jobs() -> None:
    job = RepairJobFactory(state=State.IN_PROGRESS)
    client = client_for(UserFactory(roles=["administrator"]))

    response = client.post(
        detail(job.pk, "complete"), {"completed_on": "2024-03-20"}, format="json"
    )

    assert response.status_code == 200


# --- reads are logged; lists filter and do not grow in queries --------------------------------


def test_reading_a_job_is_written_to_the_access_log(coordinator_api: APIClient) -> None:
    job = RepairJobFactory()
    before = AccessLog.objects.count()

    coordinator_api.get(detail(job.pk))

    logged = AccessLog.objects.order_by("-id")[0]
    assert AccessLog.objects.count() == before + 1
    assert (logged.action, logged.subject_id) == ("view", job.recipient_id)


def test_a_list_logs_each_household_shown(coordinator_api: APIClient) -> None:
    jobs = [RepairJobFactory() for _ in range(3)]
    last = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0

    coordinator_api.get(URL)

    shown = AccessLog.objects.filter(id__gt=last, action="view")
    assert sorted(shown.values_list("subject_id", flat=True)) == sorted(
        job.recipient_id for job in jobs
    )


def test_the_list_filters_by_state_region_year_and_contractor(coordinator_api: APIClient) -> None:
    contractor = OrganizationFactory()
    in_jeonju = RecipientFactory(region=region("jeonju"))
    wanted = RepairJobFactory(
        recipient=in_jeonju,
        state=State.COMPLETED,
        contractor=contractor,
        surveyed_on=dt.date(2023, 12, 20),
        completed_on=dt.date(2024, 1, 5),
    )
    RepairJobFactory(state=State.COMPLETED, surveyed_on=dt.date(2024, 2, 1))  # other region
    RepairJobFactory(recipient=in_jeonju, surveyed_on=dt.date(2024, 2, 1))  # still surveying
    RepairJobFactory(
        recipient=in_jeonju, state=State.COMPLETED, surveyed_on=dt.date(2022, 5, 1)
    )  # 2022

    response = coordinator_api.get(
        URL, {"state": "completed", "region": "jeonju", "year": 2024, "contractor": contractor.pk}
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [wanted.pk]


def test_a_year_out_of_range_is_a_400(coordinator_api: APIClient) -> None:
    response = coordinator_api.get(URL, {"year": 1900})

    assert response.status_code == 400
    assert "year" in response.json()


def test_the_list_takes_the_same_queries_for_three_jobs_as_for_twelve(
    coordinator_api: APIClient,
) -> None:
    for _ in range(3):
        RepairJobFactory(state=State.QUOTED)
    with CaptureQueriesContext(connection) as three:
        assert coordinator_api.get(URL).status_code == 200
    for _ in range(9):
        RepairJobFactory(state=State.COMPLETED)
    with CaptureQueriesContext(connection) as twelve:
        response = coordinator_api.get(URL)

    assert response.json()["count"] == 12
    assert len(twelve) == len(three)


def test_one_job_is_read_in_a_fixed_number_of_queries(coordinator_api: APIClient) -> None:
    small = RepairJobFactory()
    big = RepairJobFactory(
        state=State.IN_PROGRESS,
        items=[{"item": f"품목 {n}", "quantity": "1", "unit_cost": 1000} for n in range(8)],
    )
    for stage in ("before", "after", "after"):
        coordinator_api.post(detail(big.pk, "photos"), a_photo(stage), format="multipart")
    with CaptureQueriesContext(connection) as one:
        coordinator_api.get(detail(small.pk))
    with CaptureQueriesContext(connection) as many:
        coordinator_api.get(detail(big.pk))

    assert len(many) == len(one)


# --- managers: figures only -------------------------------------------------------------------


def test_a_manager_reads_the_years_figures_without_persons(manager_api: APIClient) -> None:
    household = RecipientFactory()
    completed_job(household, dt.date(2024, 4, 1))
    completed_job(household, dt.date(2024, 9, 1))
    completed_job(RecipientFactory(), dt.date(2024, 6, 1))
    RepairJobFactory(surveyed_on=dt.date(2024, 7, 1))

    response = manager_api.get(f"{URL}summary/", {"year": 2024})

    assert response.status_code == 200
    body = response.json()
    assert body["households_completed"] == 2
    assert body["by_state"]["completed"] == 3
    assert body["by_state"]["survey"] == 1
    assert "recipient" not in str(body)


def test_the_summary_refuses_a_year_that_is_not_one(manager_api: APIClient) -> None:
    response = manager_api.get(f"{URL}summary/", {"year": "next"})

    assert response.status_code == 400
    assert "year" in response.json()


@pytest.mark.parametrize("role", ["caregiver", "counselor"])
def test_the_summary_is_not_for_caregivers_or_counselors(role: str) -> None:
    response = client_for(UserFactory(roles=[role])).get(f"{URL}summary/")

    assert response.status_code == 403


def test_the_summary_needs_a_login(api: APIClient) -> None:
    assert api.get(f"{URL}summary/").status_code == 401


def test_a_photo_request_larger_than_the_limit_is_refused_by_its_length(
    coordinator_api: APIClient,
) -> None:
    job = RepairJobFactory()

    response = coordinator_api.post(
        detail(job.pk, "photos"),
        a_photo(),
        format="multipart",
        CONTENT_LENGTH=str(11 * 1024 * 1024),
    )

    assert response.status_code == 400
    assert "image" in response.json()
