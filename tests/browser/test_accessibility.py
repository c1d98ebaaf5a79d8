"""Accessibility of every desk in a real browser: axe-core (WCAG 2.1 A and AA) finds no serious
or critical violation on the pages each role works in, no label or description points at
nothing, and the desks' lists fit a 320 px phone (wide tables scroll inside their own labelled
region, not the page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from care.models import CaseConference, Episode, Incident, NoVisitAlert, Recipient
from care.repairs.models import RepairJob
from care.repairs.services import photo_add
from care.schedule.models import ScheduledVisit
from consultations.models import Consultation, Organization
from consultations.outreach.models import OutreachSession
from kpi.goals import goals_load
from tests.browser.conftest import broken_references, log_in
from tests.care.conferences.factories import ActionItemFactory, AttendeeFactory, conference_with
from tests.care.incidents.factories import IncidentFactory
from tests.care.repairs.factories import RepairJobFactory, photo_bytes, upload
from tests.care.satisfaction.factories import COMMENT, a_response, closed_episode
from tests.care.schedule_factories import scheduled_visit, seoul
from tests.care.visit_factories import VisitExceptionFactory, VisitFactory
from tests.consultations.consultation_factories import (
    ConsultationFactory,
    ReferralFactory,
    WelfareResourceFactory,
)
from tests.consultations.factories import PartnerOrganizationFactory
from tests.consultations.outreach.factories import OutreachSessionFactory
from tests.consultations.partners.factories import ending_in
from tests.factories import EpisodeFactory, UserFactory
from tests.volunteers.compliance.factories import member_with

pytestmark = [
    pytest.mark.browser,
    # The live server answers from its own thread, so the test data must be committed; the
    # serialized rollback restores the reference data (regions, roles) afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 320, "height": 640}


@dataclass
class Desks:
    """Who works at each desk, and the records their pages show."""

    caregiver: Any
    coordinator: Any
    counselor: Any
    manager: Any
    recipient: Recipient
    episode: Episode
    planned: ScheduledVisit
    consultation: Consultation
    repair_job: RepairJob
    conference: CaseConference
    partner: Organization
    incident: Incident
    outreach_session: OutreachSession


@pytest.fixture
def desks(tablet_caregiver: Any) -> Desks:
    """A working day: the caregiver's schedule (planned, late, done, tomorrow), visits waiting
    for the coordinator (one with an open exception), a missed-visit alert, a referral waiting
    for its episode, a counselor's follow-up due today with a referral, and the year's goals."""
    member = tablet_caregiver.corps_member
    first, second, third = tablet_caregiver.recipients
    today = timezone.localdate()
    planned = scheduled_visit(corps_member=member, recipient=first, starts_at=seoul(today, 15))
    scheduled_visit(
        corps_member=member,
        recipient=second,
        starts_at=seoul(today, 8),
        state=ScheduledVisit.State.LATE,
    )
    yesterday = seoul(today - dt.timedelta(days=1), 10)
    done = VisitFactory(
        recipient=third,
        corps_member=member,
        recorded_by=tablet_caregiver,
        started_at=yesterday,
        service_types=["housework", "meal"],
    )
    scheduled_visit(
        corps_member=member,
        recipient=third,
        starts_at=yesterday,
        state=ScheduledVisit.State.DONE,
        visit=done,
    )
    scheduled_visit(
        corps_member=member, recipient=second, starts_at=seoul(today + dt.timedelta(days=1), 10)
    )
    waiting = VisitFactory(recipient=first, corps_member=member, recorded_by=tablet_caregiver)
    VisitExceptionFactory(visit=waiting)
    NoVisitAlert.objects.create(recipient=third, corps_member=member, as_of=today)
    EpisodeFactory(state=Episode.State.REFERRED)
    counselor = UserFactory(username="sangdam1", roles=["counselor"])
    consultation = ConsultationFactory(
        counselor=counselor,
        outcome=Consultation.Outcome.FOLLOW_UP,
        follow_up_on=today,
        topics=["care_emergency"],
    )
    # No assurance date: the directory marks the resource as needing review (a warning badge).
    ReferralFactory(consultation__counselor=counselor, resource=WelfareResourceFactory())
    # A phone survey with a comment, for the satisfaction results.
    a_response(closed_episode(), 5, 4, 4, 5, 3, comment=COMMENT)
    # An outreach day at an LH 단지 with one consultation held there (issue 12).
    outreach_session = OutreachSessionFactory(held_on=today, created_by=counselor)
    ConsultationFactory(
        counselor=counselor,
        held_at=timezone.now(),
        channel=Consultation.Channel.OUTREACH,
        outreach_session=outreach_session,
    )
    goals_load()
    # A home-repair job in progress, with a photo before and one after (its page shows both).
    coordinator = UserFactory(username="coordi1", roles=["coordinator"])
    repair_job = RepairJobFactory(recipient=first, state=RepairJob.State.IN_PROGRESS)
    for stage in ("before", "after"):
        photo_add(actor=coordinator, job=repair_job, stage=stage, upload=upload(photo_bytes()))
    # A case conference with a partner at the table and an action item due on both desks, and
    # the partner's agreement due for renewal.
    partner = PartnerOrganizationFactory(name="전주시사회복지협의회")
    ending_in(50, organization=partner)
    conference = conference_with(chair=coordinator, staff=[counselor])
    AttendeeFactory(conference=conference, organization=partner)
    ActionItemFactory(conference=conference, owner=coordinator)
    ActionItemFactory(conference=conference, owner=counselor)
    # A suspected abuse report waiting in the incident queue (reporter hidden on the desk).
    incident = IncidentFactory(
        kind=Incident.Kind.SUSPECTED_ABUSE, recipient=first, reporter=tablet_caregiver
    )
    # A corps member the compliance warnings list shows (a lapsed criminal-record check).
    member_with(lapsed=["criminal_record"], expiring={"insurance": 10}, name="요건만료")
    return Desks(
        caregiver=tablet_caregiver,
        coordinator=coordinator,
        counselor=counselor,
        manager=UserFactory(username="gyeongyeong1", roles=["manager"]),
        recipient=first,
        episode=Episode.objects.get(recipient=first),
        planned=planned,
        consultation=consultation,
        repair_job=repair_job,
        conference=conference,
        partner=partner,
        incident=incident,
        outreach_session=outreach_session,
    )


def desk_pages(desks: Desks, role: str) -> tuple[Any, list[str]]:
    """The user working at ``role``'s desk and the pages they use, the first their landing."""
    today = timezone.localdate()
    pages = {
        "caregiver": (
            desks.caregiver,
            [
                "/tablet/",
                "/tablet/tomorrow/",
                f"/tablet/schedule/{desks.planned.pk}/",
                f"/tablet/visit/{desks.recipient.pk}/",
                "/tablet/visits/",
                "/tablet/month/",
                "/tablet/satisfaction/",
                f"/tablet/satisfaction/{desks.episode.pk}/",
                "/tablet/incident/",
                f"/tablet/incident/{desks.recipient.pk}/",
            ],
        ),
        "coordinator": (
            desks.coordinator,
            [
                "/coordinator/",
                "/coordinator/recipients/",
                f"/coordinator/recipients/{desks.recipient.pk}/",
                "/coordinator/recipients/new/",
                f"/coordinator/recipients/{desks.recipient.pk}/edit/",
                "/coordinator/corps-members/",
                "/coordinator/visits/",
                "/coordinator/visits/verify/",
                "/coordinator/exceptions/",
                "/coordinator/alerts/",
                "/coordinator/episodes/",
                f"/coordinator/episodes/{desks.episode.pk}/",
                "/coordinator/schedule/",
                "/coordinator/schedule/cover/"
                f"?corps_member={desks.caregiver.corps_member.pk}&day={today}",
                "/coordinator/statements/",
                "/coordinator/repairs/",
                "/coordinator/repairs/new/",
                f"/coordinator/repairs/{desks.repair_job.pk}/",
                "/coordinator/conferences/",
                f"/coordinator/conferences/{desks.conference.pk}/",
                "/coordinator/conferences/new/",
                f"/coordinator/conferences/{desks.conference.pk}/edit/",
                "/coordinator/satisfaction/?year=2023&month=2&by=program",
                f"/coordinator/satisfaction/episodes/{desks.episode.pk}/closure/",
                "/coordinator/incidents/",
                f"/coordinator/incidents/{desks.incident.pk}/",
                "/coordinator/corps-members/compliance/",
                f"/coordinator/corps-members/{desks.caregiver.corps_member.pk}/compliance/",
            ],
        ),
        "counselor": (
            desks.counselor,
            [
                "/consultations/",
                "/consultations/new/",
                f"/consultations/{desks.consultation.pk}/",
                "/consultations/directory/",
                "/consultations/partners/",
                f"/consultations/partners/{desks.partner.pk}/",
                f"/consultations/partners/{desks.partner.pk}/agreements/new/",
                "/consultations/outreach/",
                "/consultations/outreach/new/",
                f"/consultations/outreach/{desks.outreach_session.pk}/",
                f"/consultations/new/?outreach_session={desks.outreach_session.pk}",
                "/consultations/outreach/sites/",
                "/consultations/outreach/sites/new/",
            ],
        ),
        "manager": (desks.manager, ["/kpi/", "/kpi/?year=2023"]),
    }
    return pages[role]


