"""The report's body (``kpi.serializers.year_report_data``) is what ``YearReportSerializer``
gives, value for value and byte for byte once rendered, in Korean and in English."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from care.models import Visit
from kpi.goals import goals_load
from kpi.metrics import SEOUL
from kpi.models import Measure
from kpi.report import year_report
from kpi.rollups import manual_entry_record, rollup_month
from kpi.serializers import YearReportSerializer, year_report_data
from tests.factories import CorpsMemberFactory, RecipientFactory, UserFactory, episode_of, program

pytestmark = pytest.mark.django_db


def _visit(member, recipient, when: datetime) -> None:  # noqa: ANN001
    Visit.objects.create(
        client_uuid=uuid4(),
        recipient=recipient,
        corps_member=member,
        episode=episode_of(recipient, program=program("emergency_care")),
        program=program("emergency_care"),
        started_at=when,
        ended_at=when.replace(hour=when.hour + 1),
    )


@pytest.fixture
def year_with_figures(db: None) -> None:
    """The goals, two months of rolled-up visits and a measure's manual entries (a decimal)."""
    goals_load()
    member, recipient = CorpsMemberFactory(), RecipientFactory()
    _visit(member, recipient, datetime(2023, 1, 10, 10, tzinfo=SEOUL))
    _visit(member, recipient, datetime(2023, 2, 3, 10, tzinfo=SEOUL))
    for month in (1, 2):
        rollup_month(year=2023, month=month)
    measure = Measure.objects.get(indicator__goal__year=2023, name="지원사업 횟수")
    for month, value in ((1, "5"), (2, "6.5")):
        manual_entry_record(
            actor=UserFactory(roles=["manager"]),
            measure=measure,
            year=2023,
            month=month,
            value=Decimal(value),
            evidence="모니터링 결과보고",
        )


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("year", [2022, 2023, 2024, 2019])
def test_the_report_body_is_the_serializers_byte_for_byte(
    year_with_figures: None, year: int, language: str
) -> None:
    report = year_report(year=year)

    with translation.override(language):
        expected = YearReportSerializer(report).data
        shown = year_report_data(report)

    assert shown == expected
    assert JSONRenderer().render(shown) == JSONRenderer().render(expected)
