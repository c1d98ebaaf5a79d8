"""The admin's outreach-session form says the services' rules next to their fields."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from consultations.models import OutreachSession
from tests.consultations.outreach.factories import OutreachSessionFactory, OutreachSiteFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/consultations/outreachsession/add/"


def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="admin1", roles=["administrator"], is_staff=True))
    return client


def form(site_pk: int, held_on: dt.date, staff_pk: int) -> dict[str, object]:
    return {
        "held_on": held_on.isoformat(),
        "site": site_pk,
        "staff": [staff_pk],
        "attendees": 5,
        "notes": "",
    }


def test_a_future_day_entered_in_admin_is_a_form_error_not_a_server_error() -> None:
    client = admin_client()
    site = OutreachSiteFactory()
    staff = UserFactory(username="counselor9", roles=["counselor"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = client.post(URL, form(site.pk, tomorrow, staff.pk))

    assert response.status_code == 200
    assert "held_on" in response.context["adminform"].form.errors
    assert not OutreachSession.objects.exists()


def test_a_second_session_at_a_site_on_one_day_is_a_form_error() -> None:
    client = admin_client()
    existing = OutreachSessionFactory(held_on=timezone.localdate() - dt.timedelta(days=3))
    staff = UserFactory(username="counselor9", roles=["counselor"])

    response = client.post(URL, form(existing.site_id, existing.held_on, staff.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert OutreachSession.objects.count() == 1
