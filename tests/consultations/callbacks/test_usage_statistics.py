"""Usage statistics of the residents' platform on the goal tracker (managers): right figures,
and never a name, a phone or a term that looks like personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from consultations.callbacks import services
from consultations.callbacks.models import CallbackRequest
from consultations.usage import services as usage_services
from consultations.usage.selectors import SUMMARY_QUERIES, usage_summary
from kpi.goals import goals_load
from tests.consultations.callbacks.factories import a_request
from tests.consultations.consultation_factories import (
    ConsultationFactory,
    WelfareResourceFactory,
    category,
)
from tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db


def answered(request: CallbackRequest, *, after_hours: float) -> None:
    """The request called back ``after_hours`` after it came in."""
    counselor = UserFactory(roles=["counselor"])
    consultation = ConsultationFactory(
        held_at=request.created_at + dt.timedelta(hours=after_hours), counselor=counselor
    )
    services.callback_request_called_back(
        actor=counselor, callback_request=request, consultation=consultation
    )


@pytest.fixture
def traffic(db: Any) -> dict[str, Any]:
    """Two days of searching, three resource views, three requests (two answered)."""
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    for term, found, day in [
        ("돌봄", 5, yesterday), ("돌봄", 3, today), ("반찬 배달", 0, today),
        ("반찬 배달", 0, yesterday), ("요양", 0, today), ("010-1234-5678", 0, today),
    ]:  # fmt: skip
        usage_services.search_record(term, found=found, day=day)
    popular = WelfareResourceFactory(name="전주시 긴급돌봄 지원")
    other = WelfareResourceFactory(name="장수군 밑반찬 배달")
    for resource_id in [popular.pk, popular.pk, other.pk]:
        usage_services.resource_view_record(resource_id, day=today)
    now = timezone.now()
    first = a_request(name="김순자", region=region("jeonju"), topic=category("care"))
    second = a_request(name="박영희", region=region("jeonju"), topic=None)
    third = a_request(name="최민호", region=region("jangsu"), topic=category("care"))
    for request, hours_ago in [(first, 10), (second, 8), (third, 1)]:
        CallbackRequest.objects.filter(pk=request.pk).update(
            created_at=now - dt.timedelta(hours=hours_ago)
        )
        request.refresh_from_db()
    answered(first, after_hours=2)
    answered(second, after_hours=6)
    return {"today": today, "yesterday": yesterday, "requests": [first, second, third]}


def test_the_summary_counts_searches_views_and_requests(traffic: dict[str, Any]) -> None:
    today = traffic["today"]

    summary = usage_summary(start=traffic["yesterday"], end=today)

    assert summary.searches == 6
    assert summary.zero_result_searches == 4
    assert [(d.day, d.searches, d.zero_results) for d in summary.per_day] == [
        (traffic["yesterday"], 2, 1),
        (today, 4, 3),
    ]
    assert [(t.name, t.count) for t in summary.zero_result_terms] == [
        ("반찬 배달", 2),
        ("요양", 1),
    ]
    assert [(r.name, r.count) for r in summary.top_resources] == [
        ("전주시 긴급돌봄 지원", 2),
        ("장수군 밑반찬 배달", 1),
    ]
    assert summary.resource_views == 3
    assert summary.requests == 3
    assert [(r.name, r.count) for r in summary.requests_by_region] == [("전주시", 2), ("장수군", 1)]
    assert sorted((t.name, t.count) for t in summary.requests_by_topic) == [("", 1), ("돌봄", 2)]
    assert summary.called_back == 2
    # waits of 2 h and 6 h: the median is 4 h
    assert summary.median_hours_to_call_back == 4.0


def test_a_phone_number_typed_as_a_search_is_counted_but_never_listed(
    traffic: dict[str, Any],
) -> None:
    today = traffic["today"]

    summary = usage_summary(start=today, end=today)

    assert all("010" not in term.name for term in summary.zero_result_terms)


def test_the_goal_tracker_shows_the_usage_beside_4_2_to_a_manager_without_any_person(
    traffic: dict[str, Any],
) -> None:
    goals_load()
    client = Client()
    client.force_login(UserFactory(username="manager1", roles=["manager"]))

    response = client.get(f"/kpi/?year={traffic['today'].year}")

    assert response.status_code == 200
    page = response.content.decode()
    section = page[page.index('id="usage"') :]
    section = section[: section.index("</section>")]
    assert 'data-figure="requests">3<' in section
    assert "반찬 배달" in section and "전주시 긴급돌봄 지원" in section
    assert 'href="#usage"' in page
    for request in traffic["requests"]:
        assert request.name not in page
        assert request.phone not in page
        assert request.number not in page
    assert "1234-5678" not in page


def test_the_summary_costs_the_same_queries_however_busy_the_year(
    traffic: dict[str, Any], django_assert_num_queries: Any
) -> None:
    today = traffic["today"]
    for index in range(5):
        a_request(region=region("gunsan"))
        usage_services.search_record(f"없는 말 {index}", found=0, day=today)

    with django_assert_num_queries(SUMMARY_QUERIES):
        summary = usage_summary(start=today.replace(month=1, day=1), end=today)

    assert summary.requests == 8
