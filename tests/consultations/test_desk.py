"""The counselors' desk (/consultations/): pages, forms and actions through the test client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from base.models import AccessLog
from care.models import Recipient
from consultations.models import (
    Consultation,
    FollowUpAlert,
    Organization,
    Referral,
    WelfareResource,
)
from tests.consultations.consultation_factories import (
    ConsultationFactory,
    OrganizationFactory,
    ReferralFactory,
    WelfareResourceFactory,
    category,
)
from tests.factories import RecipientFactory, UserFactory, region

pytestmark = pytest.mark.django_db

DESK = "/consultations/"
READ_PAGES = [DESK, f"{DESK}history/?contact=010-1234-5678", f"{DESK}directory/"]
WRITE_PAGES = [
    f"{DESK}new/",
    f"{DESK}resources/search/?rs-search=돌봄",
    f"{DESK}recipients/search/?q=김",
]


@pytest.fixture
def counselor(db: Any) -> Any:
    return UserFactory(username="sangdam1", roles=["counselor"])


@pytest.fixture
def desk(counselor: Any) -> Client:
    client = Client()
    client.force_login(counselor)
    return client


@pytest.fixture
def coordinator_desk(coordinator: Any) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


@pytest.fixture
def resources(db: Any) -> dict[str, WelfareResource]:
    """Two 돌봄 resources that serve 장수군 (one of its own, one province-wide), one in 전주시,
    and one in 장수군 that has nothing to do with 돌봄."""
    return {
        "jangsu": WelfareResourceFactory(
            name="장수군 재가돌봄 방문서비스",
            organization=OrganizationFactory(name="장수군노인복지관", region=region("jangsu")),
            category=category("care_home"),
            regions=("jangsu",),
            how_to_apply="읍·면 행정복지센터에 전화로 신청",
            assured_date=timezone.localdate(),
        ),
        "province": WelfareResourceFactory(
            name="전북 긴급돌봄 지원",
            organization=OrganizationFactory(name="전북특별자치도사회서비스원", region=None),
            category=category("care_emergency"),
            province_wide=True,
            regions=(),
            assured_date=timezone.localdate(),
        ),
        "jeonju": WelfareResourceFactory(
            name="전주시 아동돌봄 센터",
            category=category("care_child"),
            regions=("jeonju",),
            target_groups=("child",),
        ),
        "meal": WelfareResourceFactory(
            name="장수군 밑반찬 배달",
            organization=OrganizationFactory(name="장수군자원봉사센터", region=region("jangsu")),
            category=category("living_meal"),
            eligibility="혼자 사는 노인",
            regions=("jangsu",),
        ),
    }


def consultation_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "program": "care_info_counseling",
        "person_kind": "named",
        "person_name": "홍길순",
        "person_contact": "010-1234-5678",
        "region": "jangsu",
        "topics": [category("care").pk],
        "summary": "어머니가 퇴원하셨는데 낮 동안 돌볼 사람이 없음",
        "outcome": "informed",
        "share_consent_scope": "의뢰 기관에 이름·연락처 제공",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def text(response: Any) -> str:
    return response.content.decode()


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def logged(action: str = AccessLog.Action.VIEW) -> list[tuple[int, str]]:
    """The (recipient, page) pairs of the access log's rows for ``action``."""
    return sorted(set(AccessLog.objects.filter(action=action).values_list("subject_id", "path")))


