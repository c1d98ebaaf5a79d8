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
from tests.care.schedule_factories import scheduled_visit, seoul
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
    f"{DESK}corps-members/",
    f"{DESK}visits/",
    f"{DESK}visits/verify/",
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
    started_at: dt.datetime | None = None,
    **fields: Any,
) -> Visit:
    started_at = started_at or timezone.now() - dt.timedelta(days=days_ago)
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
    assert "consent_items" in response.context["form"].errors
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


# --- editing a recipient and ending an assignment ------------------------------------------


def edit_data(recipient: Recipient, **overrides: Any) -> dict[str, Any]:
    data = intake_data(
        name=recipient.name,
        birth_date=recipient.birth_date.isoformat(),
        region=recipient.region.code,
        admin_unit=recipient.admin_unit,
        status=recipient.status,
        consent_date=recipient.consent_date.isoformat() if recipient.consent_date else "",
        consent_scope=recipient.consent_scope,
    )
    data.update(overrides)
    return data


def test_the_recipient_page_links_to_the_edit_form(desk: Client) -> None:
    recipient = RecipientFactory()

    response = desk.get(f"{DESK}recipients/{recipient.pk}/")

    assert f'href="{DESK}recipients/{recipient.pk}/edit/"' in text(response)


def test_the_edit_form_is_filled_with_the_recipient(desk: Client) -> None:
    recipient = RecipientFactory(region=region("jangsu"), admin_unit="장수읍")
    recipient.needs.set([service_type("meal")])

    response = desk.get(f"{DESK}recipients/{recipient.pk}/edit/")

    assert response.status_code == 200
    page = text(response)
    assert f'value="{recipient.name}"' in page
    assert '<option value="jangsu" selected>' in page
    assert re.search(rf'value="{service_type("meal").pk}"[^>]*checked', page)
    assert "다른 사람이 맞습니다" not in page
    # the form shows personal data: a reading, logged
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, subject_id=recipient.pk).exists()


def test_editing_a_recipient_saves_through_the_service_with_the_access_log(
    desk: Client, coordinator: Any
) -> None:
    recipient = RecipientFactory(phone="063-123-4567")

    response = desk.post(
        f"{DESK}recipients/{recipient.pk}/edit/",
        edit_data(recipient, phone="063-999-0000", needs=[service_type("meal").pk]),
        REMOTE_ADDR="10.1.2.3",
    )

    assert response.status_code == 302
    assert response["Location"] == f"{DESK}recipients/{recipient.pk}/"
    recipient.refresh_from_db()
    assert recipient.phone == "063-999-0000"
    assert list(recipient.needs.values_list("code", flat=True)) == ["meal"]
    change = AccessLog.objects.get(action=AccessLog.Action.CHANGE, subject_id=recipient.pk)
    assert (change.user_id, change.source_ip) == (coordinator.pk, "10.1.2.3")


def test_closing_a_recipient_from_the_edit_form(desk: Client) -> None:
    recipient = RecipientFactory()

    desk.post(f"{DESK}recipients/{recipient.pk}/edit/", edit_data(recipient, status="closed"))

    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.CLOSED


def referred_without_consent() -> Recipient:
    return RecipientFactory(status=Recipient.Status.REFERRED, consent_date=None, consent_scope="")


def test_making_a_recipient_active_without_consent_is_refused_on_the_form(desk: Client) -> None:
    recipient = referred_without_consent()

    response = desk.post(
        f"{DESK}recipients/{recipient.pk}/edit/", edit_data(recipient, status="active")
    )

    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.REFERRED
    assert not AccessLog.objects.filter(action=AccessLog.Action.CHANGE).exists()


def test_making_a_recipient_active_with_consent(desk: Client) -> None:
    recipient = referred_without_consent()
    # the collection item is taken on the recipient page's consent section first
    desk.post(
        f"{DESK}recipients/{recipient.pk}/consents/",
        {"item": "collection_use", "given_on": "2026-11-02", "method": "in_person",
         "given_by": "self"},
    )  # fmt: skip

    desk.post(f"{DESK}recipients/{recipient.pk}/edit/", edit_data(recipient, status="active"))

    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.ACTIVE
    assert recipient.consent_date == dt.date(2026, 11, 2)


