"""/api/v1/agreements/: the endpoint matrix, the derived status, the renewal list, the signed
copy's upload and download, and the organization's MOU date kept equal to its first
agreement's."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from consultations.models import Organization
from consultations.partners.models import Agreement
from tests.conftest import client_for
from tests.consultations.factories import OrganizationFactory
from tests.consultations.partners.factories import PDF, AgreementFactory, ending_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/agreements/"


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def payload(partner: Organization, **overrides: Any) -> dict[str, Any]:
    body = {
        "organization": partner.pk,
        "title": "돌봄네트워크 업무협약",
        "signed_on": "2024-03-02",
        "starts_on": "2024-03-15",
        "ends_on": "2026-03-14",
        "scope": "대상자 발굴·의뢰",
    }
    body.update(overrides)
    return body


# --- happy paths --------------------------------------------------------------------------


def test_a_counselor_records_an_agreement_and_the_organization_becomes_a_partner(
    counselor_api: APIClient,
) -> None:
    organization = OrganizationFactory()

    response = counselor_api.post(URL, payload(organization), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["renewal_due_on"] == "2026-02-12"  # 30 days before the end
    organization.refresh_from_db()
    assert organization.is_partner
    assert organization.mou_date == dt.date(2024, 3, 2)


def test_the_mou_date_is_the_first_agreements_signed_date(counselor_api: APIClient) -> None:
    organization = OrganizationFactory()
    counselor_api.post(URL, payload(organization), format="json")

    counselor_api.post(
        URL,
        payload(organization, signed_on="2022-05-01", starts_on="2022-05-01", ends_on="2024-03-14"),
        format="json",
    )
    counselor_api.post(
        URL,
        payload(organization, signed_on="2026-03-01", starts_on="2026-03-15", ends_on=None),
        format="json",
    )

    organization.refresh_from_db()
    assert organization.mou_date == dt.date(2022, 5, 1)


def test_the_status_is_active_expiring_or_expired_as_of_today(counselor_api: APIClient) -> None:
    active = ending_in(200)
    expiring = ending_in(80)  # renewal due in 50 days
    expired = AgreementFactory(
        starts_on=today() - dt.timedelta(days=800), ends_on=today() - dt.timedelta(days=1)
    )
    open_ended = AgreementFactory(ends_on=None)

    rows = {row["id"]: row["status"] for row in counselor_api.get(URL).json()["results"]}

    assert rows == {
        active.pk: "active",
        expiring.pk: "expiring",
        expired.pk: "expired",
        open_ended.pk: "active",
    }
    assert counselor_api.get(URL, {"status": "expiring"}).json()["count"] == 1


def test_the_renewal_list_holds_agreements_due_within_60_days_not_expired_nor_renewed(
    coordinator_api: APIClient,
) -> None:
    due_in_60 = ending_in(90)  # renewal due in exactly 60 days
    overdue = ending_in(10)  # renewal was due 20 days ago, still running
    ending_in(91)  # renewal due in 61 days
    AgreementFactory(starts_on=today() - dt.timedelta(days=800), ends_on=today() - dt.timedelta(1))
    renewed = ending_in(20)
    AgreementFactory(
        organization=renewed.organization,
        starts_on=renewed.ends_on + dt.timedelta(days=1),
        ends_on=renewed.ends_on + dt.timedelta(days=730),
    )

    response = coordinator_api.get(URL, {"renewal_due": "true"})

    assert {row["id"] for row in response.json()["results"]} == {due_in_60.pk, overdue.pk}


def test_a_patch_of_the_end_moves_the_renewal_date_with_it(counselor_api: APIClient) -> None:
    agreement = ending_in(200)

    response = counselor_api.patch(
        f"{URL}{agreement.pk}/", {"ends_on": (today() + dt.timedelta(days=400)).isoformat()},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    assert response.json()["renewal_due_on"] == (today() + dt.timedelta(days=370)).isoformat()


def test_the_signed_copy_is_uploaded_as_multipart_and_downloaded_through_the_check(
    counselor_api: APIClient, coordinator_api: APIClient, media: Path
) -> None:
    agreement = AgreementFactory()
    upload = SimpleUploadedFile("협약서.pdf", PDF, content_type="application/pdf")

    response = counselor_api.post(
        f"{URL}{agreement.pk}/signed-file/", {"signed_file": upload}, format="multipart"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["has_signed_file"] and body["signed_file_name"] == "협약서.pdf"
    assert list(media.rglob("*.pdf"))
    download = coordinator_api.get(body["signed_file_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_an_image_is_accepted_as_the_signed_copy(counselor_api: APIClient) -> None:
    agreement = AgreementFactory()
    png = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(png, "PNG")
    upload = SimpleUploadedFile("scan.png", png.getvalue(), content_type="image/png")

    response = counselor_api.post(
        f"{URL}{agreement.pk}/signed-file/", {"signed_file": upload}, format="multipart"
    )

    assert response.status_code == 200, response.content
    assert Agreement.objects.get(pk=agreement.pk).signed_file.name.endswith(".png")


# --- bad input ----------------------------------------------------------------------------


def test_an_agreement_ending_before_it_starts_is_refused_naming_the_field(
    counselor_api: APIClient,
) -> None:
    organization = OrganizationFactory()

    response = counselor_api.post(URL, payload(organization, ends_on="2024-03-01"), format="json")

    assert response.status_code == 400
    assert "ends_on" in response.json()
    assert not Agreement.objects.exists()
    organization.refresh_from_db()
    assert not organization.is_partner


def test_a_patch_ending_before_the_start_is_refused_naming_the_field(
    counselor_api: APIClient,
) -> None:
    agreement = AgreementFactory()

    response = counselor_api.patch(
        f"{URL}{agreement.pk}/",
        {"ends_on": (agreement.starts_on - dt.timedelta(days=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert "ends_on" in response.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"signed_on": "someday"}, "signed_on"),
        ({"organization": 999999}, "organization"),
        ({"renewal_due_on": "2026-05-01"}, "renewal_due_on"),
        ({"scope": "대표 주민번호 800101-2345678"}, "scope"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    counselor_api: APIClient, change: dict[str, Any], field: str
) -> None:
    response = counselor_api.post(URL, payload(OrganizationFactory(), **change), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Agreement.objects.exists()


def test_a_file_that_is_neither_pdf_nor_image_is_refused(counselor_api: APIClient) -> None:
    agreement = AgreementFactory()
    upload = SimpleUploadedFile("협약서.pdf", b"MZ not a pdf", content_type="application/pdf")

    response = counselor_api.post(
        f"{URL}{agreement.pk}/signed-file/", {"signed_file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert "signed_file" in response.json()
    assert not Agreement.objects.get(pk=agreement.pk).signed_file


def test_a_file_over_10_mb_is_refused(counselor_api: APIClient, media: Path) -> None:
    agreement = AgreementFactory()
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")

    response = counselor_api.post(
        f"{URL}{agreement.pk}/signed-file/", {"signed_file": big}, format="multipart"
    )

    assert response.status_code == 400
    assert "signed_file" in response.json()
    assert not list(media.rglob("*.*"))


def test_the_json_endpoints_take_no_multipart_and_the_upload_no_json(
    counselor_api: APIClient,
) -> None:
    agreement = AgreementFactory()
    organization = OrganizationFactory()

    as_form = counselor_api.post(URL, payload(organization), format="multipart")
    as_json = counselor_api.post(
        f"{URL}{agreement.pk}/signed-file/", {"signed_file": "x"}, format="json"
    )

    assert as_form.status_code == 415
    assert as_json.status_code == 415


# --- who may ------------------------------------------------------------------------------


def test_an_anonymous_caller_is_refused(api: APIClient) -> None:
    agreement = AgreementFactory()

    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}{agreement.pk}/signed-file/download/").status_code == 401


@pytest.mark.parametrize("role", ["caregiver", "manager"])
def test_caregivers_and_managers_reach_no_agreement(role: str) -> None:
    agreement = AgreementFactory()
    api = client_for(UserFactory(roles=[role]))

    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}{agreement.pk}/").status_code == 403
    assert api.get(f"{URL}{agreement.pk}/signed-file/download/").status_code == 403


def test_coordinators_read_agreements_but_do_not_write_them(coordinator_api: APIClient) -> None:
    agreement = AgreementFactory()

    assert coordinator_api.get(f"{URL}{agreement.pk}/").status_code == 200
    assert (
        coordinator_api.post(URL, payload(OrganizationFactory()), format="json").status_code == 403
    )
    assert (
        coordinator_api.patch(f"{URL}{agreement.pk}/", {"title": "x"}, format="json").status_code
        == 403
    )


def test_an_administrator_writes_agreements() -> None:
    api = client_for(UserFactory(roles=["administrator"]))

    assert api.post(URL, payload(OrganizationFactory()), format="json").status_code == 201


def test_a_missing_agreement_or_copy_is_not_found(counselor_api: APIClient) -> None:
    agreement = AgreementFactory()

    assert counselor_api.get(f"{URL}999999/").status_code == 404
    assert counselor_api.get(f"{URL}{agreement.pk}/signed-file/download/").status_code == 404


def test_agreements_are_never_deleted(counselor_api: APIClient) -> None:
    agreement = AgreementFactory()

    assert counselor_api.delete(f"{URL}{agreement.pk}/").status_code == 405


# --- query counts -------------------------------------------------------------------------


def test_the_list_costs_the_same_queries_for_one_row_or_many(counselor_api: APIClient) -> None:
    AgreementFactory()
    with CaptureQueriesContext(connection) as one:
        counselor_api.get(URL)
    AgreementFactory.create_batch(6)

    with CaptureQueriesContext(connection) as many:
        response = counselor_api.get(URL, {"renewal_due": "false"})

    assert response.json()["count"] == 7
    assert len(many) == len(one)


def test_the_mou_date_of_an_organization_with_agreements_is_not_typed_over(
    counselor_api: APIClient,
) -> None:
    agreement = AgreementFactory()

    response = counselor_api.patch(
        f"/api/v1/organizations/{agreement.organization_id}/",
        {"mou_date": "2020-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert "mou_date" in response.json()
    assert Organization.objects.get(pk=agreement.organization_id).mou_date == agreement.signed_on
