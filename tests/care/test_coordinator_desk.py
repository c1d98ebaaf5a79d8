"""The coordinators' desk (/coordinator/): pages, forms and actions through the test client."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from base.models import AccessLog
from care.models import Assignment, NoVisitAlert, Recipient, Visit, VisitException
from tests.factories import (
    AssignmentFactory,
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
    episode_of,
    program,
    region,
    service_type,
)
from volunteers.models import CorpsMember

pytestmark = pytest.mark.django_db

DESK = "/coordinator/"
PAGES = [
    DESK,
    f"{DESK}recipients/",
    f"{DESK}recipients/new/",
    f"{DESK}visits/",
    f"{DESK}exceptions/",
    f"{DESK}alerts/",
]


@pytest.fixture
def desk(coordinator: Any) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


def visit_of(
    assignment: Assignment,
    *,
    days_ago: int = 1,
    status: str = Visit.Status.SUBMITTED,
    **fields: Any,
) -> Visit:
    started_at = timezone.now() - dt.timedelta(days=days_ago)
    return Visit.objects.create(
        client_uuid=uuid4(),
        recipient=assignment.recipient,
        corps_member=assignment.corps_member,
        episode=assignment.episode,
        program=assignment.program,
        started_at=started_at,
        ended_at=started_at + dt.timedelta(hours=1),
        recorded_by=assignment.corps_member.user,
        status=status,
        **fields,
    )


def intake_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "홍길순",
        "birth_date": "1941-03-02",
        "sex": "F",
        "phone": "063-350-1234",
        "address": "전북특별자치도 장수군 장수읍 군청길 1",
        "region": "jangsu",
        "admin_unit": "장수읍",
        "category": "elderly",
        "emergency_reason": "after_discharge",
        "needs": [service_type("housework").pk, service_type("meal").pk],
        "risk_level": "medium",
        "status": "referred",
    }
    data.update(overrides)
    return data


def text(response: Any) -> str:
    return response.content.decode()


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- who may come in ----------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_the_login_page(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next={path}")


@pytest.mark.parametrize("path", PAGES)
def test_a_caregiver_is_refused(caregiver: Any, path: str) -> None:
    client = Client()
    client.force_login(caregiver)

    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["manager", "counselor"])
def test_other_roles_are_refused(role: str) -> None:
    client = Client()
    client.force_login(UserFactory(username=f"{role}-desk", roles=[role]))

    assert client.get(DESK).status_code == 403


def test_a_caregiver_cannot_post_an_action_either(caregiver: Any) -> None:
    visit = visit_of(AssignmentFactory(corps_member=caregiver.corps_member_record))
    client = Client()
    client.force_login(caregiver)

    response = client.post(f"{DESK}visits/{visit.pk}/verify/")

    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED


def test_an_administrator_is_let_in() -> None:
    client = Client()
    client.force_login(UserFactory(username="admin-desk", roles=["administrator"]))

    assert client.get(DESK).status_code == 200


# --- dashboard ----------------------------------------------------------------------------


def test_the_dashboard_counts_what_needs_doing(desk: Client) -> None:
    # given two active recipients and one referred, a submitted visit with an open exception
    assignment = AssignmentFactory()
    RecipientFactory()
    RecipientFactory(status=Recipient.Status.REFERRED, consent_date=None)
    visit = visit_of(assignment)
    VisitException.objects.create(visit=visit, kind=VisitException.Kind.LATE_SYNC)
    NoVisitAlert.objects.create(
        recipient=assignment.recipient,
        corps_member=assignment.corps_member,
        as_of=timezone.localdate(),
    )

    # when the coordinator opens the desk
    response = desk.get(DESK)

    # then the counts are there, each with a link to its list
    assert response.status_code == 200
    by_status = {value: count for value, _label, count in response.context["recipients_by_status"]}
    assert by_status == {"referred": 1, "active": 2, "closed": 0}
    assert response.context["visits_to_verify"] == 1
    assert response.context["open_exceptions"] == 1
    assert response.context["alert_count"] == 1
    page = text(response)
    for link in ("recipients/?status=active", "visits/", "exceptions/", "alerts/"):
        assert f'href="{DESK}{link}"' in page


# --- recipients list ----------------------------------------------------------------------


def test_the_recipient_list_shows_names(desk: Client) -> None:
    RecipientFactory(name="김순례")
    RecipientFactory(name="박말순")

    response = desk.get(f"{DESK}recipients/")

    assert response.status_code == 200
    assert "김순례" in text(response)
    assert "박말순" in text(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "jangsu"}, {"장수분"}),
        ({"status": "referred"}, {"의뢰분"}),
        ({"category": "disabled"}, {"장애분"}),
        ({"is_rural": "false"}, {"도시분"}),
        ({"search": "수분"}, {"장수분"}),
        ({"region": "wanju", "category": "elderly", "is_rural": "true"}, {"의뢰분"}),
    ],
)
def test_the_recipient_list_filters(
    desk: Client, query: dict[str, str], expected: set[str]
) -> None:
    RecipientFactory(name="장수분", region=region("jangsu"), admin_unit="장수읍")
    RecipientFactory(name="의뢰분", status=Recipient.Status.REFERRED, consent_date=None)
    RecipientFactory(name="장애분", category=Recipient.Category.DISABLED)
    RecipientFactory(name="도시분", region=region("jeonju"), admin_unit="효자동")

    response = desk.get(f"{DESK}recipients/", query)

    assert {recipient.name for recipient in response.context["page"].object_list} == expected


def test_viewing_the_recipient_list_logs_each_recipient_shown(
    desk: Client, coordinator: Any
) -> None:
    shown = RecipientFactory.create_batch(2)

    desk.get(f"{DESK}recipients/", REMOTE_ADDR="10.1.2.3")

    rows = AccessLog.objects.filter(action=AccessLog.Action.VIEW)
    assert sorted(rows.values_list("subject_id", flat=True)) == sorted(r.pk for r in shown)
    assert {(row.user_id, row.source_ip, row.path) for row in rows} == {
        (coordinator.pk, "10.1.2.3", f"{DESK}recipients/")
    }


# --- intake -------------------------------------------------------------------------------


def test_the_intake_form_registers_a_recipient(desk: Client, coordinator: Any) -> None:
    response = desk.post(f"{DESK}recipients/new/", intake_data())

    recipient = Recipient.objects.get(name="홍길순")
    assert response.status_code == 302
    assert response["Location"] == f"{DESK}recipients/{recipient.pk}/"
    assert recipient.created_by == coordinator
    assert recipient.region.code == "jangsu"
    assert recipient.is_rural is True
    assert sorted(recipient.needs.values_list("code", flat=True)) == ["housework", "meal"]
    assert AccessLog.objects.filter(
        action=AccessLog.Action.CREATE, subject_id=recipient.pk
    ).exists()


def test_a_possible_duplicate_shows_the_candidates_and_creates_nothing(desk: Client) -> None:
    existing = RecipientFactory(name="홍길순", birth_date=dt.date(1941, 3, 2))

    response = desk.post(f"{DESK}recipients/new/", intake_data())

    assert response.status_code == 200
    assert response.context["candidates"] == [existing]
    assert "다른 사람이 맞습니다" in text(response)
    assert f"{DESK}recipients/{existing.pk}/" in text(response)
    assert Recipient.objects.filter(name="홍길순").count() == 1
    # showing the candidate is a reading of their personal data
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, subject_id=existing.pk).exists()


def test_confirming_a_different_person_creates_the_recipient(desk: Client) -> None:
    RecipientFactory(name="홍길순", birth_date=dt.date(1941, 3, 2))

    response = desk.post(f"{DESK}recipients/new/", intake_data(confirm_duplicate="on"))

    assert response.status_code == 302
    assert Recipient.objects.filter(name="홍길순").count() == 2


def test_a_resident_registration_number_in_the_notes_is_refused(desk: Client) -> None:
    response = desk.post(f"{DESK}recipients/new/", intake_data(notes="주민번호 410302-2345678"))

    assert response.status_code == 200
    assert "notes" in response.context["form"].errors
    assert "주민등록번호" in text(response)
    assert not Recipient.objects.filter(name="홍길순").exists()


def test_a_missing_field_is_shown_on_the_form(desk: Client) -> None:
    response = desk.post(f"{DESK}recipients/new/", intake_data(address=""))

    assert response.status_code == 200
    assert "address" in response.context["form"].errors
    assert not Recipient.objects.exists()


def test_an_active_intake_without_consent_is_refused_on_the_form(desk: Client) -> None:
    response = desk.post(f"{DESK}recipients/new/", intake_data(status="active"))

    assert response.status_code == 200
    assert "consent_date" in response.context["form"].errors
    assert not Recipient.objects.exists()


def test_the_intake_form_is_prefilled_from_the_query(desk: Client) -> None:
    handed_over = {
        "name": "이복순",
        "birth_date": "1938-11-05",
        "phone": "063-351-0000",
        "address": "전북특별자치도 장수군 계남면 1",
        "region": "jangsu",
        "admin_unit": "계남면",
        "referral_source": "돌봄종합정보상담",
        "notes": "상담 후 연계",
        "unknown": "ignored",
    }

    response = desk.get(f"{DESK}recipients/new/", handed_over)

    assert response.status_code == 200
    form = response.context["form"]
    for name, value in handed_over.items():
        if name != "unknown":
            assert form[name].value() == value
    page = text(response)
    assert 'value="이복순"' in page
    assert '<option value="jangsu" selected>' in page
    assert "상담 후 연계</textarea>" in page


# --- recipient detail and the assignment board --------------------------------------------


def test_the_detail_shows_the_recipient_assignments_and_visits(desk: Client) -> None:
    assignment = AssignmentFactory(corps_member=CorpsMemberFactory(name="배정단원"))
    visit_of(assignment)

    response = desk.get(f"{DESK}recipients/{assignment.recipient.pk}/")

    assert response.status_code == 200
    page = text(response)
    assert assignment.recipient.name in page
    assert "배정단원" in page
    assert list(response.context["visits"])[0].recipient == assignment.recipient


def test_viewing_the_detail_logs_the_recipient(desk: Client) -> None:
    recipient = RecipientFactory()

    desk.get(f"{DESK}recipients/{recipient.pk}/")

    assert list(
        AccessLog.objects.filter(action=AccessLog.Action.VIEW).values_list("subject_id", "path")
    ) == [(recipient.pk, f"{DESK}recipients/{recipient.pk}/")]


def test_the_detail_of_an_unknown_recipient_is_404(desk: Client) -> None:
    assert desk.get(f"{DESK}recipients/999999/").status_code == 404


def test_the_board_shows_suggestions_with_their_reasons(desk: Client) -> None:
    recipient = RecipientFactory(region=region("jangsu"), admin_unit="장수읍")
    recipient.needs.set([service_type("housework")])
    near = CorpsMemberFactory(name="장수단원", region=region("jangsu"))
    near.service_types.set([service_type("housework")])
    CorpsMemberFactory(name="전주단원", region=region("jeonju"))

    response = desk.get(f"{DESK}recipients/{recipient.pk}/", {"weekdays": ["mon", "wed"]})

    suggestions = response.context["suggestions"]
    assert [s.corps_member.name for s in suggestions] == ["장수단원", "전주단원"]
    page = text(response)
    for reason in ("같은 시·군(장수군)", "필요 서비스 1개 중 1개 제공 가능", "월·수 활동 가능"):
        assert reason in page
    # the ticked weekdays stay ticked
    assert re.search(r'value="wed"[^>]*checked', page)
    assert not re.search(r'value="fri"[^>]*checked', page)


def test_assigning_from_a_suggestion_creates_the_assignment(desk: Client, coordinator: Any) -> None:
    recipient = RecipientFactory()
    episode_of(recipient)  # an assignment serves the recipient's episode
    member = CorpsMemberFactory()

    response = desk.post(
        f"{DESK}recipients/{recipient.pk}/assign/",
        {
            "corps_member": member.pk,
            "program": program("emergency_care").pk,
            "starts_on": timezone.localdate().isoformat(),
            "weekdays": ["mon", "wed"],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{DESK}recipients/{recipient.pk}/?weekdays=mon&weekdays=wed"
    assignment = Assignment.objects.get(recipient=recipient)
    assert assignment.corps_member == member
    assert assignment.assigned_by == coordinator
    assert assignment.starts_on == timezone.localdate()
    # the assigned member leaves the board
    board = desk.get(f"{DESK}recipients/{recipient.pk}/")
    assert member not in [s.corps_member for s in board.context["suggestions"]]


def test_an_assignment_the_service_refuses_shows_its_error(desk: Client) -> None:
    recipient = RecipientFactory()
    episode_of(recipient)  # an assignment serves the recipient's episode
    member = CorpsMemberFactory(joined_on=dt.date(2023, 1, 2))

    response = desk.post(
        f"{DESK}recipients/{recipient.pk}/assign/",
        {"corps_member": member.pk, "program": program().pk, "starts_on": "2022-12-01"},
        follow=True,
    )

    assert not Assignment.objects.exists()
    assert "배정 기간이 단원의 활동 기간을 벗어납니다." in messages_of(response)


def test_assigning_a_member_on_leave_is_refused(desk: Client) -> None:
    recipient = RecipientFactory()
    episode_of(recipient)  # an assignment serves the recipient's episode
    member = CorpsMemberFactory(status=CorpsMember.Status.ON_LEAVE)

    response = desk.post(
        f"{DESK}recipients/{recipient.pk}/assign/",
        {"corps_member": member.pk, "program": program().pk, "starts_on": "2024-01-01"},
        follow=True,
    )

    assert not Assignment.objects.exists()
    assert "활동 중인 단원에게만 배정할 수 있습니다." in messages_of(response)


# --- visits to verify ---------------------------------------------------------------------


def test_the_visits_page_lists_submitted_visits_newest_first(desk: Client) -> None:
    assignment = AssignmentFactory()
    older = visit_of(assignment, days_ago=3)
    newer = visit_of(assignment, days_ago=1)
    visit_of(assignment, days_ago=2, status=Visit.Status.VERIFIED)

    response = desk.get(f"{DESK}visits/")

    assert list(response.context["page"].object_list) == [newer, older]


def test_verifying_from_the_visits_page(desk: Client, coordinator: Any) -> None:
    visit = visit_of(AssignmentFactory())

    response = desk.post(f"{DESK}visits/{visit.pk}/verify/", follow=True)

    visit.refresh_from_db()
    assert visit.status == Visit.Status.VERIFIED
    assert visit.reviewed_by == coordinator
    assert response.redirect_chain[-1][0] == f"{DESK}visits/"
    assert "방문기록을 확인했습니다." in messages_of(response)


def test_verifying_a_visit_with_an_open_exception_shows_why_it_is_refused(desk: Client) -> None:
    visit = visit_of(AssignmentFactory())
    VisitException.objects.create(visit=visit, kind=VisitException.Kind.OVERLAP, detail="겹침")

    response = desk.post(f"{DESK}visits/{visit.pk}/verify/", follow=True)

    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED
    assert "처리되지 않은 예외가 있습니다. 먼저 처리하세요." in messages_of(response)
    assert "같은 단원의 방문 시간 겹침" in text(response)


def test_voiding_from_the_visits_page_keeps_the_reason(desk: Client) -> None:
    visit = visit_of(AssignmentFactory())

    desk.post(f"{DESK}visits/{visit.pk}/void/", {"reason": "중복 입력"})

    visit.refresh_from_db()
    assert visit.status == Visit.Status.VOID
    assert visit.void_reason == "중복 입력"


def test_voiding_without_a_reason_is_refused(desk: Client) -> None:
    visit = visit_of(AssignmentFactory())

    response = desk.post(f"{DESK}visits/{visit.pk}/void/", {"reason": "  "}, follow=True)

    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED
    assert "무효 사유를 적어 주세요." in messages_of(response)


def test_an_action_returns_to_the_page_it_came_from_but_never_off_site(desk: Client) -> None:
    first, second = visit_of(AssignmentFactory()), visit_of(AssignmentFactory())

    back = desk.post(f"{DESK}visits/{first.pk}/verify/", {"next": f"{DESK}visits/?page=2"})
    away = desk.post(f"{DESK}visits/{second.pk}/verify/", {"next": "https://evil.example/"})

    assert back["Location"] == f"{DESK}visits/?page=2"
    assert away["Location"] == f"{DESK}visits/"


def test_actions_take_post_only(desk: Client) -> None:
    visit = visit_of(AssignmentFactory())

    assert desk.get(f"{DESK}visits/{visit.pk}/verify/").status_code == 405


# --- exceptions ---------------------------------------------------------------------------


def test_the_exceptions_page_lists_open_exceptions(desk: Client) -> None:
    assignment = AssignmentFactory(corps_member=CorpsMemberFactory(name="예외단원"))
    visit = visit_of(assignment)
    open_one = VisitException.objects.create(
        visit=visit, kind=VisitException.Kind.LATE_SYNC, detail="100시간 뒤 전송"
    )
    VisitException.objects.create(
        visit=visit,
        kind=VisitException.Kind.OVERLAP,
        resolved_at=timezone.now(),
        resolution="확인함",
    )

    response = desk.get(f"{DESK}exceptions/")

    assert list(response.context["page"].object_list) == [open_one]
    page = text(response)
    for shown in ("종료 72시간 뒤 전송", "100시간 뒤 전송", "예외단원", assignment.recipient.name):
        assert shown in page


def test_resolving_an_exception_needs_a_reason(desk: Client) -> None:
    exception = VisitException.objects.create(
        visit=visit_of(AssignmentFactory()), kind=VisitException.Kind.LATE_SYNC
    )

    response = desk.post(
        f"{DESK}exceptions/{exception.pk}/resolve/", {"resolution": ""}, follow=True
    )

    exception.refresh_from_db()
    assert exception.resolved_at is None
    assert "처리 사유를 적어 주세요." in messages_of(response)


def test_resolving_an_exception_with_a_reason(desk: Client, coordinator: Any) -> None:
    exception = VisitException.objects.create(
        visit=visit_of(AssignmentFactory()), kind=VisitException.Kind.LATE_SYNC
    )

    desk.post(f"{DESK}exceptions/{exception.pk}/resolve/", {"resolution": "통신 불량 확인"})

    exception.refresh_from_db()
    assert exception.resolved_at is not None
    assert exception.resolved_by == coordinator
    assert exception.resolution == "통신 불량 확인"


# --- no-visit alerts ----------------------------------------------------------------------


def test_the_alerts_page_lists_the_newest_days_alerts(desk: Client) -> None:
    today = timezone.localdate()
    quiet = AssignmentFactory(corps_member=CorpsMemberFactory(name="알림단원"))
    visited_at = timezone.now() - dt.timedelta(days=9)
    NoVisitAlert.objects.create(
        recipient=quiet.recipient,
        corps_member=quiet.corps_member,
        as_of=today,
        last_visit_at=visited_at,
    )
    never = AssignmentFactory()
    NoVisitAlert.objects.create(
        recipient=never.recipient, corps_member=never.corps_member, as_of=today
    )
    stale = AssignmentFactory()
    NoVisitAlert.objects.create(
        recipient=stale.recipient,
        corps_member=stale.corps_member,
        as_of=today - dt.timedelta(days=1),
    )

    response = desk.get(f"{DESK}alerts/")

    rows = response.context["rows"]
    # never visited first, then the longest silence
    assert [(alert.recipient, days) for alert, days in rows] == [
        (never.recipient, None),
        (quiet.recipient, 9),
    ]
    page = text(response)
    assert "알림단원" in page
    assert "9일" in page
    assert "방문 기록 없음" in page
    assert stale.recipient.name not in page


# --- query counts -------------------------------------------------------------------------


def _recipients(count: int) -> None:
    for _ in range(count):
        RecipientFactory().needs.set([service_type("housework"), service_type("meal")])


def _visits(count: int) -> None:
    for _ in range(count):
        visit = visit_of(AssignmentFactory())
        visit.service_types.set([service_type("housework")])
        VisitException.objects.create(visit=visit, kind=VisitException.Kind.LATE_SYNC)


def _alerts(count: int) -> None:
    for _ in range(count):
        assignment = AssignmentFactory()
        NoVisitAlert.objects.create(
            recipient=assignment.recipient,
            corps_member=assignment.corps_member,
            as_of=timezone.localdate(),
            last_visit_at=timezone.now() - dt.timedelta(days=8),
        )


@pytest.mark.parametrize(
    ("path", "make_rows"),
    [
        (f"{DESK}recipients/", _recipients),
        (f"{DESK}visits/", _visits),
        (f"{DESK}exceptions/", _visits),
        (f"{DESK}alerts/", _alerts),
    ],
)
def test_list_pages_cost_the_same_queries_for_3_or_30_rows(
    desk: Client, path: str, make_rows: Callable[[int], None]
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = desk.get(path)
        assert response.status_code == 200
        return len(captured)

    make_rows(3)
    few = queries()
    make_rows(27)

    assert queries() == few