def test_a_caregiver_cannot_edit_a_recipient(caregiver: Any) -> None:
    client = Client()
    client.force_login(caregiver)
    recipient = caregiver.assigned_recipient

    response = client.post(
        f"{DESK}recipients/{recipient.pk}/edit/", edit_data(recipient, status="closed")
    )

    assert response.status_code == 403
    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.ACTIVE


def test_ending_an_assignment_from_the_recipient_page(desk: Client, coordinator: Any) -> None:
    assignment = AssignmentFactory(corps_member=CorpsMemberFactory(name="끝낼단원"))
    page = text(desk.get(f"{DESK}recipients/{assignment.recipient.pk}/"))
    assert f'action="{DESK}assignments/{assignment.pk}/end/"' in page

    response = desk.post(
        f"{DESK}assignments/{assignment.pk}/end/", {"ends_on": "2026-11-20"}, follow=True
    )

    assignment.refresh_from_db()
    assert assignment.ends_on == dt.date(2026, 11, 20)
    assert response.redirect_chain[-1][0] == (
        f"{DESK}recipients/{assignment.recipient.pk}/#assignments"
    )
    assert "끝낼단원 단원의 배정을 2026-11-20에 끝냈습니다." in messages_of(response)
    assert AccessLog.objects.filter(
        action=AccessLog.Action.CHANGE, subject_id=assignment.recipient.pk, user=coordinator
    ).exists()


def test_an_end_before_the_start_is_refused(desk: Client) -> None:
    assignment = AssignmentFactory(starts_on=dt.date(2026, 11, 10))

    response = desk.post(
        f"{DESK}assignments/{assignment.pk}/end/", {"ends_on": "2026-11-09"}, follow=True
    )

    assignment.refresh_from_db()
    assert assignment.ends_on is None
    assert "배정 종료일은 시작일(2026-11-10)보다 빠를 수 없습니다." in messages_of(response)


def test_the_assignment_of_a_member_gone_on_leave_can_be_ended(desk: Client) -> None:
    assignment = AssignmentFactory()
    CorpsMember.objects.filter(pk=assignment.corps_member_id).update(
        status=CorpsMember.Status.ON_LEAVE
    )

    desk.post(f"{DESK}assignments/{assignment.pk}/end/", {"ends_on": "2026-11-20"})

    assignment.refresh_from_db()
    assert assignment.ends_on == dt.date(2026, 11, 20)


def test_moving_an_end_later_goes_through_the_assignment_rules(desk: Client) -> None:
    assignment = AssignmentFactory(ends_on=dt.date(2026, 11, 20))
    CorpsMember.objects.filter(pk=assignment.corps_member_id).update(
        status=CorpsMember.Status.ON_LEAVE
    )

    response = desk.post(
        f"{DESK}assignments/{assignment.pk}/end/", {"ends_on": "2026-12-20"}, follow=True
    )

    assignment.refresh_from_db()
    assert assignment.ends_on == dt.date(2026, 11, 20)
    assert "활동 중인 단원에게만 배정할 수 있습니다." in messages_of(response)


# --- error summary -------------------------------------------------------------------------


def test_an_intake_with_errors_starts_with_a_summary_linking_each_field(desk: Client) -> None:
    response = desk.post(
        f"{DESK}recipients/new/", intake_data(address="", status="active", needs=[])
    )

    page = text(response)
    summary = page[
        page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))
    ]
    assert "autofocus" in summary and 'tabindex="-1"' in summary
    assert "입력 내용에 고칠 점이 2건 있습니다" in summary
    assert 'href="#id_address"' in summary
    assert 'href="#id_consent_items"' in summary
    # the summary comes before the first field, and a script moves focus to it
    assert page.index('id="error-summary"') < page.index('id="id_name"')
    assert "coordinator/forms.js" in page