# --- who may come in ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [*READ_PAGES, *WRITE_PAGES])
def test_anonymous_is_sent_to_the_login_page(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("path", [*READ_PAGES, *WRITE_PAGES])
def test_a_counselor_is_let_in_everywhere(desk: Client, path: str) -> None:
    assert desk.get(path).status_code == 200


@pytest.mark.parametrize("path", READ_PAGES)
def test_a_coordinator_reads_the_lists(coordinator_desk: Client, path: str) -> None:
    assert coordinator_desk.get(path).status_code == 200


@pytest.mark.parametrize("path", WRITE_PAGES)
def test_a_coordinator_may_not_record_consultations(coordinator_desk: Client, path: str) -> None:
    assert coordinator_desk.get(path).status_code == 403


def test_a_coordinator_may_not_post_a_consultation_transition_or_follow_up(
    coordinator_desk: Client,
) -> None:
    referral = ReferralFactory(consultation__follow_up_on=timezone.localdate())

    responses = [
        coordinator_desk.post(f"{DESK}new/", consultation_data()),
        coordinator_desk.post(f"{DESK}referrals/{referral.pk}/transition/", {"state": "accepted"}),
        coordinator_desk.post(f"{DESK}{referral.consultation_id}/follow-up-done/"),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]
    referral.refresh_from_db()
    assert referral.state == Referral.State.REFERRED
    assert Consultation.objects.get().follow_up_done_at is None


def test_a_coordinator_reads_a_consultation_without_its_write_buttons(
    coordinator_desk: Client,
) -> None:
    referral = ReferralFactory(consultation__follow_up_on=timezone.localdate())

    response = coordinator_desk.get(f"{DESK}{referral.consultation_id}/")

    assert response.status_code == 200
    assert response.context["can_write"] is False
    assert "transition/" not in text(response)
    assert "follow-up-done/" not in text(response)


@pytest.mark.parametrize("role", ["caregiver", "manager"])
@pytest.mark.parametrize("path", [*READ_PAGES, *WRITE_PAGES])
def test_other_roles_are_refused(role: str, path: str) -> None:
    client = Client()
    client.force_login(UserFactory(username=f"{role}-cdesk", roles=[role]))

    assert client.get(path).status_code == 403


def test_an_administrator_may_record(resources: dict[str, WelfareResource]) -> None:
    client = Client()
    client.force_login(UserFactory(username="admin-cdesk", roles=["administrator"]))

    assert client.get(f"{DESK}new/").status_code == 200
    response = client.post(f"{DESK}new/", consultation_data())

    assert response.status_code == 302


# --- recording a consultation with referrals ---------------------------------------------


def test_the_form_starts_at_now_with_the_care_information_program(desk: Client) -> None:
    response = desk.get(f"{DESK}new/")

    form = response.context["form"]
    assert form["program"].value() == "care_info_counseling"
    assert form["person_kind"].value() == "named"
    # shown on the Seoul wall clock, as a datetime-local input takes it
    held_at = form["held_at"].value()
    assert abs(held_at - timezone.make_naive(timezone.now())) < dt.timedelta(minutes=2)
    page = text(response)
    assert "개인정보 제3자 제공 동의" in page
    assert "add-referral" not in page  # nothing searched yet


def test_saving_a_consultation_with_two_referrals_and_consent(
    desk: Client, counselor: Any, resources: dict[str, WelfareResource]
) -> None:
    # given a counselor who found two fitting resources and has the person's consent
    chosen = [resources["jangsu"], resources["province"]]
    check_on = timezone.localdate() + dt.timedelta(days=7)

    # when the consultation is saved with both in its referral list
    response = desk.post(
        f"{DESK}new/",
        consultation_data(
            resources=[r.pk for r in chosen],
            share_consent="on",
            referral_follow_up_on=check_on.isoformat(),
        ),
    )

    # then one consultation holds both referrals, with the consent and its scope recorded
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{DESK}{consultation.pk}/"
    assert consultation.counselor == counselor
    assert consultation.person_name == "홍길순"
    assert consultation.region.code == "jangsu"
    assert consultation.share_consent_at is not None
    assert consultation.share_consent_scope == "의뢰 기관에 이름·연락처 제공"
    # informed becomes referred once someone is referred
    assert consultation.outcome == Consultation.Outcome.REFERRED
    assert list(consultation.topics.values_list("code", flat=True)) == ["care"]
    referrals = Referral.objects.filter(consultation=consultation)
    assert {r.resource_id for r in referrals} == {r.pk for r in chosen}
    assert {r.follow_up_on for r in referrals} == {check_on}
    assert {r.created_by for r in referrals} == {counselor}
    follow = desk.get(response["Location"])
    assert "상담을 저장했습니다 (의뢰 2건)." in messages_of(follow)
    assert resources["jangsu"].name in text(follow)


def test_referring_an_identified_person_without_consent_saves_nothing(
    desk: Client, resources: dict[str, WelfareResource]
) -> None:
    response = desk.post(f"{DESK}new/", consultation_data(resources=[resources["jangsu"].pk]))

    assert response.status_code == 200
    assert "share_consent" in response.context["form"].errors
    assert "개인정보 제3자 제공 동의" in text(response)
    assert not Consultation.objects.exists()
    assert not Referral.objects.exists()
    # the referral list comes back as it was, ready for a second try
    assert response.context["selected_resources"] == [resources["jangsu"]]
    assert f'name="resources" value="{resources["jangsu"].pk}"' in text(response)


def test_the_service_refusing_a_referral_saves_nothing_either(
    desk: Client, resources: dict[str, WelfareResource]
) -> None:
    # given a resource that closed between the search and the save
    retired = resources["meal"]
    WelfareResource.objects.filter(pk=retired.pk).update(status=WelfareResource.Status.DEFUNCT)

    response = desk.post(
        f"{DESK}new/",
        consultation_data(resources=[resources["jangsu"].pk, retired.pk], share_consent="on"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["resources"]
    assert any(retired.name in error for error in errors)
    assert not Consultation.objects.exists()
    assert not Referral.objects.exists()


def test_an_anonymous_person_may_be_referred_without_consent(
    desk: Client, resources: dict[str, WelfareResource]
) -> None:
    response = desk.post(
        f"{DESK}new/",
        consultation_data(
            person_kind="anonymous",
            # typed before the counselor switched to anonymous: dropped, not refused
            person_name="홍길순",
            resources=[resources["province"].pk],
        ),
    )

    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.is_anonymous is True
    assert consultation.person_name == ""
    assert consultation.person_contact == ""
    assert consultation.share_consent_at is None
    assert consultation.referrals.get().resource == resources["province"]


def test_a_consultation_with_a_registered_recipient_takes_their_region_and_is_logged(
    desk: Client,
) -> None:
    recipient = RecipientFactory(name="김순례")

    response = desk.post(
        f"{DESK}new/",
        consultation_data(person_kind="recipient", recipient=recipient.pk, region=""),
    )

    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.recipient == recipient
    assert consultation.person_name == ""
    assert consultation.region.code == "wanju"
    assert logged(AccessLog.Action.CREATE) == [(recipient.pk, "")]


def test_choosing_a_registered_person_needs_one_picked(desk: Client) -> None:
    response = desk.post(f"{DESK}new/", consultation_data(person_kind="recipient"))

    assert response.status_code == 200
    assert "recipient" in response.context["form"].errors
    assert not Consultation.objects.exists()


def test_a_named_person_needs_a_name_or_a_contact(desk: Client) -> None:
    response = desk.post(f"{DESK}new/", consultation_data(person_name="", person_contact=""))

    assert response.status_code == 200
    assert "person_name" in response.context["form"].errors


def test_a_follow_up_outcome_needs_its_date(desk: Client) -> None:
    response = desk.post(f"{DESK}new/", consultation_data(outcome="follow_up"))

    assert response.status_code == 200
    assert "follow_up_on" in response.context["form"].errors
    assert not Consultation.objects.exists()


def test_a_resident_registration_number_in_the_summary_is_refused(desk: Client) -> None:
    response = desk.post(f"{DESK}new/", consultation_data(summary="주민번호 410302-2345678"))

    assert response.status_code == 200
    assert "summary" in response.context["form"].errors
    assert not Consultation.objects.exists()


def test_the_form_is_prefilled_with_a_recipient_and_logs_showing_them(desk: Client) -> None:
    recipient = RecipientFactory(name="김순례")

    response = desk.get(f"{DESK}new/", {"recipient": recipient.pk})

    form = response.context["form"]
    assert form["person_kind"].value() == "recipient"
    assert str(form["recipient"].value()) == str(recipient.pk)
    assert response.context["selected_recipient"] == recipient
    assert "김순례" in text(response)
    assert logged() == [(recipient.pk, f"{DESK}new/")]


def test_the_recipient_picker_finds_by_name_or_phone_digits_and_logs_them(desk: Client) -> None:
    found = RecipientFactory(name="김순례", phone="063-351-1234")
    RecipientFactory(name="박말순", phone="063-999-0000")

    by_name = desk.get(f"{DESK}recipients/search/", {"q": "순례"}).json()["results"]
    by_phone = desk.get(f"{DESK}recipients/search/", {"q": "0633511234"}).json()["results"]

    assert [row["id"] for row in by_name] == [found.pk]
    assert [row["id"] for row in by_phone] == [found.pk]
    assert by_name[0]["region_name"] == "완주군"
    assert logged() == [(found.pk, f"{DESK}recipients/search/")]


# --- the resource search panel -----------------------------------------------------------


def test_the_panel_finds_active_resources_by_a_korean_word_and_a_region(
    desk: Client, resources: dict[str, WelfareResource]
) -> None:
    closed = WelfareResourceFactory(
        name="장수군 돌봄 쉼터", regions=("jangsu",), status=WelfareResource.Status.INACTIVE
    )

    response = desk.get(f"{DESK}resources/search/", {"rs-search": "돌봄", "rs-region": "jangsu"})

    assert response.status_code == 200
    shown = response.context["results"]
    assert {r.pk for r in shown} == {resources["jangsu"].pk, resources["province"].pk}
    assert closed not in shown
    page = text(response)
    assert page.count('class="add-referral"') == 2
    assert f'data-resource-id="{resources["jangsu"].pk}"' in page
    assert "<html" not in page  # a fragment for the form page's script


def test_the_panel_ranks_a_name_match_first(
    desk: Client, resources: dict[str, WelfareResource]
) -> None:
    response = desk.get(f"{DESK}resources/search/", {"rs-search": "장수"})

    # "장수군 …" resources by name first; the province-wide one does not mention 장수 at all
    names = [r.name for r in response.context["results"]]
    assert names[:2] == ["장수군 밑반찬 배달", "장수군 재가돌봄 방문서비스"]


def test_the_panel_without_a_query_lists_nothing(desk: Client, resources: Any) -> None:
    response = desk.get(f"{DESK}resources/search/")

    assert response.context["searched"] is False
    assert response.context["results"] == []


def test_the_form_page_shows_the_panel_results_without_the_script(
    desk: Client, resources: dict[str, WelfareResource]
) -> None:
    response = desk.get(f"{DESK}new/", {"rs-search": "돌봄", "rs-region": "jangsu"})

    assert {r.pk for r in response.context["results"]} == {
        resources["jangsu"].pk,
        resources["province"].pk,
    }


# --- a consultation's page: referrals, transitions, follow-ups ---------------------------


def test_the_detail_shows_the_referrals_and_their_next_states(desk: Client) -> None:
    referral = ReferralFactory(resource__name="전북 긴급돌봄 지원")

    response = desk.get(f"{DESK}{referral.consultation_id}/")

    assert response.status_code == 200
    page = text(response)
    assert "전북 긴급돌봄 지원" in page
    [(shown, next_states, changes)] = response.context["referral_rows"]
    assert shown == referral
    assert [state for state, _label in next_states] == ["accepted", "declined", "closed"]
    assert [label for _change, label in changes] == ["의뢰"]


def test_accepting_then_linking_a_referral(desk: Client, counselor: Any) -> None:
    referral = ReferralFactory()
    url = f"{DESK}referrals/{referral.pk}/transition/"

    first = desk.post(url, {"state": "accepted"})
    second = desk.post(url, {"state": "linked"})

    assert first.status_code == second.status_code == 302
    assert second["Location"] == f"{DESK}{referral.consultation_id}/"
    referral.refresh_from_db()
    assert referral.state == Referral.State.LINKED
    assert referral.consultation.outcome == Consultation.Outcome.LINKED
    assert list(referral.history.values_list("to_state", "changed_by")) == [
        ("referred", referral.created_by_id),
        ("accepted", counselor.pk),
        ("linked", counselor.pk),
    ]


def test_declining_needs_a_reason(desk: Client) -> None:
    referral = ReferralFactory()
    url = f"{DESK}referrals/{referral.pk}/transition/"

    refused = desk.post(url, {"state": "declined", "reason": " "}, follow=True)
    referral.refresh_from_db()
    assert referral.state == Referral.State.REFERRED
    assert "사유를 적어 주세요." in messages_of(refused)

    desk.post(url, {"state": "declined", "reason": "대상 연령이 아님"})
    referral.refresh_from_db()
    assert (referral.state, referral.reason) == ("declined", "대상 연령이 아님")


def test_closing_with_a_reason_and_a_transition_not_allowed(desk: Client) -> None:
    referral = ReferralFactory()
    url = f"{DESK}referrals/{referral.pk}/transition/"

    not_allowed = desk.post(url, {"state": "linked"}, follow=True)
    closed = desk.post(url, {"state": "closed", "reason": "본인이 취소"}, follow=True)

    assert any("바꿀 수 없습니다" in m for m in messages_of(not_allowed))
    assert any("종결" in m for m in messages_of(closed))
    referral.refresh_from_db()
    assert referral.state == Referral.State.CLOSED


def test_marking_a_follow_up_done_returns_to_the_page_it_came_from(desk: Client) -> None:
    consultation = ConsultationFactory(
        outcome=Consultation.Outcome.FOLLOW_UP, follow_up_on=timezone.localdate()
    )

    response = desk.post(f"{DESK}{consultation.pk}/follow-up-done/", {"next": DESK})

    assert response.status_code == 302
    assert response["Location"] == DESK
    consultation.refresh_from_db()
    assert consultation.follow_up_done_at is not None
    off_site = desk.post(
        f"{DESK}{consultation.pk}/follow-up-done/", {"next": "https://evil.example/"}
    )
    assert off_site["Location"] == f"{DESK}{consultation.pk}/"


def test_a_follow_up_that_was_never_planned_cannot_be_done(desk: Client) -> None:
    consultation = ConsultationFactory()

    response = desk.post(f"{DESK}{consultation.pk}/follow-up-done/", follow=True)

    assert any("추후 상담이 정해지지 않은" in m for m in messages_of(response))
    consultation.refresh_from_db()
    assert consultation.follow_up_done_at is None


def test_actions_take_post_only(desk: Client) -> None:
    referral = ReferralFactory()

    assert desk.get(f"{DESK}referrals/{referral.pk}/transition/").status_code == 405
    assert desk.get(f"{DESK}{referral.consultation_id}/follow-up-done/").status_code == 405


def test_the_detail_of_an_unknown_consultation_is_404(desk: Client) -> None:
    assert desk.get(f"{DESK}999999/").status_code == 404


def test_viewing_a_consultation_with_a_recipient_logs_them(desk: Client) -> None:
    recipient = RecipientFactory()
    consultation = ConsultationFactory(recipient=recipient, person_name="")
    anonymous = ConsultationFactory(is_anonymous=True, person_name="", person_contact="")

    desk.get(f"{DESK}{consultation.pk}/")
    desk.get(f"{DESK}{anonymous.pk}/")

    assert logged() == [(recipient.pk, f"{DESK}{consultation.pk}/")]


# --- the hand-over to the coordinator's intake --------------------------------------------


def test_the_intake_hand_over_link_carries_the_details(desk: Client) -> None:
    consultation = ConsultationFactory(
        person_name="이복순",
        person_contact="063-351-0000",
        region=region("jangsu"),
        summary="혼자 계신 어머니가 넘어지셔서 당분간 식사와 가사 도움이 필요",
    )

    response = desk.get(f"{DESK}{consultation.pk}/")

    url = urlsplit(response.context["intake_url"])
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert url.path == "/coordinator/recipients/new/"
    assert query["name"] == "이복순"
    assert query["phone"] == "063-351-0000"
    assert query["region"] == "jangsu"
    assert query["referral_source"] == "돌봄종합정보상담"
    assert f"#{consultation.pk}" in query["notes"]
    assert "식사와 가사 도움" in query["notes"]
    # a counselor hands over through the intake page itself
    assert response.context["can_intake"] is True


def test_a_counselors_hand_over_creates_a_referred_recipient_for_the_coordinators(
    desk: Client,
) -> None:
    # given the prefilled intake a counselor reaches from a consultation
    form = desk.get("/coordinator/recipients/new/?name=이복순&region=jangsu")
    assert form.status_code == 200

    # when the counselor submits it asking for an active recipient
    response = desk.post(
        "/coordinator/recipients/new/",
        {
            "name": "이복순",
            "birth_date": "1944-05-02",
            "sex": "F",
            "address": "전북특별자치도 장수군 장계면 장계로 1",
            "region": "jangsu",
            "admin_unit": "장계면",
            "category": "elderly",
            "emergency_reason": "carer_absent",
            "risk_level": "medium",
            "status": "active",
            "consent_date": "2023-03-01",
            "consent_scope": "긴급돌봄 제공",
        },
    )

    # then the person waits as referred, and the counselor returns to the desk
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/consultations/"
    recipient = Recipient.objects.get(name="이복순")
    assert recipient.status == Recipient.Status.REFERRED


def test_a_coordinator_follows_the_hand_over_into_a_filled_intake(
    coordinator_desk: Client,
) -> None:
    consultation = ConsultationFactory(person_name="이복순", region=region("jangsu"))

    detail = coordinator_desk.get(f"{DESK}{consultation.pk}/")
    intake = coordinator_desk.get(detail.context["intake_url"])

    assert detail.context["can_intake"] is True
    assert 'id="intake-link"' in text(detail)
    form = intake.context["form"]
    assert form["name"].value() == "이복순"
    assert form["region"].value() == "jangsu"
    assert form["referral_source"].value() == "돌봄종합정보상담"


@pytest.mark.parametrize(
    "fields",
    [
        {"is_anonymous": True, "person_name": "", "person_contact": ""},
        {"recipient": "registered", "person_name": ""},
    ],
)
def test_there_is_no_hand_over_for_anonymous_or_registered_people(
    desk: Client, fields: dict[str, Any]
) -> None:
    if fields.get("recipient") == "registered":
        fields = {**fields, "recipient": RecipientFactory()}
    consultation = ConsultationFactory(**fields)

    response = desk.get(f"{DESK}{consultation.pk}/")

    assert response.context["intake_url"] is None
    assert "긴급돌봄 접수로 넘기기" not in text(response)


# --- home: today's and overdue follow-ups ------------------------------------------------


def test_today_lists_consultation_follow_ups_and_referral_checks_due_today(desk: Client) -> None:
    today = timezone.localdate()
    due = ConsultationFactory(person_name="오늘상담", follow_up_on=today)
    ConsultationFactory(
        person_name="끝난상담", follow_up_on=today, follow_up_done_at=timezone.now()
    )
    ConsultationFactory(person_name="다음상담", follow_up_on=today + dt.timedelta(days=1))
    check = ReferralFactory(follow_up_on=today, consultation__person_name="오늘의뢰")
    ReferralFactory(
        follow_up_on=today, state=Referral.State.LINKED, consultation__person_name="연계됨"
    )

    response = desk.get(DESK)

    assert response.context["today_consultations"] == [due]
    assert response.context["today_referrals"] == [check]
    today_section = text(response).split('id="overdue"')[0]
    assert "오늘상담" in today_section
    assert "오늘의뢰" in today_section
    assert "끝난상담" not in today_section
    assert "다음상담" not in today_section


def test_overdue_lists_the_newest_alerts_and_what_fell_due_since(desk: Client) -> None:
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    # the daily task listed two items this morning; one has been seen to since
    alerted = ConsultationFactory(person_name="알림상담", follow_up_on=today - dt.timedelta(3))
    done = ConsultationFactory(
        person_name="처리상담",
        follow_up_on=today - dt.timedelta(4),
        follow_up_done_at=timezone.now(),
    )
    for consultation in (alerted, done):
        FollowUpAlert.objects.create(
            kind=FollowUpAlert.Kind.CONSULTATION,
            consultation=consultation,
            due_on=consultation.follow_up_on,
            as_of=today,
        )
    # an older day's alert for something done long ago is not the newest day's
    old = ConsultationFactory(
        person_name="지난알림",
        follow_up_on=today - dt.timedelta(9),
        follow_up_done_at=timezone.now(),
    )
    FollowUpAlert.objects.create(
        kind=FollowUpAlert.Kind.CONSULTATION,
        consultation=old,
        due_on=old.follow_up_on,
        as_of=today - dt.timedelta(5),
    )
    # fell due yesterday, after the task ran: no alert yet, still overdue
    fresh = ReferralFactory(
        follow_up_on=yesterday,
        consultation__person_name="새로지남",
        consultation__held_at=timezone.now() - dt.timedelta(days=10),
    )

    response = desk.get(DESK)

    rows = {
        (row.consultation.pk, row.referral.pk if row.referral else None): row
        for row in response.context["overdue"]
    }
    assert set(rows) == {(alerted.pk, None), (done.pk, None), (fresh.consultation_id, fresh.pk)}
    assert (rows[(alerted.pk, None)].alert_as_of, rows[(alerted.pk, None)].open) == (today, True)
    assert rows[(done.pk, None)].open is False
    assert rows[(fresh.consultation_id, fresh.pk)].alert_as_of is None
    assert rows[(fresh.consultation_id, fresh.pk)].days_overdue == 1
    # oldest due first
    assert [row.consultation.pk for row in response.context["overdue"]][0] == done.pk
    page = text(response)
    assert "처리됨" in page
    assert "지난알림" not in page.split('id="recent"')[0]


def test_mine_shows_only_my_consultations(desk: Client, counselor: Any) -> None:
    today = timezone.localdate()
    mine = ConsultationFactory(counselor=counselor, follow_up_on=today)
    ConsultationFactory(follow_up_on=today)

    response = desk.get(DESK, {"mine": "1"})

    assert response.context["today_consultations"] == [mine]
    assert response.context["recent"] == [mine]


def test_the_home_page_logs_the_recipients_it_names(desk: Client) -> None:
    recipient = RecipientFactory()
    ConsultationFactory(recipient=recipient, person_name="", follow_up_on=timezone.localdate())

    desk.get(DESK)

    assert logged() == [(recipient.pk, DESK)]


# --- a person's history --------------------------------------------------------------------


def test_a_recipients_history_is_theirs_newest_first_and_logged(desk: Client) -> None:
    recipient = RecipientFactory(name="김순례")
    older = ConsultationFactory(
        recipient=recipient, person_name="", held_at=timezone.now() - dt.timedelta(days=30)
    )
    newer = ConsultationFactory(recipient=recipient, person_name="")
    ConsultationFactory()  # someone else

    response = desk.get(f"{DESK}history/", {"recipient": recipient.pk})

    assert list(response.context["page"].object_list) == [newer, older]
    assert "김순례" in text(response)
    assert f"{DESK}new/?recipient={recipient.pk}" in text(response)
    assert logged() == [(recipient.pk, f"{DESK}history/")]


def test_a_contact_history_matches_with_or_without_hyphens(desk: Client) -> None:
    same = [
        ConsultationFactory(person_contact="010-1234-5678"),
        ConsultationFactory(person_contact="01012345678"),
    ]
    ConsultationFactory(person_contact="010-9999-0000")

    by_digits = desk.get(f"{DESK}history/", {"contact": "01012345678"})
    by_hyphens = desk.get(f"{DESK}history/", {"contact": "010-1234-5678"})

    assert set(by_digits.context["page"].object_list) == set(same)
    assert set(by_hyphens.context["page"].object_list) == set(same)


def test_the_history_page_without_a_person_asks_for_one(desk: Client) -> None:
    response = desk.get(f"{DESK}history/")

    assert response.status_code == 200
    assert response.context["page"] is None


def test_a_recipient_the_user_may_not_see_has_no_history_here(desk: Client) -> None:
    response = desk.get(f"{DESK}history/", {"recipient": 999999})

    assert response.context["page"] is None
    assert response.context["form"].errors


# --- the directory ---------------------------------------------------------------------------


def test_the_directory_finds_a_two_syllable_word_in_a_county_and_province_wide(
    desk: Client, resources: dict[str, WelfareResource]
) -> None:
    response = desk.get(f"{DESK}directory/", {"search": "돌봄", "region": "jangsu"})

    shown = {r.pk for r in response.context["page"].object_list}
    assert shown == {resources["jangsu"].pk, resources["province"].pk}


def test_the_directory_finds_a_two_syllable_word_everywhere_without_a_region(
    desk: Client, resources: dict[str, WelfareResource]
) -> None:
    response = desk.get(f"{DESK}directory/", {"search": "돌봄"})

    shown = {r.pk for r in response.context["page"].object_list}
    assert shown == {resources["jangsu"].pk, resources["province"].pk, resources["jeonju"].pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "jangsu"}, {"jangsu", "province", "meal"}),
        ({"category": "care"}, {"jangsu", "province", "jeonju"}),
        ({"target_group": "child"}, {"jeonju"}),
        ({"status": "inactive"}, set()),
    ],
)
def test_the_directory_filters(
    desk: Client,
    resources: dict[str, WelfareResource],
    query: dict[str, str],
    expected: set[str],
) -> None:
    response = desk.get(f"{DESK}directory/", query)

    assert {r.pk for r in response.context["page"].object_list} == {
        resources[key].pk for key in expected
    }


