"""Caregivers log in only from a tablet a coordinator enrolled: a one-time code from the desk,
typed on the tablet, leaves a credential cookie there; revoking it on the desk ends it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from base.devices.models import EnrolledTablet
from base.devices.services import enrolment_code_create, tablet_enrol, tablet_revoke
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.DEVICE_COOKIE_NAME
DESK = "/coordinator/tablets/"
ENROL = "/tablet/enrol/"


@pytest.fixture
def coordinator():  # noqa: ANN201
    user = UserFactory(username="coord", roles=["coordinator"])
    desk = Client()
    desk.force_login(user)
    user.desk = desk
    return user


@pytest.fixture
def caregiver():  # noqa: ANN201
    return UserFactory(username="danwon1", roles=["caregiver"])


def new_code(coordinator, name: str = "완주 3번") -> str:  # noqa: ANN001
    page = coordinator.desk.post(DESK, {"name": name}).content.decode()
    return re.search(r"<strong>([A-Z2-9]{4}-[A-Z2-9]{4})</strong>", page).group(1)


def log_in(tablet: Client) -> object:
    return tablet.post("/login/?next=/tablet/", {"username": "danwon1", "password": PASSWORD})


def test_a_caregiver_is_refused_on_a_browser_that_is_not_an_enrolled_tablet(caregiver) -> None:  # noqa: ANN001
    browser = Client()

    response = log_in(browser)

    assert response.status_code == 403
    assert "등록된 태블릿에서만 로그인할 수 있습니다" in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_a_coordinator_enrols_a_tablet_and_the_caregiver_logs_in_there(
    coordinator,
    caregiver,  # noqa: ANN001
) -> None:
    tablet = Client()
    code = new_code(coordinator)

    enrolled = tablet.post(ENROL, {"code": code.lower().replace("-", " ")})
    response = log_in(tablet)

    assert enrolled.status_code == 200
    cookie = enrolled.cookies[COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == settings.DEVICE_COOKIE_DAYS * 86400
    assert response.status_code == 302 and response["Location"] == "/tablet/"
    row = EnrolledTablet.objects.get()
    assert row.name == "완주 3번" and row.created_by == coordinator
    assert row.last_seen is not None
    # only hashes are kept
    assert row.credential_hash == hashlib.sha256(cookie.value.encode()).hexdigest()
    assert row.enrolment_code_hash is None


def test_the_device_cookie_is_secure_under_https(coordinator) -> None:  # noqa: ANN001
    code = new_code(coordinator)

    enrolled = Client().post(ENROL, {"code": code}, secure=True)

    assert enrolled.cookies[COOKIE]["secure"]


def test_an_enrolment_code_works_once(coordinator) -> None:  # noqa: ANN001
    code = new_code(coordinator)
    assert Client().post(ENROL, {"code": code}).status_code == 200

    again = Client().post(ENROL, {"code": code})

    assert again.status_code == 400
    assert COOKIE not in again.cookies
    assert "코드가 맞지 않거나 만료" in again.content.decode()


def test_an_expired_enrolment_code_is_refused(coordinator) -> None:  # noqa: ANN001
    code = new_code(coordinator)
    EnrolledTablet.objects.update(code_expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert Client().post(ENROL, {"code": code}).status_code == 400


def test_an_empty_or_wrong_code_is_a_400_naming_the_field() -> None:
    empty = Client().post(ENROL, {"code": ""})
    wrong = Client().post(ENROL, {"code": "AAAA-AAAA"})

    assert empty.status_code == 400 and 'id="id_code_error"' in empty.content.decode()
    assert wrong.status_code == 400


def test_a_revoked_tablet_can_no_longer_log_in(coordinator, caregiver) -> None:  # noqa: ANN001
    tablet = Client()
    tablet.post(ENROL, {"code": new_code(coordinator)})
    row = EnrolledTablet.objects.get()

    revoked = coordinator.desk.post(f"{DESK}{row.pk}/revoke/")
    response = log_in(tablet)

    assert revoked.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == coordinator
    assert response.status_code == 403
    assert "_auth_user_id" not in tablet.session


def test_a_revoked_pending_code_cannot_enrol(coordinator) -> None:  # noqa: ANN001
    code = new_code(coordinator)
    coordinator.desk.post(f"{DESK}{EnrolledTablet.objects.get().pk}/revoke/")

    assert Client().post(ENROL, {"code": code}).status_code == 400


def test_logging_out_keeps_the_tablets_credential(coordinator, caregiver) -> None:  # noqa: ANN001
    tablet = Client()
    tablet.post(ENROL, {"code": new_code(coordinator)})
    log_in(tablet)

    out = tablet.post("/logout/")
    again = log_in(tablet)

    assert COOKIE not in out.cookies  # neither deleted nor changed
    assert again.status_code == 302


@pytest.mark.parametrize("role", ["caregiver", "counselor", "manager"])
def test_only_coordinators_and_administrators_see_and_revoke_tablets(
    coordinator,
    role: str,  # noqa: ANN001
) -> None:
    new_code(coordinator)
    row = EnrolledTablet.objects.get()
    other = Client()
    other.force_login(UserFactory(username=f"other-{role}", roles=[role]))

    assert other.get(DESK).status_code == 403
    assert other.post(f"{DESK}{row.pk}/revoke/").status_code == 403
    assert other.post(DESK, {"name": "몰래"}).status_code == 403
    row.refresh_from_db()
    assert row.revoked_at is None
    assert EnrolledTablet.objects.count() == 1


def test_an_administrator_may_revoke(coordinator) -> None:  # noqa: ANN001
    new_code(coordinator)
    admin = Client()
    admin.force_login(UserFactory(username="boss", roles=["administrator"]))

    assert admin.post(f"{DESK}{EnrolledTablet.objects.get().pk}/revoke/").status_code == 302
    assert EnrolledTablet.objects.get().revoked_at is not None


def test_the_desk_needs_a_login_and_an_unknown_tablet_is_404(coordinator) -> None:  # noqa: ANN001
    assert Client().get(DESK).status_code == 302
    assert coordinator.desk.post(f"{DESK}999999/revoke/").status_code == 404
    assert coordinator.desk.get(f"{DESK}1/revoke/").status_code in {404, 405}


def test_a_blank_name_is_refused_on_the_desk(coordinator) -> None:  # noqa: ANN001
    response = coordinator.desk.post(DESK, {"name": " "})

    assert response.status_code == 200
    assert 'id="id_name_error"' in response.content.decode()
    assert not EnrolledTablet.objects.exists()


def test_the_desk_lists_tablets_in_a_fixed_number_of_queries(coordinator) -> None:  # noqa: ANN001
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator.desk.get(DESK).status_code == 200
        return len(queries)

    enrolment_code_create(name="1", by=coordinator)
    few = count()
    for n in range(10):
        pending = enrolment_code_create(name=f"t{n}", by=coordinator)
        tablet_enrol(pending.code)
        tablet_revoke(pending.tablet, by=coordinator)

    assert count() == few


# --- the token endpoint --------------------------------------------------------------------


def test_a_caregivers_token_needs_an_enrolled_tablet(coordinator, caregiver) -> None:  # noqa: ANN001
    body = {"username": "danwon1", "password": PASSWORD}
    pending = enrolment_code_create(name="t", by=coordinator)
    _row, credential = tablet_enrol(pending.code)

    refused = APIClient().post("/api/v1/auth/token/", body, format="json")
    by_field = APIClient().post(
        "/api/v1/auth/token/", {**body, "device": credential}, format="json"
    )
    by_cookie = APIClient()
    by_cookie.cookies[COOKIE] = credential
    cookie_answer = by_cookie.post("/api/v1/auth/token/", body, format="json")
    tablet_revoke(pending.tablet, by=coordinator)
    after_revoke = APIClient().post(
        "/api/v1/auth/token/", {**body, "device": credential}, format="json"
    )

    assert refused.status_code == 400 and set(refused.json()) == {"device"}
    assert by_field.status_code == 200
    assert cookie_answer.status_code == 200
    assert after_revoke.status_code == 400 and set(after_revoke.json()) == {"device"}