def test_the_edit_form_summary_links_a_group_of_checkboxes_to_its_group(desk: Client) -> None:
    recipient = RecipientFactory()

    response = desk.post(
        f"{DESK}recipients/{recipient.pk}/edit/", edit_data(recipient, needs=["999999"])
    )

    page = text(response)
    assert 'href="#id_needs"' in page
    assert 'id="id_needs"' in page


def test_a_form_without_errors_has_no_summary(desk: Client) -> None:
    assert 'id="error-summary"' not in text(desk.get(f"{DESK}recipients/new/"))


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


# --- visits: filters and bulk verify -------------------------------------------------------

WEEK = [dt.date(2026, 11, 16) + dt.timedelta(days=offset) for offset in range(7)]


def visit_on(assignment: Assignment, day: dt.date) -> Visit:
    """A submitted visit at 10:00 (Seoul) on ``day``."""
    return visit_of(
        assignment, started_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    )


def with_open_exception(visit: Visit) -> Visit:
    VisitException.objects.create(visit=visit, kind=VisitException.Kind.LATE_SYNC, detail="늦음")
    return visit


@pytest.fixture
def week_of_visits() -> dict[str, Visit]:
    """Visits of one week and around it, by what tells them apart."""
    jangsu = AssignmentFactory(
        recipient=RecipientFactory(region=region("jangsu"), admin_unit="장수읍"),
        corps_member=CorpsMemberFactory(name="장수단원"),
    )
    wanju = AssignmentFactory(corps_member=CorpsMemberFactory(name="완주단원"))
    rural = AssignmentFactory(corps_member=wanju.corps_member, program=program("rural_gap_care"))
    return {
        "monday": visit_on(jangsu, WEEK[0]),
        "sunday": visit_on(wanju, WEEK[6]),
        "rural": visit_on(rural, WEEK[2]),
        "before": visit_on(jangsu, WEEK[0] - dt.timedelta(days=1)),
        "after": visit_on(wanju, WEEK[6] + dt.timedelta(days=1)),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {"started_from": "2026-11-16", "started_until": "2026-11-22"},
            {"monday", "sunday", "rural"},
        ),
        ({"started_from": "2026-11-22"}, {"sunday", "after"}),
        ({"started_until": "2026-11-16"}, {"monday", "before"}),
        ({"region": "jangsu"}, {"monday", "before"}),
        ({"program": "rural_gap_care"}, {"rural"}),
        ({"started_from": "2026-11-16", "started_until": "2026-11-22", "region": "wanju"},
         {"sunday", "rural"}),
    ],
)  # fmt: skip
def test_the_visits_page_filters_by_period_region_and_program(
    desk: Client, week_of_visits: dict[str, Visit], query: dict[str, str], expected: set[str]
) -> None:
    response = desk.get(f"{DESK}visits/", query)

    names = {name for name, visit in week_of_visits.items() if visit in response.context["page"]}
    assert names == expected


def test_the_visits_page_filters_by_corps_member(
    desk: Client, week_of_visits: dict[str, Visit]
) -> None:
    member = week_of_visits["sunday"].corps_member

    response = desk.get(f"{DESK}visits/", {"corps_member": member.pk})

    assert set(response.context["page"].object_list) == {
        week_of_visits[name] for name in ("sunday", "rural", "after")
    }
    # the member is picked by name and 시·군
    assert f'<option value="{member.pk}" selected>완주단원 (' in text(response)


def test_a_filter_typed_wrong_lists_nothing_and_offers_no_bulk_verify(
    desk: Client, week_of_visits: dict[str, Visit]
) -> None:
    response = desk.get(f"{DESK}visits/", {"started_from": "2026-13-01"})

    assert list(response.context["page"].object_list) == []
    assert response.context["verifiable"] == 0
    assert f"{DESK}visits/verify/" not in text(response)


def test_the_visits_page_counts_what_a_bulk_verify_would_confirm(
    desk: Client, week_of_visits: dict[str, Visit]
) -> None:
    with_open_exception(week_of_visits["rural"])

    response = desk.get(
        f"{DESK}visits/", {"started_from": "2026-11-16", "started_until": "2026-11-22"}
    )

    assert response.context["verifiable"] == 2
    assert "3건 중 처리되지 않은 예외가 없는 방문은 2건" in text(response)
    assert (
        f'href="{DESK}visits/verify/?started_from=2026-11-16&amp;started_until=2026-11-22"'
        in text(response)
    )


