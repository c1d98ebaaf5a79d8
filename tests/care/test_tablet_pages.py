"""The caregivers' tablet pages (/tablet/), through Django's test client."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from base.models import AccessLog
from care.visits import VisitInput, visit_record
from tests.factories import AssignmentFactory, RecipientFactory, UserFactory, service_type

pytestmark = pytest.mark.django_db

LOGIN_PAGES = ["/tablet/", "/tablet/visits/", "/tablet/visit/1/"]


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", LOGIN_PAGES)
def test_pages_send_anonymous_users_to_the_login_page(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_home_lists_exactly_the_caregivers_assigned_recipients(
    caregiver: Any, other_caregiver: Any
) -> None:
    mine = caregiver.assigned_recipient
    mine.phone = "063-222-3333"
    mine.save()
    mine.needs.set([service_type("housework")])
    ended = AssignmentFactory(
        corps_member=caregiver.corps_member_record,
        starts_on=dt.date(2023, 1, 1),
        ends_on=dt.date(2023, 2, 1),
    ).recipient

    response = logged_in(caregiver).get("/tablet/")

    assert response.status_code == 200
    assert [r.pk for r in response.context["day"].unscheduled] == [mine.pk]
    page = response.content.decode()
    assert mine.name in page
    assert mine.address in page
    assert 'href="tel:063-222-3333"' in page
    assert "가사지원" in page
    assert f'href="/tablet/visit/{mine.pk}/"' in page
    assert "방문 기록" in page
    assert 'id="outbox-count"' in page
    assert 'id="sync-button"' in page
    assert other_caregiver.assigned_recipient.name not in page
    assert ended.name not in page


def test_home_tells_the_worker_which_pages_to_keep(caregiver: Any) -> None:
    response = logged_in(caregiver).get("/tablet/")

    config = json.loads(
        response.content.decode()
        .split('id="tablet-config" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert config["userId"] == caregiver.pk
    assert config["precache"] == [
        "/tablet/",
        "/tablet/tomorrow/",
        "/tablet/visits/",
        "/tablet/month/",
        f"/tablet/visit/{caregiver.assigned_recipient.pk}/",
        "/tablet/incident/",
        f"/tablet/incident/{caregiver.assigned_recipient.pk}/",
        "/api/v1/service-types/",
    ]
    assert config["urls"]["login"] == "/login/?next=/tablet/"


def test_home_shows_when_the_caregiver_last_visited_each_recipient(caregiver: Any) -> None:
    recipient = caregiver.assigned_recipient
    started = timezone.now() - dt.timedelta(hours=3)
    for hours_ago in (3, 30):
        visit_record(
            actor=caregiver,
            item=VisitInput(
                client_uuid=uuid.uuid4(),
                recipient_id=recipient.pk,
                started_at=timezone.now() - dt.timedelta(hours=hours_ago),
                ended_at=timezone.now() - dt.timedelta(hours=hours_ago - 1),
                service_type_codes=("housework",),
            ),
        )

    response = logged_in(caregiver).get("/tablet/")

    (shown,) = response.context["day"].unscheduled
    assert abs(shown.last_visit_at - started) < dt.timedelta(seconds=5)


def test_a_user_without_assignments_sees_an_empty_list(db: None) -> None:
    user = UserFactory(roles=["coordinator"])
    RecipientFactory()

    response = logged_in(user).get("/tablet/")

    assert response.status_code == 200
    assert response.context["day"].scheduled == []
    assert response.context["day"].unscheduled == []
    assert "오늘 배정된 대상자가 없습니다" in response.content.decode()


def test_home_writes_an_access_log_row_per_recipient_shown(caregiver: Any) -> None:
    second = AssignmentFactory(corps_member=caregiver.corps_member_record).recipient

    logged_in(caregiver).get("/tablet/", REMOTE_ADDR="10.1.2.3")

    rows = AccessLog.objects.filter(user=caregiver, action=AccessLog.Action.VIEW, path="/tablet/")
    assert sorted(rows.values_list("subject_id", flat=True)) == sorted(
        [caregiver.assigned_recipient.pk, second.pk]
    )
    assert {row.source_ip for row in rows} == {"10.1.2.3"}


def test_visit_page_of_an_assigned_recipient(caregiver: Any) -> None:
    recipient = caregiver.assigned_recipient

    response = logged_in(caregiver).get(f"/tablet/visit/{recipient.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert recipient.name in page
    for element in ('id="check-in"', 'id="check-out"', 'id="notes"', 'id="save"'):
        assert element in page
    assert 'data-code="housework"' in page
    assert AccessLog.objects.filter(
        user=caregiver, subject_id=recipient.pk, path=f"/tablet/visit/{recipient.pk}/"
    ).exists()
    assert response["Cache-Control"].startswith("max-age=0")


def test_visit_page_warns_an_account_without_a_corps_member(coordinator: Any) -> None:
    recipient = RecipientFactory()

    response = logged_in(coordinator).get(f"/tablet/visit/{recipient.pk}/")

    assert response.status_code == 200
    assert "단원 정보가 연결되어 있지 않아" in response.content.decode()


def test_visit_page_of_another_caregivers_recipient_is_not_found(
    caregiver: Any, other_caregiver: Any
) -> None:
    theirs = other_caregiver.assigned_recipient

    response = logged_in(caregiver).get(f"/tablet/visit/{theirs.pk}/")

    assert response.status_code == 404
    assert not AccessLog.objects.filter(subject_id=theirs.pk).exists()


def test_visit_page_of_a_recipient_whose_assignment_ended_is_not_found(caregiver: Any) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    ended = AssignmentFactory(
        corps_member=caregiver.corps_member_record,
        starts_on=yesterday - dt.timedelta(days=30),
        ends_on=yesterday,
    ).recipient

    assert logged_in(caregiver).get(f"/tablet/visit/{ended.pk}/").status_code == 404


def test_visits_page_is_a_shell_for_the_api_and_the_outbox(caregiver: Any) -> None:
    response = logged_in(caregiver).get("/tablet/visits/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="outbox-list"' in page
    assert 'id="server-list"' in page
    assert "tablet/visits.js" in page


def test_service_worker_is_javascript_allowed_to_control_the_tablet_pages(client: Client) -> None:
    response = client.get("/tablet/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/tablet/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert '"/static/tablet/app.js"' in script
    assert '"/static/tablet/outbox.js"' in script
    assert '"/tablet/offline/"' in script
    assert "{{" not in script and "{%" not in script


def test_service_worker_version_follows_the_cached_files(client: Client, settings: Any) -> None:
    settings.DEBUG = True
    first = client.get("/tablet/sw.js").content
    second = client.get("/tablet/sw.js").content

    assert first == second  # byte-identical unless a cached file changes


def test_manifest_and_offline_page_need_no_login(client: Client) -> None:
    manifest = client.get("/tablet/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest["Content-Type"] == "application/manifest+json"
    assert manifest.json()["start_url"] == "/tablet/"
    assert manifest.json()["scope"] == "/tablet/"

    offline = client.get("/tablet/offline/")
    assert offline.status_code == 200
    assert "오프라인입니다" in offline.content.decode()
