from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from base.models import AccessLog, Program, Region
from base.validators import contains_resident_registration_number
from care.episodes.models import Episode
from care.models import CaseConference, Recipient
from care.repairs.models import RepairJob
from consultations.demo import Summary, consultations_demo_load
from consultations.models import (
    Agreement,
    Consultation,
    FollowUpAlert,
    Organization,
    OutreachSession,
    OutreachSite,
    Referral,
    ReferralStateChange,
    ResourceCategory,
    TargetGroup,
    WelfareResource,
)

pytestmark = pytest.mark.django_db

PARTNERS = {
    *(f"{name}사회복지협의회" for name in (
        "전주시", "군산시", "익산시", "정읍시", "남원시", "김제시", "완주군", "진안군", "무주군",
        "장수군", "임실군", "순창군", "고창군", "부안군",
    )),
    "대자인병원",
    "한국재가장기요양기관협회",
    "LH 주거행복지원센터 삼천6단지",
    "LH 주거행복지원센터 효자주공1단지",
}  # fmt: skip


@pytest.fixture(scope="module")
def summary(django_db_setup: None, django_db_blocker: Any) -> Iterator[Summary]:
    """The data set, loaded once for the module (a load takes seconds) inside a transaction
    that is rolled back at the end; each test's own changes roll back to a savepoint in it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield consultations_demo_load(seed=2023)
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Organization,
            WelfareResource,
            Consultation,
            Referral,
            ReferralStateChange,
            FollowUpAlert,
            Recipient,
            get_user_model(),
        )  # fmt: skip
    }


def test_about_200_resources_serve_all_14_regions_and_the_whole_province(
    summary: Summary,
) -> None:
    assert 180 <= WelfareResource.objects.count() <= 230
    assert summary.resources == WelfareResource.objects.count()
    for region in Region.objects.all():
        local = WelfareResource.objects.filter(regions=region).count()
        assert local >= 8, region.name
    assert WelfareResource.objects.filter(province_wide=True).count() >= 10
    assert summary.regions_served == 14


def test_the_partner_organizations_of_the_seed_carry_their_2022_agreements(
    summary: Summary,
) -> None:
    partners = Organization.objects.filter(is_partner=True)

    assert set(partners.values_list("name", flat=True)) == PARTNERS
    assert all(partner.mou_date.year == 2022 for partner in partners)
    assert summary.partner_organizations == len(PARTNERS)
    councils = partners.filter(kind=Organization.Kind.COUNCIL)
    assert councils.values("region").distinct().count() == 14


def test_each_region_has_its_usual_providers(summary: Summary) -> None:
    for suffix in ("노인복지관", "장애인복지관", "정신건강복지센터", "보건소", "행정복지센터",
                   "지역아동센터"):  # fmt: skip
        providers = Organization.objects.filter(name__endswith=suffix).exclude(
            name__startswith="전북"
        )
        assert providers.values("region").distinct().count() == providers.count() == 14, suffix
    assert Organization.objects.filter(kind=Organization.Kind.HOSPITAL).exists()
    assert Organization.objects.filter(kind=Organization.Kind.HOUSING).count() == 2


def test_resources_are_described_categorised_and_mostly_running(summary: Summary) -> None:
    resources = WelfareResource.objects.all()

    assert not resources.filter(eligibility="").exists()
    assert not resources.filter(how_to_apply="").exists()
    assert not resources.filter(phone="").exists()
    assert resources.filter(status=WelfareResource.Status.ACTIVE).count() >= 0.85 * len(resources)
    assert resources.exclude(status=WelfareResource.Status.ACTIVE).exists()
    used = set(resources.values_list("category__code", flat=True))
    assert {"care_emergency", "care_home", "care_child", "living_meal", "housing_repair",
            "health_mental", "mobility", "living_income"} <= used  # fmt: skip
    assert set(resources.values_list("target_groups__code", flat=True)) >= set(
        TargetGroup.objects.values_list("code", flat=True)
    )
    names = set(resources.values_list("name", flat=True))
    assert {"긴급돌봄지원", "노인맞춤돌봄서비스", "장애인활동지원", "가사간병방문지원",
            "사랑의 집수리(주거환경개선)", "방문건강관리(방문간호)", "긴급복지 생계지원",
            "아동돌봄(다함께돌봄)", "교통약자 이동지원 차량"} <= names  # fmt: skip


def test_some_resources_need_review_and_most_were_checked_this_year(summary: Summary) -> None:
    needing = WelfareResource.objects.needing_review().count()

    assert needing == summary.resources_needing_review
    assert 10 <= needing <= 0.4 * WelfareResource.objects.count()


def test_resources_are_found_by_a_two_syllable_korean_search(summary: Summary) -> None:
    assert WelfareResource.objects.filter(search_text__contains="돌봄").count() > 20
    assert WelfareResource.objects.filter(search_text__contains="장수군").exists()


def test_half_a_year_of_consultations_and_recent_weeks_are_recorded(summary: Summary) -> None:
    # The desk's own; those of the outreach days are tests/consultations/outreach/test_demo.py's.
    consultations = Consultation.objects.filter(outreach_session__isnull=True)
    today = timezone.localdate()

    assert 120 <= consultations.count() <= 180
    assert summary.consultations == consultations.count()
    months = {timezone.localdate(c.held_at).month for c in consultations.filter(held_at__year=2023)}
    assert months == {1, 2, 3, 4, 5, 6}
    assert (
        consultations.filter(held_at__date__gte=today - timezone.timedelta(days=45)).count() >= 20
    )
    assert consultations.filter(counselor__username="counselor").count() == consultations.count()


def test_consultations_mix_channels_programs_and_people(summary: Summary) -> None:
    consultations = Consultation.objects.all()

    assert set(consultations.values_list("channel", flat=True)) == set(Consultation.Channel.values)
    programs = list(consultations.values_list("program__code", flat=True))
    assert programs.count("care_info_counseling") > programs.count("outreach_counseling") > 0
    assert consultations.filter(recipient__isnull=False).exists()
    assert consultations.filter(is_anonymous=True).exists()
    assert (
        consultations.filter(recipient__isnull=True, is_anonymous=False)
        .exclude(person_name="")
        .exists()
    )
    assert set(consultations.values_list("outcome", flat=True)) == set(Consultation.Outcome.values)
    assert not consultations.filter(topics__isnull=True).exists()


def test_referrals_have_consent_and_move_along(summary: Summary) -> None:
    referrals = Referral.objects.select_related("consultation")

    assert referrals.count() == summary.referrals >= 20
    for referral in referrals:
        assert referral.consultation.share_consent_at is not None
        assert referral.resource.status == WelfareResource.Status.ACTIVE
    states = set(referrals.values_list("state", flat=True))
    assert {Referral.State.ACCEPTED, Referral.State.LINKED, Referral.State.DECLINED} <= states
    for referral in referrals.filter(state=Referral.State.DECLINED):
        assert referral.reason
    linked = referrals.filter(state=Referral.State.LINKED).first()
    assert list(linked.history.values_list("to_state", flat=True)) == [
        "referred", "accepted", "linked"
    ]  # fmt: skip


def test_some_follow_ups_are_overdue_and_some_due_today(summary: Summary) -> None:
    today = timezone.localdate()
    open_follow_ups = Consultation.objects.filter(follow_up_done_at__isnull=True)

    assert open_follow_ups.filter(follow_up_on__lt=today).count() == summary.follow_ups_overdue
    assert summary.follow_ups_overdue >= 2
    assert open_follow_ups.filter(follow_up_on=today).count() == summary.follow_ups_today >= 1
    assert FollowUpAlert.objects.filter(as_of=today).exists()


def test_loading_twice_changes_no_counts(summary: Summary) -> None:
    before = counts()

    again = consultations_demo_load(seed=2023)

    assert counts() == before
    assert not again.created
    assert again.resources == summary.resources


def test_loading_is_deterministic_for_a_seed(summary: Summary) -> None:
    def fingerprint() -> list[tuple[object, ...]]:
        return list(
            WelfareResource.objects.order_by("external_id").values_list(
                "external_id", "name", "organization__name", "status", "phone"
            )
        )

    first = fingerprint()
    # Care's demo closes two episodes linked to the directory's services: unlink them first.
    Episode.objects.filter(closure_reason=Episode.ClosureReason.LINKED).update(
        closure_reason=Episode.ClosureReason.PERIOD_ENDED,
        linked_organization=None,
        linked_resource=None,
    )
    # Care's demo home-repair jobs name a contractor of the directory: remove them too.
    RepairJob.objects.all().delete()
    Referral.objects.all().delete()
    Consultation.objects.all().delete()
    OutreachSession.objects.all().delete()
    OutreachSite.objects.all().delete()
    WelfareResource.objects.all().delete()
    # The partners' agreements and the conferences they attended point at the organizations.
    CaseConference.objects.all().delete()
    Agreement.objects.all().delete()
    Organization.objects.all().delete()

    consultations_demo_load(seed=2023)

    assert fingerprint() == first


def test_no_text_looks_like_a_resident_registration_number(summary: Summary) -> None:
    for model in (
        Organization,
        WelfareResource,
        Consultation,
        Referral,
        ReferralStateChange,
        Agreement,
    ):
        text_fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
        ]
        for values in model.objects.values_list(*text_fields):
            for value in values:
                assert not contains_resident_registration_number(value or ""), (model, value)


def test_every_consultations_admin_page_opens_on_the_demo_data(summary: Summary) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    for model, obj in (
        (ResourceCategory, ResourceCategory.objects.first()),
        (TargetGroup, TargetGroup.objects.first()),
        (Organization, Organization.objects.first()),
        (WelfareResource, WelfareResource.objects.first()),
        (Consultation, Consultation.objects.filter(recipient__isnull=False).first()),
        (Referral, Referral.objects.first()),
        (FollowUpAlert, FollowUpAlert.objects.first()),
    ):
        name = f"admin:consultations_{model._meta.model_name}"
        assert client.get(reverse(f"{name}_changelist")).status_code == 200, model
        assert client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200, model
    needing = client.get(
        reverse("admin:consultations_welfareresource_changelist"), {"needs_review": "yes"}
    )
    assert needing.context["cl"].result_count == summary.resources_needing_review


def test_the_command_prints_a_summary(summary: Summary) -> None:
    out = io.StringIO()

    call_command("load_consultations_demo", stdout=out)

    printed = out.getvalue()
    assert "상담 데모 자료가 이미 있습니다" in printed
    assert f"복지자원 resources                 {summary.resources}" in printed


def admin_client() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def form_data(response: Any) -> dict[str, Any]:
    """What the browser would send back for an admin page as it was shown."""

    def value(form: Any, name: str) -> Any:
        initial = form.get_initial_for_field(form.fields[name], name)
        if isinstance(initial, list | tuple | models.QuerySet):
            return [getattr(item, "pk", item) for item in initial]
        return getattr(initial, "pk", initial)

    form = response.context["adminform"].form
    data = {name: value(form, name) for name in form.fields}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data |= {management.add_prefix(name): value(management, name) for name in management.fields}
        for inline_form in formset.forms:
            data |= {inline_form.add_prefix(n): value(inline_form, n) for n in inline_form.fields}
    return {name: item for name, item in data.items() if item is not None and item is not False}


def test_an_admin_moves_a_referral_along_and_its_history_records_it(summary: Summary) -> None:
    client = admin_client()
    referral = Referral.objects.filter(state=Referral.State.REFERRED).first()
    url = reverse("admin:consultations_referral_change", args=[referral.pk])
    data = form_data(client.get(url)) | {"next_state": "accepted"}

    response = client.post(url, data)

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == Referral.State.ACCEPTED
    last = referral.history.last()
    assert (last.from_state, last.to_state, last.changed_by.username) == (
        "referred", "accepted", "admin"
    )  # fmt: skip


def test_the_referral_admin_refuses_a_transition_the_rules_forbid(summary: Summary) -> None:
    client = admin_client()
    referral = Referral.objects.filter(state=Referral.State.REFERRED).first()
    url = reverse("admin:consultations_referral_change", args=[referral.pk])

    linked = client.post(url, form_data(client.get(url)) | {"next_state": "linked"})
    declined = client.post(url, form_data(client.get(url)) | {"next_state": "declined"})

    assert linked.status_code == declined.status_code == 200
    assert "next_state" in linked.context["adminform"].form.errors
    assert "transition_reason" in declined.context["adminform"].form.errors
    referral.refresh_from_db()
    assert referral.state == Referral.State.REFERRED


def test_an_admin_records_a_consultation_through_the_service(summary: Summary) -> None:
    client = admin_client()
    url = reverse("admin:consultations_consultation_add")
    data = form_data(client.get(url)) | {
        "held_at_0": "2023-03-02",
        "held_at_1": "10:30:00",
        "channel": "phone",
        "program": Program.objects.get(code="care_info_counseling").pk,
        "person_name": "한영자",
        "person_contact": "010-2345-6789",
        "region": Region.objects.get(code="jinan").pk,
        "topics": [ResourceCategory.objects.get(code="living_meal").pk],
        "summary": "도시락 배달 문의",
        "outcome": "informed",
        "share_consent": "on",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    consultation = Consultation.objects.get(person_name="한영자")
    assert consultation.counselor.username == "admin"
    assert consultation.share_consent_at is not None
    assert [topic.code for topic in consultation.topics.all()] == ["living_meal"]


def test_the_consultation_admin_shows_the_services_refusal_as_a_form_error(
    summary: Summary,
) -> None:
    client = admin_client()
    url = reverse("admin:consultations_consultation_add")
    data = form_data(client.get(url)) | {
        "held_at_0": "2023-03-02",
        "held_at_1": "10:30:00",
        "channel": "phone",
        "program": Program.objects.get(code="emergency_care").pk,
        "is_anonymous": "on",
        "summary": "익명 문의",
        "outcome": "informed",
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert "program" in response.context["adminform"].form.errors
    assert not Consultation.objects.filter(summary="익명 문의").exists()


def test_viewing_a_recipients_consultation_in_admin_is_written_to_the_access_log(
    summary: Summary,
) -> None:
    consultation = Consultation.objects.filter(recipient__isnull=False).first()
    before = AccessLog.objects.filter(subject_id=consultation.recipient_id).count()

    admin_client().get(reverse("admin:consultations_consultation_change", args=[consultation.pk]))

    logged = AccessLog.objects.filter(subject_id=consultation.recipient_id)
    assert logged.count() == before + 1
    assert logged.order_by("-pk").first().action == AccessLog.Action.VIEW