def test_bulk_verify_asks_once_with_the_count_and_changes_nothing(
    desk: Client, week_of_visits: dict[str, Visit]
) -> None:
    with_open_exception(week_of_visits["rural"])

    response = desk.get(
        f"{DESK}visits/verify/", {"started_from": "2026-11-16", "started_until": "2026-11-22"}
    )

    assert response.status_code == 200
    page = text(response)
    assert "처리되지 않은 예외가 없는 방문 2건을 확인 처리합니다." in page
    assert "처리되지 않은 예외가 있는 1건은 그대로 둡니다." in page
    assert "2026-11-16" in page and "2026-11-22" in page
    assert 'name="started_from" value="2026-11-16"' in page
    assert f'name="newest" value="{week_of_visits["sunday"].pk}"' in page
    assert not Visit.objects.exclude(status=Visit.Status.SUBMITTED).exists()


def test_bulk_verify_confirms_the_filtered_visits_without_open_exceptions(
    desk: Client, coordinator: Any, week_of_visits: dict[str, Visit]
) -> None:
    # given a week of visits, one of them with an open exception
    with_open_exception(week_of_visits["rural"])
    week = {"started_from": "2026-11-16", "started_until": "2026-11-22"}
    newest = max(visit.pk for visit in week_of_visits.values())

    # when the coordinator confirms the week
    response = desk.post(f"{DESK}visits/verify/", {**week, "newest": newest}, follow=True)

    # then the week's visits without exceptions are verified, by them, and nothing else
    statuses = {
        name: Visit.objects.get(pk=visit.pk).status for name, visit in week_of_visits.items()
    }
    assert statuses == {
        "monday": Visit.Status.VERIFIED,
        "sunday": Visit.Status.VERIFIED,
        "rural": Visit.Status.SUBMITTED,
        "before": Visit.Status.SUBMITTED,
        "after": Visit.Status.SUBMITTED,
    }
    verified = Visit.objects.get(pk=week_of_visits["monday"].pk)
    assert verified.reviewed_by == coordinator
    assert verified.reviewed_at is not None
    assert "방문기록 2건을 확인했습니다." in messages_of(response)
    # back on the list with the same filter, where the excepted visit waits
    assert response.redirect_chain[-1][0] == (
        f"{DESK}visits/?started_from=2026-11-16&started_until=2026-11-22"
    )
    assert list(response.context["page"].object_list) == [week_of_visits["rural"]]


def test_bulk_verify_leaves_visits_that_came_after_the_confirmation(
    desk: Client, week_of_visits: dict[str, Visit]
) -> None:
    shown = max(visit.pk for visit in week_of_visits.values())
    late = visit_on(AssignmentFactory(), WEEK[3])

    desk.post(f"{DESK}visits/verify/", {"started_from": "2026-11-16", "newest": shown})

    late.refresh_from_db()
    assert late.status == Visit.Status.SUBMITTED
    assert Visit.objects.filter(status=Visit.Status.VERIFIED).count() == 4


def test_bulk_verify_refuses_a_filter_typed_wrong(
    desk: Client, week_of_visits: dict[str, Visit]
) -> None:
    response = desk.post(
        f"{DESK}visits/verify/", {"started_from": "16.11.2026", "newest": 10**9}, follow=True
    )

    assert not Visit.objects.filter(status=Visit.Status.VERIFIED).exists()
    assert "조건을 다시 확인해 주세요." in messages_of(response)


