"""The provider's page behind the signed link: valid, expired, tampered, used; what they may
send and what is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from consultations.freshness import services
from consultations.freshness.models import ProposedChange, ReviewInvitation
from tests.consultations.freshness.factories import invitation_for, resource_with_contact

pytestmark = pytest.mark.django_db


def url(invitation: ReviewInvitation) -> str:
    return f"/provider/review/{services.invitation_token(invitation)}/"


def form_data(invitation: ReviewInvitation, **changes: str) -> dict[str, str]:
    resource = invitation.resource
    data = {name: getattr(resource, name) or "" for name in services.REVIEWABLE_FIELDS}
    return {**data, "note": "", "action": "correct", **changes}


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def invitation() -> ReviewInvitation:
    resource = resource_with_contact(
        name="어르신 안부 확인", phone="063-111-2222", hours="평일 09:00~18:00", assured_date=None
    )
    return invitation_for(resource)


def test_a_valid_link_shows_the_entry_and_a_form_filled_in_with_it(
    client: Client, invitation: ReviewInvitation
) -> None:
    response = client.get(url(invitation))

    assert response.status_code == 200
    page = text(response)
    assert "어르신 안부 확인" in page
    assert 'value="063-111-2222"' in page
    assert "그대로 맞습니다" in page
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_tampered_link_is_not_found(client: Client, invitation: ReviewInvitation) -> None:
    token = services.invitation_token(invitation)
    forged = signing.dumps({"i": invitation.pk, "n": "guessed"}, salt="another-salt")

    assert client.get(f"/provider/review/{token[:-2]}xx/").status_code == 404
    assert client.get(f"/provider/review/{forged}/").status_code == 404
    assert client.get("/provider/review/nonsense/").status_code == 404


def test_a_link_with_the_right_signature_but_an_old_nonce_is_not_found(
    client: Client, invitation: ReviewInvitation
) -> None:
    token = services.invitation_token(invitation)
    invitation.nonce = "rotated"
    invitation.save()

    assert client.get(f"/provider/review/{token}/").status_code == 404


def test_an_expired_link_says_so_and_whom_to_call(client: Client, settings: Any) -> None:
    settings.CARE_INFO_PHONE = "063-123-4567"
    # given a link sent 31 days ago
    invitation = invitation_for(now=timezone.now() - timedelta(days=31))

    response = client.get(url(invitation))
    posted = client.post(url(invitation), {"action": "confirm"})

    assert response.status_code == 410
    assert "기간이 지났습니다" in text(response)
    assert "063-123-4567" in text(response)
    assert posted.status_code == 410
    assert not ProposedChange.objects.exists()


def test_the_provider_confirms_unchanged_and_sees_the_thank_you_page(
    client: Client, invitation: ReviewInvitation
) -> None:
    response = client.post(url(invitation), {"action": "confirm", "confirm-note": "모두 맞아요"})

    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert "고맙습니다" in text(thanks)
    change = ProposedChange.objects.get()
    assert change.confirms_unchanged and change.values == {}
    assert change.note == "모두 맞아요"
    invitation.refresh_from_db()
    assert invitation.used_at is not None


def test_the_provider_corrects_the_phone_and_only_that_field_is_proposed(
    client: Client, invitation: ReviewInvitation
) -> None:
    response = client.post(url(invitation), form_data(invitation, phone="063-333-4444"))

    assert response.status_code == 302
    change = ProposedChange.objects.get()
    assert change.values == {"phone": "063-333-4444"}
    assert not change.confirms_unchanged
    invitation.resource.refresh_from_db()
    assert invitation.resource.phone == "063-111-2222"  # untouched until staff accept


def test_corrections_that_change_nothing_are_a_confirmation(
    client: Client, invitation: ReviewInvitation
) -> None:
    client.post(url(invitation), form_data(invitation))

    assert ProposedChange.objects.get().confirms_unchanged


def test_a_used_link_says_the_answer_was_already_received(
    client: Client, invitation: ReviewInvitation
) -> None:
    client.post(url(invitation), form_data(invitation, phone="063-333-4444"))

    again = client.get(url(invitation))
    posted_again = client.post(url(invitation), form_data(invitation, phone="063-555-6666"))

    assert again.status_code == 200
    assert "이미 받은 응답" in text(again)
    assert "이미 받은 응답" in text(posted_again)
    assert ProposedChange.objects.count() == 1


def test_a_link_used_and_accepted_still_says_received(
    client: Client, invitation: ReviewInvitation
) -> None:
    from tests.factories import UserFactory

    client.post(url(invitation), form_data(invitation, phone="063-333-4444"))
    services.change_accept(
        change=ProposedChange.objects.get(), actor=UserFactory(roles=["counselor"])
    )

    response = client.get(url(invitation))

    assert response.status_code == 200
    assert "이미 받은 응답" in text(response)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "전화주세요", "전화번호"),
        ("phone", "063-1234-5678-9999-0", "전화번호"),
        ("name", "", "필수"),
        ("summary", "가" * 151, "150"),
        ("description", "주민번호 800101-1234567 로 확인", "주민등록번호"),
        ("description", "가" * 2001, "2000"),
    ],
)
def test_bad_corrections_are_refused_next_to_their_field(
    client: Client, invitation: ReviewInvitation, field: str, value: str, message: str
) -> None:
    response = client.post(url(invitation), form_data(invitation, **{field: value}))

    assert response.status_code == 400
    assert message in text(response)
    assert f'id="id_{field}_error"' in text(response)
    assert not ProposedChange.objects.exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_fields_outside_the_whitelist_are_ignored(
    client: Client, invitation: ReviewInvitation
) -> None:
    client.post(
        url(invitation),
        form_data(invitation, phone="063-333-4444", is_published="False", status="defunct"),
    )

    assert ProposedChange.objects.get().values == {"phone": "063-333-4444"}


def test_a_link_posting_too_often_is_slowed_down(
    client: Client, invitation: ReviewInvitation
) -> None:
    bad = form_data(invitation, phone="전화")
    statuses = [client.post(url(invitation), bad).status_code for _ in range(21)]

    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


def test_the_thank_you_page_of_an_unanswered_link_goes_back_to_the_form(
    client: Client, invitation: ReviewInvitation
) -> None:
    response = client.get(url(invitation) + "thanks/")

    assert response.status_code == 302
    assert response["Location"] == url(invitation)
