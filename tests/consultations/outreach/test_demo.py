"""The outreach demo (what ``make run`` loads): the seed's LH 단지 and rural 마을회관 as sites,
2023's days with their consultations, and a second load that adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from consultations.demo import Summary, consultations_demo_load
from consultations.models import Consultation
from consultations.outreach.models import OutreachSession, OutreachSite
from kpi import metrics

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def summary(django_db_setup: None, django_db_blocker: Any) -> Iterator[Summary]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield consultations_demo_load(seed=2023)
        transaction.set_rollback(True)


def test_the_lh_complexes_and_rural_village_halls_are_sites_with_their_partners(
    summary: Summary,
) -> None:
    lh = OutreachSite.objects.filter(kind=OutreachSite.Kind.LH_COMPLEX)
    halls = OutreachSite.objects.filter(kind=OutreachSite.Kind.VILLAGE_HALL)

    assert summary.outreach_sites == OutreachSite.objects.count() >= 5
    assert {site.organization.name for site in lh.select_related("organization")} == {
        "LH 주거행복지원센터 삼천6단지",
        "LH 주거행복지원센터 효자주공1단지",
    }
    assert halls.exists() and all(site.is_rural for site in halls)
    assert all(site.organization_id for site in halls)


def test_2023_has_outreach_days_with_their_consultations_so_the_12_times_measure_moves(
    summary: Summary,
) -> None:
    sessions = OutreachSession.objects.filter(held_on__year=2023)
    held = Consultation.objects.filter(outreach_session__in=sessions)

    assert summary.outreach_sessions == sessions.count() == 10
    assert held.count() > sessions.count()
    assert set(held.values_list("channel", flat=True)) == {"outreach"}
    assert metrics.series("outreach_sessions", 2023).ytd[12] == 10


def test_a_second_load_adds_nothing(summary: Summary) -> None:
    before = (
        OutreachSite.objects.count(),
        OutreachSession.objects.count(),
        Consultation.objects.count(),
    )

    again = consultations_demo_load(seed=2023)

    assert not again.created
    assert (
        OutreachSite.objects.count(),
        OutreachSession.objects.count(),
        Consultation.objects.count(),
    ) == before
