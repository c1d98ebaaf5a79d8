"""The partners' desk pages, the renewals on both desks' home pages, the partner's page with
its referrals and activities, and the demo's network."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from base.models import AccessLog
from care.demo import DEMO_MARK
from care.models import Episode
from consultations.models import Organization
from consultations.partners.demo import partners_demo_load
from consultations.partners.models import Agreement
from tests.care.conferences.factories import AttendeeFactory, conference_with
from tests.consultations.consultation_factories import ReferralFactory, WelfareResourceFactory
from tests.consultations.factories import OrganizationFactory, PartnerOrganizationFactory
from tests.consultations.partners.factories import PDF, AgreementFactory, ending_in
from tests.factories import EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db

PARTNERS = "/consultations/partners/"
NETWORK = (
    "전주시사회복지협의회",
    "군산시사회복지협의회",
    "대자인병원",
    "한국재가장기요양기관협회",
    "LH 주거행복지원센터 삼천6단지",
    "LH 주거행복지원센터 효자주공1단지",
)


def today() -> dt.date:
    return timezone.localdate()


def logged_in(*roles: str) -> Client:
    client = Client()
    client.force_login(UserFactory(roles=list(roles)))
    return client


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("desk", ["/coordinator/", "/consultations/", PARTNERS])
def test_both_desks_list_the_agreements_due_for_renewal_within_60_days(desk: str) -> None:
    due = ending_in(60, organization=OrganizationFactory(name="임실군사회복지협의회"))
    ending_in(200, organization=OrganizationFactory(name="먼 협약기관"))
    role = "coordinator" if desk == "/coordinator/" else "counselor"

    page = logged_in(role).get(desk).content.decode()

    assert due.organization.name in page
    assert "먼 협약기관" not in page.split("갱신할 협약")[1].split("</section>")[0]


def test_the_partner_page_shows_agreements_referrals_both_ways_and_activities() -> None:
    partner = PartnerOrganizationFactory(name="대자인병원")
    AgreementFactory(organization=partner, title="퇴원환자 연계 협약")
    received = EpisodeFactory(
        referral_source=Episode.ReferralSource.PARTNER, referral_organization=partner
    )
    referral = ReferralFactory(resource=WelfareResourceFactory(organization=partner))
    linked = EpisodeFactory(state=Episode.State.CLOSED, linked_organization=partner)
    conference = conference_with()
    AttendeeFactory(conference=conference, organization=partner)
    client = logged_in("coordinator")

    response = client.get(f"{PARTNERS}{partner.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "퇴원환자 연계 협약",
        received.recipient.name,
        referral.consultation.person_name,
        linked.recipient.name,
        conference.title,
    ):
        assert text in page
    logged = set(AccessLog.objects.values_list("subject_id", flat=True))
    assert {received.recipient_id, linked.recipient_id} <= logged


def test_the_partner_list_shows_each_partner_with_its_current_agreement() -> None:
    agreement = ending_in(
        80, organization=OrganizationFactory(name="LH 주거행복지원센터 삼천6단지")
    )
    PartnerOrganizationFactory(name="협약 기록 없는 기관")

    page = logged_in("counselor").get(PARTNERS).content.decode()

    assert agreement.organization.name in page and "협약 기록 없는 기관" in page
    assert "갱신 필요" in page


def test_a_counselor_records_an_agreement_with_its_signed_copy(media: Path) -> None:
    organization = OrganizationFactory()
    client = logged_in("counselor")
    assert client.get(f"{PARTNERS}{organization.pk}/agreements/new/").status_code == 200

    response = client.post(
        f"{PARTNERS}{organization.pk}/agreements/new/",
        {
            "title": "돌봄네트워크 업무협약",
            "signed_on": "2025-01-02",
            "starts_on": "2025-01-02",
            "ends_on": "2027-01-01",
            "signed_file": SimpleUploadedFile("signed.pdf", PDF, "application/pdf"),
        },
    )

    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.renewal_due_on == dt.date(2026, 12, 2)
    download = client.get(f"/consultations/agreements/{agreement.pk}/file/")
    assert b"".join(download.streaming_content) == PDF


def test_the_form_refuses_an_end_before_the_start_and_a_bad_file() -> None:
    organization = OrganizationFactory()

    response = logged_in("counselor").post(
        f"{PARTNERS}{organization.pk}/agreements/new/",
        {
            "title": "협약",
            "signed_on": "2025-01-02",
            "starts_on": "2025-01-02",
            "ends_on": "2024-12-31",
            "signed_file": SimpleUploadedFile("signed.pdf", b"no", "application/pdf"),
        },
    )

    assert response.status_code == 200
    assert "협약 종료일은 시작일보다 빠를 수 없습니다" in response.content.decode()
    assert not Agreement.objects.exists()


def test_editing_an_agreement_moves_the_renewal_with_a_new_end() -> None:
    agreement = ending_in(200)
    new_end = today() + dt.timedelta(days=500)

    response = logged_in("administrator").post(
        f"/consultations/agreements/{agreement.pk}/edit/",
        {
            "title": agreement.title,
            "signed_on": agreement.signed_on.isoformat(),
            "starts_on": agreement.starts_on.isoformat(),
            "ends_on": new_end.isoformat(),
            "renewal_due_on": "",
        },
    )

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.renewal_due_on == new_end - dt.timedelta(days=30)


def test_coordinators_read_partners_but_do_not_write_agreements() -> None:
    agreement = AgreementFactory()
    client = logged_in("coordinator")

    assert client.get(f"{PARTNERS}{agreement.organization_id}/").status_code == 200
    assert client.get(f"{PARTNERS}{agreement.organization_id}/agreements/new/").status_code == 403
    assert client.get(f"/consultations/agreements/{agreement.pk}/edit/").status_code == 403


@pytest.mark.parametrize("role", ["caregiver", "manager"])
def test_caregivers_and_managers_reach_no_partner_page(role: str) -> None:
    agreement = AgreementFactory()
    client = logged_in(role)

    assert client.get(PARTNERS).status_code == 403
    assert client.get(f"{PARTNERS}{agreement.organization_id}/").status_code == 403
    assert client.get(f"/consultations/agreements/{agreement.pk}/file/").status_code == 403


def test_the_demo_gives_every_partner_agreements_some_due_soon_and_adds_nothing_twice() -> None:
    for name in NETWORK:
        PartnerOrganizationFactory(name=name, notes=f"{DEMO_MARK} 가상 연락처입니다.")
    UserFactory(username="counselor", roles=["counselor"])

    created = partners_demo_load()
    again = partners_demo_load()

    assert (created, again) == (12, 0)
    assert Agreement.objects.due_for_renewal().count() == 4
    assert set(Organization.objects.filter(is_partner=True).values_list("mou_date", flat=True)) == {
        dt.date(2023, 3, 15)
    }


def test_the_migration_turns_each_mou_date_into_a_first_agreement() -> None:
    partner = PartnerOrganizationFactory()
    AgreementFactory(organization=PartnerOrganizationFactory())
    migration = importlib.import_module("consultations.migrations.0008_agreements")

    migration.agreements_from_mou_dates(apps, None)
    migration.agreements_from_mou_dates(apps, None)

    moved = Agreement.objects.get(organization=partner)
    assert (moved.signed_on, moved.starts_on, moved.ends_on) == (partner.mou_date,) * 2 + (None,)
    assert Agreement.objects.count() == 2


def test_the_partner_page_costs_the_same_queries_for_one_row_or_many() -> None:
    partner = PartnerOrganizationFactory()
    resource = WelfareResourceFactory(organization=partner)
    client = logged_in("coordinator")

    def rows() -> None:
        EpisodeFactory(
            referral_source=Episode.ReferralSource.PARTNER, referral_organization=partner
        )
        ReferralFactory(resource=resource)
        AgreementFactory(organization=partner)
        AttendeeFactory(conference=conference_with(), organization=partner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{PARTNERS}{partner.pk}/").status_code == 200
        return len(captured)

    rows()
    one = queries()
    for _ in range(4):
        rows()

    assert queries() == one
