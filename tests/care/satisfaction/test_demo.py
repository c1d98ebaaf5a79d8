"""The demo's satisfaction surveys: for 2023 and for last month, loaded once."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from care.models import SatisfactionResponse
from care.satisfaction.demo import satisfaction_demo_load
from care.satisfaction.selectors import satisfaction_results

pytestmark = pytest.mark.django_db


def last_month() -> tuple[int, int]:
    day = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return day.year, day.month


def test_the_demo_command_records_surveys_for_2023_and_last_month_once() -> None:
    # given the demo loaded by the command (which records the surveys after the data set)
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "만족도 조사" in out.getvalue()

    # then 2023 and last month have results, each response on its episode's closure day
    assert satisfaction_results(year=2023).total.responses > 20
    year, month = last_month()
    recent = satisfaction_results(year=year, month=month)
    assert recent.total.responses >= 1 and recent.total.overall is not None
    assert not SatisfactionResponse.objects.exclude(answered_on=F("episode__closed_on")).exists()

    # and a second run adds nothing
    count = SatisfactionResponse.objects.count()
    assert satisfaction_demo_load(seed=2023) == 0
    assert SatisfactionResponse.objects.count() == count