def test_bulk_verify_logs_each_recipient_once(desk: Client, coordinator: Any) -> None:
    assignment, other = AssignmentFactory(), AssignmentFactory()
    visits = [
        visit_on(assignment, WEEK[0]),
        visit_on(assignment, WEEK[1]),
        visit_on(other, WEEK[2]),
    ]
    excepted = with_open_exception(visit_on(AssignmentFactory(), WEEK[3]))

    desk.post(
        f"{DESK}visits/verify/",
        {"newest": max(v.pk for v in [*visits, excepted])},
        REMOTE_ADDR="10.1.2.3",
    )

    rows = AccessLog.objects.filter(action=AccessLog.Action.CHANGE)
    assert sorted(rows.values_list("subject_id", flat=True)) == sorted(
        [assignment.recipient.pk, other.recipient.pk]
    )
    assert {(row.user_id, row.source_ip, row.path) for row in rows} == {
        (coordinator.pk, "10.1.2.3", f"{DESK}visits/verify/")
    }


def test_bulk_verify_costs_the_same_queries_for_3_or_30_visits(desk: Client) -> None:
    def verify_all(count: int) -> int:
        made = []
        for _ in range(count):
            made.append(visit_on(AssignmentFactory(), WEEK[1]))
        with_open_exception(visit_on(AssignmentFactory(), WEEK[1]))
        with CaptureQueriesContext(connection) as captured:
            desk.post(
                f"{DESK}visits/verify/", {"started_from": "2026-11-16", "newest": made[-1].pk}
            )
        assert Visit.objects.filter(pk__in=[v.pk for v in made], status="verified").count() == count
        return len(captured)

    assert verify_all(3) == verify_all(30)


def test_a_caregiver_cannot_bulk_verify(caregiver: Any) -> None:
    visit = visit_on(AssignmentFactory(corps_member=caregiver.corps_member_record), WEEK[0])
    client = Client()
    client.force_login(caregiver)

    assert client.post(f"{DESK}visits/verify/", {"newest": visit.pk}).status_code == 403
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED


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


# --- corps members and their load ----------------------------------------------------------


def test_the_corps_member_list_shows_each_members_current_load(desk: Client) -> None:
    # given a member with two current assignments, one ended, and visits around this week
    busy = CorpsMemberFactory(name="바쁜단원")
    current = [AssignmentFactory(corps_member=busy) for _ in range(2)]
    AssignmentFactory(
        corps_member=busy, starts_on=dt.date(2023, 1, 15), ends_on=dt.date(2023, 2, 15)
    )
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    person = current[0].recipient
    scheduled_visit(
        corps_member=busy, recipient=person, starts_at=seoul(monday, 9), planned_minutes=60
    )
    scheduled_visit(
        corps_member=busy,
        recipient=person,
        starts_at=seoul(monday + dt.timedelta(days=6), 18),
        planned_minutes=90,
    )
    for outside in (monday - dt.timedelta(days=1), monday + dt.timedelta(days=7)):
        scheduled_visit(corps_member=busy, recipient=person, starts_at=seoul(outside, 10))
    scheduled_visit(
        corps_member=busy,
        recipient=person,
        starts_at=seoul(monday + dt.timedelta(days=2), 10),
        state="cancelled",
        change_reason="입원",
    )
    CorpsMemberFactory(name="한가단원")

    # when the coordinator opens the list
    response = desk.get(f"{DESK}corps-members/")

    # then each member's load is there
    assert response.status_code == 200
    load = {
        member.name: (member.active_assignments, member.week_visits, member.week_minutes)
        for member in response.context["page"].object_list
    }
    assert load == {"바쁜단원": (2, 2, 150), "한가단원": (0, 0, 0)}
    page = text(response)
    assert "150분" in page
    assert f'href="{DESK}schedule/?corps_member={busy.pk}"' in page


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


def _members(count: int) -> None:
    for _ in range(count):
        assignment = AssignmentFactory()
        assignment.corps_member.service_types.set([service_type("housework")])
        scheduled_visit(
            corps_member=assignment.corps_member,
            recipient=assignment.recipient,
            starts_at=timezone.now() + dt.timedelta(minutes=5),
        )


@pytest.mark.parametrize(
    ("path", "make_rows"),
    [
        (f"{DESK}recipients/", _recipients),
        (f"{DESK}visits/", _visits),
        (f"{DESK}corps-members/", _members),
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
