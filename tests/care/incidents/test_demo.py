"""The demo incidents: a few in several states, one an open suspected abuse report; a second
run adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from care.incidents.demo import incidents_demo_load
from care.incidents.models import Incident, OnCallShift, StaffPhone
from notifications.models import Message
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_incidents_load_once(caregiver: Any, coordinator: Any) -> None:
    manager = UserFactory(username="mgr", roles=["manager"])

    first = incidents_demo_load(caregiver=caregiver, coordinator=coordinator, manager=manager)
    messages = Message.objects.count()
    second = incidents_demo_load(caregiver=caregiver, coordinator=coordinator, manager=manager)

    assert (first, second) == (4, 0)
    assert Incident.objects.count() == 4
    assert Incident.objects.filter(kind="suspected_abuse", state="open").count() == 1
    assert Incident.objects.filter(state="closed").get().external_reports.count() == 1
    assert StaffPhone.objects.count() == 2 and OnCallShift.objects.count() == 1
    assert Message.objects.count() == messages
