"""The counselors' review of proposed changes (/consultations/directory/changes/) and the
issue's "done when": a provider corrects its phone number from the link and staff accept it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import services as directory_services
from consultations.freshness import services
from consultations.freshness.models import ProposedChange, ReviewInvitation
from notifications.models import Message
from tests.consultations.factories import WelfareResourceFactory
from tests.consultations.freshness.factories import (
    invitation_for,
    proposed_change,
    resource_with_contact,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/consultations/directory/changes/"


@pytest.fixture
def counselor() -> Any:
    return UserFactory(username="sangdam1", roles=["counselor"])


@pytest.fixture
def desk(counselor: Any) -> Client:
    client = Client()
    client.force_login(counselor)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def test_a_provider_corrects_its_phone_and_a_counselor_accepts_it(
    client: Client, desk: Client, counselor: Any
) -> None:
    # given a resource unchecked for a year and the monthly round's link
    resource = resource_with_contact(phone="063-111-2222", assured_date=date(2024, 1, 2))
    services.review_invitations_send()
    invitation = ReviewInvitation.objects.get(resource=resource)
    link = f"/provider/review/{services.invitation_token(invitation)}/"

    # when the provider corrects the phone number through the link
    form = client.get(link).context["form"]
    data = {name: form.initial[name] for name in services.REVIEWABLE_FIELDS}
    client.post(link, {**data, "phone": "063-999-8888", "action": "correct"})

    # and the counselor opens the queue, the change, and accepts it
    change = ProposedChange.objects.get()
    assert str(change.pk) in text(desk.get(QUEUE))
    detail = text(desk.get(f"{QUEUE}{change.pk}/"))
    assert "063-111-2222" in detail and "063-999-8888" in detail
    accepted = desk.post(f"{QUEUE}{change.pk}/accept/")

    # then the resource has the new phone and was checked today
    assert accepted.status_code == 302
    resource.refresh_from_db()
    assert resource.phone == "063-999-8888"
    assert resource.assured_date == timezone.localdate()
    change.refresh_from_db()
    assert change.state == ProposedChange.State.ACCEPTED
    assert change.reviewed_by == counselor
    # and the search text followed (resource_save kept it)
    assert resource.search_text


def test_the_diff_marks_changed_fields_in_words(desk: Client) -> None:
    change = proposed_change(
        resource_with_contact(phone="063-111-2222", hours="평일"), phone="063-999-8888"
    )

    page = text(desk.get(f"{QUEUE}{change.pk}/"))

    assert page.count('<strong class="badge warn">바뀜</strong>') == 1
    assert "<del>063-111-2222</del>" in page
    assert "<ins>063-999-8888</ins>" in page


def test_accepting_a_confirmation_only_moves_the_last_checked_date(
    desk: Client,
) -> None:
    resource = resource_with_contact(phone="063-111-2222", assured_date=date(2024, 1, 2))
    change = proposed_change(resource)
    before = {name: getattr(resource, name) for name in services.REVIEWABLE_FIELDS}

    desk.post(f"{QUEUE}{change.pk}/accept/")

    resource.refresh_from_db()
    assert resource.assured_date == timezone.localdate()
    assert {name: getattr(resource, name) for name in services.REVIEWABLE_FIELDS} == before


def test_a_counselor_rejects_a_change_with_a_reason(desk: Client, counselor: Any) -> None:
    resource = resource_with_contact(phone="063-111-2222", assured_date=date(2024, 1, 2))
    change = proposed_change(resource, phone="063-999-8888")

    response = desk.post(f"{QUEUE}{change.pk}/reject/", {"reject_reason": "기관 대표번호 아님"})

    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == ProposedChange.State.REJECTED
    assert change.reject_reason == "기관 대표번호 아님"
    resource.refresh_from_db()
    assert resource.phone == "063-111-2222"
    assert resource.assured_date == date(2024, 1, 2)


def test_a_rejection_without_a_reason_is_refused(desk: Client) -> None:
    change = proposed_change(phone="063-999-8888")

    response = desk.post(f"{QUEUE}{change.pk}/reject/", {"reject_reason": "  "})

    assert response.status_code == 400
    assert 'id="field-reject_reason"' in text(response)
    change.refresh_from_db()
    assert change.state == ProposedChange.State.PENDING


def test_a_change_reviewed_once_cannot_be_reviewed_again(desk: Client) -> None:
    change = proposed_change(phone="063-999-8888")
    desk.post(f"{QUEUE}{change.pk}/accept/")

    response = desk.post(f"{QUEUE}{change.pk}/reject/", {"reject_reason": "늦은 반려"}, follow=True)

    assert "이미 검토한 제안" in text(response)
    change.refresh_from_db()
    assert change.state == ProposedChange.State.ACCEPTED


def test_a_change_to_a_resource_edited_since_the_invitation_shows_a_warning(desk: Client) -> None:
    resource = resource_with_contact(phone="063-111-2222")
    change = proposed_change(resource, phone="063-999-8888")
    directory_services.resource_save(resource=resource, hours="주말 10:00~14:00")

    page = text(desk.get(f"{QUEUE}{change.pk}/"))

    assert 'id="stale-warning"' in page


def test_an_unchanged_resource_shows_no_warning(desk: Client) -> None:
    change = proposed_change(phone="063-999-8888")

    assert 'id="stale-warning"' not in text(desk.get(f"{QUEUE}{change.pk}/"))


def test_an_unknown_change_is_not_found(desk: Client) -> None:
    assert desk.get(f"{QUEUE}999999/").status_code == 404
    assert desk.post(f"{QUEUE}999999/accept/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    response = Client().get(QUEUE)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ["caregiver", "coordinator", "manager"])
def test_other_roles_may_not_review(role: str) -> None:
    change = proposed_change(phone="063-999-8888")
    client = Client()
    client.force_login(UserFactory(roles=[role]))

    assert client.get(QUEUE).status_code == 403
    assert client.post(f"{QUEUE}{change.pk}/accept/").status_code == 403
    change.refresh_from_db()
    assert change.state == ProposedChange.State.PENDING


def test_administrators_review_too() -> None:
    client = Client()
    client.force_login(UserFactory(roles=["administrator"]))

    assert client.get(QUEUE).status_code == 200


def test_the_queue_lists_pending_changes_only(desk: Client) -> None:
    pending = proposed_change(phone="063-999-8888")
    done = proposed_change(phone="063-777-6666")
    services.change_reject(change=done, actor=UserFactory(roles=["counselor"]), reason="중복")

    page = text(desk.get(QUEUE))

    assert f'data-change-id="{pending.pk}"' in page
    assert f'data-change-id="{done.pk}"' not in page


def test_the_queue_costs_the_same_queries_for_one_change_as_for_ten(desk: Client) -> None:
    proposed_change(phone="063-999-8888")
    with CaptureQueriesContext(connection) as one:
        assert desk.get(QUEUE).status_code == 200
    for n in range(9):
        proposed_change(phone=f"063-999-{n:04d}")
    with CaptureQueriesContext(connection) as ten:
        page = text(desk.get(QUEUE))

    assert page.count('class="change"') == 10
    assert len(ten) == len(one)


def test_a_counselor_asks_a_provider_now_from_the_resource_page(desk: Client) -> None:
    resource = resource_with_contact(assured_date=timezone.localdate())

    page = text(desk.get(f"/consultations/directory/{resource.pk}/"))
    response = desk.post(f"/consultations/directory/changes/request/{resource.pk}/", follow=True)

    assert "지금 확인 요청 보내기" in page
    assert "확인 요청을 보냈습니다" in text(response)
    invitation = ReviewInvitation.objects.get(resource=resource)
    assert invitation.requested_by is not None
    assert Message.objects.filter(dedupe_key=f"resource_review:{invitation.pk}").count() == 1


def test_asking_twice_while_a_link_is_open_sends_nothing_more(desk: Client) -> None:
    resource = resource_with_contact()
    invitation_for(resource)

    response = desk.post(f"/consultations/directory/changes/request/{resource.pk}/", follow=True)

    assert "이미 답을 기다리는" in text(response)
    assert ReviewInvitation.objects.filter(resource=resource).count() == 1


def test_asking_an_organization_without_a_contact_says_what_to_do(desk: Client) -> None:
    resource = WelfareResourceFactory()

    response = desk.post(f"/consultations/directory/changes/request/{resource.pk}/", follow=True)

    assert "담당자가 없습니다" in text(response)
    assert not ReviewInvitation.objects.exists()


def test_the_request_button_needs_a_post(desk: Client) -> None:
    resource = resource_with_contact()

    assert desk.get(f"/consultations/directory/changes/request/{resource.pk}/").status_code == 405


def test_the_queue_counts_due_resources_nobody_can_be_asked_about(desk: Client) -> None:
    WelfareResourceFactory(assured_date=None)
    WelfareResourceFactory(assured_date=None)
    resource_with_contact(assured_date=None)

    page = text(desk.get(QUEUE))

    assert 'id="without-contact"' in page
    assert "2건" in page