def audit(page: Page, axe: Any, server_url: str, paths: list[str]) -> dict[str, Any]:
    """Each page's serious and critical violations and broken id references, by path."""
    found: dict[str, Any] = {}
    for path in paths:
        response = page.goto(f"{server_url}{path}")
        assert response is not None and response.ok, (
            f"{path} answered {response and response.status}"
        )
        if path.startswith("/tablet/"):
            # The tablet's scripts have drawn the page (outbox, schedule state).
            expect(page.locator("html[data-tablet-ready='1']")).to_have_count(1)
        problems = [*axe(page), *broken_references(page)]
        if problems:
            found[path] = problems
    return found


def test_the_login_page_has_no_serious_accessibility_violation(
    context: Any, server_url: str, axe: Any
) -> None:
    page = context.new_page()

    assert audit(page, axe, server_url, ["/login/"]) == {}


@pytest.mark.parametrize("role", ["caregiver", "coordinator", "counselor", "manager"])
def test_each_desk_has_no_serious_accessibility_violation(
    context: Any, server_url: str, desks: Desks, axe: Any, role: str
) -> None:
    user, paths = desk_pages(desks, role)
    page = context.new_page()
    log_in(page, server_url, user, landing=paths[0])

    assert audit(page, axe, server_url, paths) == {}


def test_the_desks_lists_fit_a_320_px_phone(context: Any, server_url: str, desks: Desks) -> None:
    page = context.new_page()
    page.set_viewport_size(PHONE)
    widths = {}
    for role in ["coordinator", "counselor"]:
        user, paths = desk_pages(desks, role)
        context.clear_cookies()
        log_in(page, server_url, user, landing=paths[0])
        for path in paths:
            page.goto(f"{server_url}{path}")
            widths[path] = page.evaluate("document.documentElement.scrollWidth")

    assert {path: width for path, width in widths.items() if width > PHONE["width"]} == {}