def test_the_directory_pages_by_25(desk: Client) -> None:
    WelfareResourceFactory.create_batch(27)

    first = desk.get(f"{DESK}directory/")
    second = desk.get(f"{DESK}directory/", {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 2


def test_a_resource_page_shows_how_to_reach_and_apply(
    desk: Client, resources: dict[str, WelfareResource]
) -> None:
    resource = resources["jangsu"]

    response = desk.get(f"{DESK}directory/{resource.pk}/")

    page = text(response)
    assert "장수군노인복지관" in page
    assert "읍·면 행정복지센터에 전화로 신청" in page
    assert "장수군" in page
    assert "확인 필요" not in page


def test_a_resource_not_checked_for_a_year_is_flagged(desk: Client) -> None:
    stale = WelfareResourceFactory(assured_date=timezone.localdate() - dt.timedelta(days=400))
    partner = OrganizationFactory(name="장수군사회복지협의회", kind=Organization.Kind.COUNCIL)
    Organization.objects.filter(pk=partner.pk).update(
        is_partner=True, mou_date=dt.date(2023, 3, 15)
    )
    never = WelfareResourceFactory(organization=partner, assured_date=None)

    stale_page = text(desk.get(f"{DESK}directory/{stale.pk}/"))
    never_page = text(desk.get(f"{DESK}directory/{never.pk}/"))
    listing = text(desk.get(f"{DESK}directory/"))

    assert 'id="needs-review"' in stale_page
    assert "12개월이 지났으니" in stale_page
    assert "확인한 적이 없는" in never_page
    assert "돌봄네트워크 협약기관" in never_page
    assert "2023-03-15" in never_page
    assert listing.count("확인 필요") == 2


# --- cost of the list pages ----------------------------------------------------------------


def _home_rows(count: int) -> None:
    today = timezone.localdate()
    for _ in range(count):
        recipient = RecipientFactory()
        ConsultationFactory(recipient=recipient, person_name="", follow_up_on=today)
        late = ConsultationFactory(follow_up_on=today - dt.timedelta(days=2))
        FollowUpAlert.objects.create(
            kind=FollowUpAlert.Kind.CONSULTATION,
            consultation=late,
            due_on=late.follow_up_on,
            as_of=today,
        )
        ReferralFactory(follow_up_on=today)
        ReferralFactory(
            follow_up_on=today - dt.timedelta(days=1),
            consultation__held_at=timezone.now() - dt.timedelta(days=10),
        )


def _history_rows(count: int) -> None:
    for _ in range(count):
        ReferralFactory(consultation__person_contact="010-5555-0000")


def _directory_rows(count: int) -> None:
    for _ in range(count):
        WelfareResourceFactory(regions=("jangsu", "muju"), target_groups=("elderly", "disabled"))


@pytest.mark.parametrize(
    ("path", "make_rows"),
    [
        (DESK, _home_rows),
        (f"{DESK}history/?contact=010-5555-0000", _history_rows),
        (f"{DESK}directory/", _directory_rows),
        (f"{DESK}directory/?search=돌봄&region=jangsu", _directory_rows),
        (f"{DESK}resources/search/?rs-search=돌봄&rs-region=jangsu", _directory_rows),
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
