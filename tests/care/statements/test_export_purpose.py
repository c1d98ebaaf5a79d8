"""The statement's workbook names recipients: it asks for a purpose first (base.exports), on
the API and on the desk, and each recipient in it is logged as an export with that purpose,
which the monthly access review shows (issue 10, item 13)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from base.models import AccessLog
from tests.care.statements.conftest import Month
from tests.factories import UserFactory

STATEMENTS = "/api/v1/activity-statements/"
XLSX = {"year": 2024, "month": 5, "format": "xlsx"}
DOWNLOAD = "/coordinator/statements/download/?year=2024&month=5"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def logged_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def exports() -> list[tuple[int, str, str]]:
    return sorted(
        AccessLog.objects.filter(action=AccessLog.Action.EXPORT).values_list(
            "subject_id", "purpose", "purpose_note"
        )
    )


# --- the API ----------------------------------------------------------------------------------


def test_a_download_without_a_purpose_is_a_400_naming_purpose_and_logs_nothing(
    coordinator_api: APIClient, may: Month
) -> None:
    response = coordinator_api.get(STATEMENTS, XLSX)

    assert response.status_code == 400, response.content
    assert "purpose" in response.json()
    assert not AccessLog.objects.exists()


def test_an_unknown_purpose_is_a_400_naming_purpose(coordinator_api: APIClient, may: Month) -> None:
    response = coordinator_api.get(STATEMENTS, {**XLSX, "purpose": "curiosity"})

    assert response.status_code == 400
    assert "purpose" in response.json()


def test_another_purpose_needs_a_note(coordinator_api: APIClient, may: Month) -> None:
    response = coordinator_api.get(STATEMENTS, {**XLSX, "purpose": "other", "purpose_note": " "})

    assert response.status_code == 400
    assert "purpose_note" in response.json()
    assert not AccessLog.objects.exists()


def test_each_recipient_in_the_file_is_logged_once_with_the_purpose(
    coordinator_api: APIClient, may: Month
) -> None:
    response = coordinator_api.get(
        STATEMENTS, {**XLSX, "purpose": "other", "purpose_note": "감사원 자료 요구"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert exports() == sorted(
        (person.pk, "other", "감사원 자료 요구") for person in (may.first, may.second, may.third)
    )


def test_the_json_statement_asks_no_purpose(coordinator_api: APIClient, may: Month) -> None:
    response = coordinator_api.get(STATEMENTS, {"year": 2024, "month": 5})

    assert response.status_code == 200
    assert not AccessLog.objects.exists()


def test_an_anonymous_caller_gets_no_file(api: APIClient, may: Month) -> None:
    response = api.get(STATEMENTS, {**XLSX, "purpose": "report"})

    assert response.status_code in (401, 403)
    assert not AccessLog.objects.exists()


# --- the desk ---------------------------------------------------------------------------------


def test_the_desk_asks_the_purpose_first_and_says_how_many_people_the_file_names(
    coordinator: object, may: Month
) -> None:
    response = logged_in("coordinator1").get(DOWNLOAD)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="purpose"' in page and 'value="subject_request"' in page
    assert "대상자 3명" in page
    assert not AccessLog.objects.exists()


def test_the_desk_refuses_a_download_without_a_purpose_and_says_so(
    coordinator: object, may: Month
) -> None:
    response = logged_in("coordinator1").post(DOWNLOAD, {})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert 'id="error-summary"' in response.content.decode()
    assert not AccessLog.objects.exists()


def test_the_desk_sends_the_file_once_the_purpose_is_given_and_logs_it(
    coordinator: object, may: Month
) -> None:
    response = logged_in("coordinator1").post(DOWNLOAD, {"purpose": "payment"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert [purpose for _id, purpose, _note in exports()] == ["payment"] * 3


def test_a_caregiver_may_not_open_the_desk_download(may: Month) -> None:
    client = Client()
    client.force_login(UserFactory(roles=["caregiver"]))

    response = client.post(DOWNLOAD, {"purpose": "payment"})

    assert response.status_code == 403
    assert not AccessLog.objects.exists()


# --- the monthly review -----------------------------------------------------------------------


def test_the_monthly_review_lists_the_download_with_its_purpose(
    coordinator_api: APIClient, may: Month
) -> None:
    coordinator_api.get(
        STATEMENTS, {**XLSX, "purpose": "other", "purpose_note": "감사원 자료 요구"}
    )
    admin = Client()
    admin.force_login(UserFactory(roles=["administrator"]))
    today = timezone.localdate()

    response = admin.get(f"/audit/{today.year}/{today.month}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "기타: 감사원 자료 요구" in page
    assert "/api/v1/activity-statements/" in page


@pytest.mark.parametrize("purpose", ["report", "inspection", "payment", "subject_request"])
def test_every_listed_purpose_is_accepted(
    coordinator_api: APIClient, may: Month, purpose: str
) -> None:
    response = coordinator_api.get(STATEMENTS, {**XLSX, "purpose": purpose})

    assert response.status_code == 200
