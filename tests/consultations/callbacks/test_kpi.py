"""A resident's request, from the public form to the held consultation to the month's rollup:
4-2's 돌봄종합정보상담 count moves by one, exactly as for a phone consultation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from consultations.callbacks.models import CallbackRequest
from kpi import rollups
from kpi.goals import goals_load
from kpi.models import Measurement, MeasurementBreakdown
from tests.consultations.callbacks.factories import form_data
from tests.consultations.callbacks.test_desk import consultation_post
from tests.consultations.consultation_factories import ConsultationFactory
from tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db

METRIC = "care_info_consultations"


def count_and_region(year: int, month: int) -> tuple[int, dict[str, int]]:
    """The month's rolled-up 돌봄종합정보상담 count (a unit program of 4-2) and its 시·군."""
    rollups.rollup_month(year=year, month=month)
    row = Measurement.objects.get(
        year=year, month=month, source=Measurement.Source.AUTO, unit_program__metric=METRIC
    )
    regions = {
        b.key: int(b.value)
        for b in row.breakdowns.filter(dimension=MeasurementBreakdown.Dimension.REGION)
    }
    return int(row.value or 0), regions


def test_a_request_answered_by_phone_counts_once_for_4_2_like_a_phone_consultation(
    client: Client,
) -> None:
    goals_load()
    now = timezone.localtime()
    year, month = now.year, now.month
    before, _regions = count_and_region(year, month)

    # a resident in 장수군 asks on the public form
    response = client.post("/find/request/", form_data(region="jangsu"), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    request = CallbackRequest.objects.get()
    # a counselor takes it, calls, and records the consultation from the prefilled form
    desk = Client()
    desk.force_login(UserFactory(username="sangdam1", roles=["counselor"]))
    desk.post(f"/consultations/requests/{request.pk}/take/")
    saved = desk.post("/consultations/new/", consultation_post(request))
    assert saved.status_code == 302
    after_request, regions = count_and_region(year, month)

    # and a phone consultation in 장수군, recorded without any request, moves it the same way
    ConsultationFactory(held_at=timezone.now(), region=region("jangsu"))
    after_phone, regions_after_phone = count_and_region(year, month)

    assert after_request == before + 1
    assert after_phone == after_request + 1
    assert regions.get("jangsu") == 1
    assert regions_after_phone.get("jangsu") == 2
