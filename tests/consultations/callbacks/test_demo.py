"""The demo's call-back requests: a queue to show, loaded once."""

from __future__ import annotations

import pytest

from consultations.callbacks.demo import callbacks_demo_load
from consultations.callbacks.models import CallbackRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_queue_once() -> None:
    counselor = UserFactory(roles=["counselor"])

    created = callbacks_demo_load(counselor=counselor)
    again = callbacks_demo_load(counselor=counselor)

    assert created == 4 and again == 0
    assert CallbackRequest.objects.open().count() == 3
    assert CallbackRequest.objects.filter(state="closed", close_reason="unreachable").count() == 1
    assert CallbackRequest.objects.get(state="taken").taken_by == counselor
