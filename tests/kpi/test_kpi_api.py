"""/api/v1/kpi/: indicators and targets, measurements, the report, rollup runs, month close,
manual entries and late records — and who may use them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from kpi import tasks
from kpi.goals import goals_load
from kpi.models import (
    LateRecord,
    ManualEntry,
    Measure,
    Measurement,
    MeasureTarget,
    Period,
    RollupRun,
    UnitProgram,
)
from kpi.rollups import manual_entry_record, rollup_month
from tests.conftest import client_for
from tests.factories import CorpsMemberFactory, RecipientFactory, UserFactory
from tests.kpi.test_report import seoul, visit

D = Decimal
KPI = "/api/v1/kpi"
ROLLUPS = f"{KPI}/rollups/"
ENTRIES = f"{KPI}/manual-entries/"


@pytest.fixture
def goals(db: None) -> None:
    goals_load()


@pytest.fixture
def manager(db: None) -> Any:
    return UserFactory(username="manager1", roles=["manager"])


@pytest.fixture
def manager_api(manager: Any) -> APIClient:  # the manager object is needed for manual entries
    return client_for(manager)


def measure(name: str, year: int = 2023) -> Measure:
    return Measure.objects.get(indicator__goal__year=year, name=name)


def unit_program(name: str) -> UnitProgram:
    return UnitProgram.objects.get(indicator__goal__year=2023, name=name)


def report_line(body: dict[str, Any], code: str, name: str) -> dict[str, Any]:
    return next(
        m
        for g in body["goals"]
        for i in g["indicators"]
        if i["code"] == code
        for m in i["measures"]
        if m["name"] == name
    )


# --- who may use it --------------------------------------------------------------------------

READS = [
    f"{KPI}/indicators/",
    f"{KPI}/targets/",
    f"{KPI}/unit-program-targets/",
    f"{KPI}/measurements/",
    f"{KPI}/report/?year=2023",
    f"{KPI}/report/download/?year=2023",
    ROLLUPS,
    f"{KPI}/periods/",
    ENTRIES,
    f"{KPI}/late-records/",
]


@pytest.mark.parametrize("url", READS)
def test_a_manager_reads_every_kpi_endpoint(goals: None, manager_api: APIClient, url: str) -> None:
    assert manager_api.get(url).status_code == 200


@pytest.mark.parametrize("url", READS)
def test_an_administrator_reads_every_kpi_endpoint(goals: None, url: str) -> None:
    admin = client_for(UserFactory(username="admin1", roles=["administrator"]))

    assert admin.get(url).status_code == 200


@pytest.mark.parametrize("role", ["coordinator", "caregiver", "counselor"])
@pytest.mark.parametrize("url", READS)
def test_other_roles_are_refused_every_kpi_endpoint(
    goals: None, request: pytest.FixtureRequest, role: str, url: str
) -> None:
    client = request.getfixturevalue(f"{role}_api")

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", READS)
def test_anonymous_is_refused_every_kpi_endpoint(goals: None, api: APIClient, url: str) -> None:
    assert api.get(url).status_code in {401, 403}


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (ROLLUPS, {"year": 2023, "month": 1}),
        (f"{KPI}/periods/close/", {"year": 2023, "month": 1}),
        (ENTRIES, {"year": 2023, "month": 1, "value": 1, "evidence": "x"}),
        (f"{KPI}/targets/", {"year": 2026, "target": 1}),
    ],
)
def test_a_coordinator_cannot_write_to_the_goal_tracker(
    goals: None, coordinator_api: APIClient, url: str, body: dict[str, Any]
) -> None:
    assert coordinator_api.post(url, body).status_code == 403
    assert not RollupRun.objects.exists()


# --- indicators ------------------------------------------------------------------------------


def test_indicators_nest_goal_measures_unit_programs_and_targets_by_year(
    goals: None, manager_api: APIClient
) -> None:
    body = manager_api.get(f"{KPI}/indicators/", {"year": 2023, "code": "4-1"}).json()

    assert body["count"] == 1
    indicator = body["results"][0]
    assert indicator["goal"] == {
        "id": indicator["goal"]["id"],
        "year": 2023,
        "number": 4,
        "name": "전북형 특화 사회서비스 발굴 제공",
    }
    served = indicator["measures"][0]
    assert (served["name"], served["unit"], served["budget_eok"]) == ("제공인원수", "명", 0.8)
    target = served["targets"][0]
    assert (target["year"], target["target"], target["reported_prior_rate_text"]) == (
        2023,
        25,
        "125%",
    )
    assert target["prior_achievement_rate"] == 110
    # 긴급돌봄 수혜: its 2022 result (4-1's 추진실적, 103명), then the plan's targets
    assert [
        (t["year"], t["target"], t["reported_actual"])
        for t in indicator["unit_programs"][1]["targets"]
    ] == [(2022, None, 103), (2023, 100, None), (2024, 110, None), (2025, 120, None)]


@pytest.mark.parametrize(("year", "count"), [(2022, 14), (2023, 12), (2025, 12), (2021, 0)])
def test_the_year_filter_picks_the_goal_structure_that_applies_to_that_year(
    goals: None, manager_api: APIClient, year: int, count: int
) -> None:
    body = manager_api.get(f"{KPI}/indicators/", {"year": year, "page_size": 50}).json()

    assert body["count"] == count


def queries_for(client: APIClient, url: str, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def test_indicators_take_the_same_queries_for_one_indicator_as_for_all(
    goals: None, manager_api: APIClient
) -> None:
    url = f"{KPI}/indicators/"
    manager_api.get(url)  # the user's permissions are loaded once, on the first request

    one = queries_for(manager_api, url, {"year": 2023, "code": "4-1"})
    # 12 indicators, 15 measures, 33 unit programs and their targets.
    all_of_them = queries_for(manager_api, url, {"year": 2023, "page_size": 50})

    assert one == all_of_them


# --- targets for later years ----------------------------------------------------------------


def test_a_manager_sets_a_2026_target_and_the_report_shows_it(
    goals: None, manager_api: APIClient
) -> None:
    served = measure("제공인원수")
    response = manager_api.post(
        f"{KPI}/targets/", {"measure": served.pk, "year": 2026, "target": 40, "target_text": "40명"}
    )

    assert response.status_code == 201, response.content
    assert (response.json()["year"], response.json()["target"]) == (2026, 40)
    assert response.json()["indicator_code"] == "4-1"
    report = manager_api.get(f"{KPI}/report/", {"year": 2026}).json()
    assert report_line(report, "4-1", "제공인원수")["target"] == 40


def test_a_manager_changes_a_target_of_a_later_year(goals: None, manager_api: APIClient) -> None:
    target = MeasureTarget.objects.create(measure=measure("운영 건수"), year=2027, target=90)

    response = manager_api.patch(f"{KPI}/targets/{target.pk}/", {"target": 95})

    assert response.status_code == 200, response.content
    target.refresh_from_db()
    assert target.target == 95


def test_patching_a_target_of_the_documents_years_is_a_400(
    goals: None, manager_api: APIClient
) -> None:
    target = MeasureTarget.objects.get(measure=measure("제공인원수"), year=2023)

    response = manager_api.patch(f"{KPI}/targets/{target.pk}/", {"target": 30})

    assert response.status_code == 400
    assert "year" in response.json()
    target.refresh_from_db()
    assert target.target == 25


@pytest.mark.parametrize("year", [2023, 2025])
def test_creating_a_target_for_the_documents_years_is_a_400(
    goals: None, manager_api: APIClient, year: int
) -> None:
    response = manager_api.post(
        f"{KPI}/targets/", {"measure": measure("제공인원수").pk, "year": year, "target": 30}
    )

    assert response.status_code == 400
    assert "year" in response.json()


def test_a_later_target_cannot_be_moved_back_into_the_documents_years(
    goals: None, manager_api: APIClient
) -> None:
    target = MeasureTarget.objects.create(measure=measure("운영 건수"), year=2026, target=90)

    response = manager_api.patch(f"{KPI}/targets/{target.pk}/", {"year": 2025})

    assert response.status_code == 400
    assert "year" in response.json()


def test_a_target_for_a_year_twice_is_a_400(goals: None, manager_api: APIClient) -> None:
    body = {"measure": measure("운영 건수").pk, "year": 2026, "target": 90}
    assert manager_api.post(f"{KPI}/targets/", body).status_code == 201

    response = manager_api.post(f"{KPI}/targets/", body)

    assert response.status_code == 400
    assert MeasureTarget.objects.filter(year=2026).count() == 1


def test_a_2026_target_for_a_measure_of_the_2022_structure_is_a_400(
    goals: None, manager_api: APIClient
) -> None:
    old = measure("제공인원 수", year=2022)

    response = manager_api.post(f"{KPI}/targets/", {"measure": old.pk, "year": 2026, "target": 1})

    assert response.status_code == 400
    assert "measure" in response.json()


def test_a_manager_sets_a_unit_programs_2026_target(goals: None, manager_api: APIClient) -> None:
    program = unit_program("긴급돌봄 수혜")

    created = manager_api.post(
        f"{KPI}/unit-program-targets/", {"unit_program": program.pk, "year": 2026, "target": 130}
    )
    seeded = program.targets.get(year=2024)
    refused = manager_api.patch(f"{KPI}/unit-program-targets/{seeded.pk}/", {"target": 1})

    assert created.status_code == 201, created.content
    assert refused.status_code == 400
    assert "year" in refused.json()


def test_a_target_without_a_number_is_a_400(goals: None, manager_api: APIClient) -> None:
    response = manager_api.post(
        f"{KPI}/targets/", {"measure": measure("운영 건수").pk, "year": 2026}
    )

    assert response.status_code == 400
    assert "target" in response.json()


# --- measurements ----------------------------------------------------------------------------


def enter(manager: Any, owner: Measure | UnitProgram, months: range, value: int = 1) -> None:
    kind = "measure" if isinstance(owner, Measure) else "unit_program"
    for month in months:
        manual_entry_record(
            actor=manager, year=2023, month=month, value=D(value), evidence="근거", **{kind: owner}
        )


def test_measurements_filter_by_indicator_year_month_and_source(
    goals: None, manager: Any, manager_api: APIClient
) -> None:
    enter(manager, measure("지원사업 횟수"), range(1, 4), value=5)
    enter(manager, measure("운영 건수"), range(1, 3))
    rollup_month(year=2023, month=2)
    url = f"{KPI}/measurements/"

    by_indicator = manager_api.get(url, {"indicator": "1-1", "year": 2023}).json()
    february = manager_api.get(url, {"indicator": "1-1", "year": 2023, "month": 2}).json()
    automatic = manager_api.get(url, {"source": "auto", "page_size": 50}).json()

    assert [(r["month"], r["value"], r["ytd_value"]) for r in by_indicator["results"]] == [
        (1, 5, 5), (2, 5, 10), (3, 5, 15),
    ]  # fmt: skip
    assert february["count"] == 1
    assert february["results"][0]["name"] == "지원사업 횟수"
    assert february["results"][0]["source"] == "manual"
    assert {r["indicator_code"] for r in automatic["results"]} == {"4-1", "4-2"}
    assert all(r["month"] == 2 for r in automatic["results"])


def test_measurements_include_the_breakdowns_by_region_and_area(
    goals: None, manager_api: APIClient
) -> None:
    visit(CorpsMemberFactory(), RecipientFactory(), "emergency_care", seoul(1, 10))
    rollup_month(year=2023, month=1)

    body = manager_api.get(
        f"{KPI}/measurements/", {"measure": measure("제공인원수").pk, "year": 2023}
    ).json()

    row = body["results"][0]
    assert (row["value"], row["ytd_value"]) == (1, 1)
    # Counted where the recipient lives: 완주군, a 읍 (rural).
    assert {(b["dimension"], b["key"], b["value"], b["ytd_value"]) for b in row["breakdowns"]} == {
        ("region", "wanju", 1, 1),
        ("area", "rural", 1, 1),
    }


def test_measurements_take_the_same_queries_for_twelve_months_as_for_three(
    goals: None, manager: Any, manager_api: APIClient
) -> None:
    url, params = f"{KPI}/measurements/", {"year": 2023, "page_size": 200}
    owners = [measure("지원사업 횟수"), measure("운영 건수"), unit_program("상시 모니터링")]
    for owner in owners:
        enter(manager, owner, range(1, 4))
    rollup_month(year=2023, month=3)
    three = queries_for(manager_api, url, params)
    for owner in owners:
        enter(manager, owner, range(4, 13))
    for month in (4, 5, 6):
        rollup_month(year=2023, month=month)

    twelve = queries_for(manager_api, url, params)

    assert set(Measurement.objects.values_list("month", flat=True)) == set(range(1, 13))
    assert twelve == three


def test_the_report_takes_the_same_queries_for_twelve_months_as_for_three(
    goals: None, manager: Any, manager_api: APIClient
) -> None:
    url, params = f"{KPI}/report/", {"year": 2023}
    owners = [measure("지원사업 횟수"), measure("운영 건수"), unit_program("상시 모니터링")]
    for owner in owners:
        enter(manager, owner, range(1, 4))
    three = queries_for(manager_api, url, params)
    for owner in owners:
        enter(manager, owner, range(4, 13))

    assert queries_for(manager_api, url, params) == three


# --- the report ------------------------------------------------------------------------------


def test_the_2022_report_reproduces_the_documents_rates(
    goals: None, manager_api: APIClient
) -> None:
    response = manager_api.get(f"{KPI}/report/", {"year": 2022})

    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["plan_year"]) == (2022, 2022)
    rates = {
        (i["code"], m["name"]): (m["target"], m["actual"], m["achievement_rate"])
        for g in body["goals"]
        for i in g["indicators"]
        for m in i["measures"]
    }
    assert rates[("3-2", "지원 건수")] == (30, 125, 416)
    assert rates[("4-1", "제공인원 수")] == (20, 22, 110)
    assert rates[("3-3", "파견건수")] == (1400, 1597, 114)
    assert rates[("3-4", "만족도 점수")] == (80, 92.3, 115)
    assert rates[("3-1", "지원 시설 수")] == (50, 51, 102)
    assert rates[("2-3", "교육실시 횟수")] == (40, 48, 120)


def test_the_2023_report_computes_4_1s_prior_rate_and_keeps_the_printed_text(
    goals: None, manager_api: APIClient
) -> None:
    line = report_line(
        manager_api.get(f"{KPI}/report/", {"year": 2023}).json(), "4-1", "제공인원수"
    )

    assert (line["prior_actual"], line["prior_target"], line["prior_rate"]) == (22, 20, 110)
    assert line["prior_rate_text"] == "125%"
    assert len(line["monthly"]) == 12
    assert line["status"] == "no_data"


@pytest.mark.parametrize("query", [{}, {"year": ""}, {"year": "2023년"}, {"year": 1999}])
def test_the_report_without_a_valid_year_is_a_400(
    goals: None, manager_api: APIClient, query: dict[str, Any]
) -> None:
    response = manager_api.get(f"{KPI}/report/", query)

    assert response.status_code == 400
    assert "year" in response.json()


# --- rollups ---------------------------------------------------------------------------------


def test_posting_a_rollup_answers_202_with_the_queued_run(
    goals: None, manager_api: APIClient, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks():
        response = manager_api.post(ROLLUPS, {"year": 2023, "month": 3})

    assert response.status_code == 202
    body = response.json()
    assert (body["year"], body["month"], body["state"]) == (2023, 3, "queued")
    assert (body["trigger"], body["requested_by"]) == ("manual", "manager1")
    assert response["Location"] == f"{ROLLUPS}{body['id']}/"


def test_the_rollup_task_is_queued_only_when_the_request_commits(
    goals: None, manager_api: APIClient, django_capture_on_commit_callbacks: Callable
) -> None:
    with mock.patch.object(tasks.rollup_month, "delay") as delay:
        with django_capture_on_commit_callbacks() as callbacks:
            response = manager_api.post(ROLLUPS, {"year": 2023, "month": 3})
            # Inside the transaction: the run exists, no worker has been told.
            delay.assert_not_called()
        delay.assert_not_called()
        assert len(callbacks) == 1

        callbacks[0]()

    delay.assert_called_once_with(response.json()["id"])


def test_the_queued_rollup_runs_and_its_state_ends_succeeded(
    goals: None,
    manager_api: APIClient,
    settings: Any,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the worker's task runs in this process
    with django_capture_on_commit_callbacks(execute=True):
        run_id = manager_api.post(ROLLUPS, {"year": 2023, "month": 3}).json()["id"]

    state = manager_api.get(f"{ROLLUPS}{run_id}/").json()

    assert state["state"] == "succeeded"
    assert state["started_at"] and state["finished_at"]
    # 4-1's two measures and six unit programs bound to metrics, and its ten operational
    # measures (issue 8's six; issue 12's satisfaction, two of incidents and the outreach
    # consultations)
    assert state["rows"] >= 18
    assert state["error"] == ""
    assert Measurement.objects.filter(year=2023, month=3, run_id=run_id).count() == 18


def test_nothing_is_queued_when_the_surrounding_transaction_rolls_back(
    goals: None, manager_api: APIClient, django_capture_on_commit_callbacks: Callable
) -> None:
    with (
        mock.patch.object(tasks.rollup_month, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert manager_api.post(ROLLUPS, {"year": 2023, "month": 3}).status_code == 202
        raise RuntimeError("roll back")

    assert callbacks == []
    delay.assert_not_called()
    assert not RollupRun.objects.exists()


def test_a_run_the_broker_refuses_waits_queued_and_unsent_for_the_beat(
    goals: None, manager_api: APIClient, django_capture_on_commit_callbacks: Callable
) -> None:
    refused = mock.patch.object(tasks.rollup_month, "delay", side_effect=ConnectionError("down"))
    with refused, django_capture_on_commit_callbacks(execute=True):
        run_id = manager_api.post(ROLLUPS, {"year": 2023, "month": 3}).json()["id"]

    state = manager_api.get(f"{ROLLUPS}{run_id}/").json()
    assert (state["state"], state["sent_at"]) == ("queued", None)


def test_rollup_runs_are_listed_newest_first(goals: None, manager_api: APIClient) -> None:
    rollup_month(year=2023, month=1)
    rollup_month(year=2023, month=2)

    body = manager_api.get(ROLLUPS, {"year": 2023}).json()

    assert [(r["month"], r["state"]) for r in body["results"]] == [
        (2, "succeeded"), (1, "succeeded"),
    ]  # fmt: skip


def next_month() -> tuple[int, int]:
    today = timezone.localdate()
    return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2023, "month": 13}, "month"),
        ({"year": 2023, "month": 0}, "month"),
        ({"month": 3}, "year"),
        ({"year": 2023}, "month"),
        ({"year": 1999, "month": 3}, "year"),
        ({"year": "이천이십삼", "month": 3}, "year"),
        (dict(zip(("year", "month"), next_month(), strict=True)), "month"),
    ],
)
def test_a_rollup_of_a_bad_month_is_a_400(
    goals: None, manager_api: APIClient, body: dict[str, Any], field: str
) -> None:
    response = manager_api.post(ROLLUPS, body)

    assert response.status_code == 400
    assert field in response.json()
    assert not RollupRun.objects.exists()


def test_a_rollup_of_a_closed_month_is_a_400(goals: None, manager_api: APIClient) -> None:
    rollup_month(year=2023, month=1)
    manager_api.post(f"{KPI}/periods/close/", {"year": 2023, "month": 1})

    response = manager_api.post(ROLLUPS, {"year": 2023, "month": 1})

    assert response.status_code == 400
    assert "month" in response.json()
    assert RollupRun.objects.count() == 1  # the run before the close


def test_a_rollup_request_with_malformed_json_is_a_400(goals: None, manager_api: APIClient) -> None:
    response = manager_api.post(ROLLUPS, '{"year": 2023, "month":', content_type="application/json")

    assert response.status_code == 400
    assert not RollupRun.objects.exists()


def test_the_current_month_may_be_rolled_up(
    goals: None, manager_api: APIClient, django_capture_on_commit_callbacks: Callable
) -> None:
    today = timezone.localdate()
    with django_capture_on_commit_callbacks():
        response = manager_api.post(ROLLUPS, {"year": today.year, "month": today.month})

    assert response.status_code == 202


def test_an_unknown_run_is_a_404(goals: None, manager_api: APIClient) -> None:
    assert manager_api.get(f"{ROLLUPS}999999/").status_code == 404


# --- month close -----------------------------------------------------------------------------


def test_a_manager_closes_a_computed_month(goals: None, manager_api: APIClient) -> None:
    rollup_month(year=2023, month=1)

    response = manager_api.post(f"{KPI}/periods/close/", {"year": 2023, "month": 1})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["year"], body["month"], body["is_closed"], body["closed_by"]) == (
        2023,
        1,
        True,
        "manager1",
    )
    listed = manager_api.get(f"{KPI}/periods/", {"closed": True}).json()
    assert [(p["year"], p["month"]) for p in listed["results"]] == [(2023, 1)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2023, "month": 2}, "month"),  # never computed
        ({"year": 2023, "month": 13}, "month"),
        ({"month": 1}, "year"),
    ],
)
def test_closing_a_month_that_cannot_be_closed_is_a_400(
    goals: None, manager_api: APIClient, body: dict[str, Any], field: str
) -> None:
    response = manager_api.post(f"{KPI}/periods/close/", body)

    assert response.status_code == 400
    assert field in response.json()


def test_closing_a_month_twice_is_a_400(goals: None, manager_api: APIClient) -> None:
    rollup_month(year=2023, month=1)
    assert manager_api.post(f"{KPI}/periods/close/", {"year": 2023, "month": 1}).status_code == 200

    response = manager_api.post(f"{KPI}/periods/close/", {"year": 2023, "month": 1})

    assert response.status_code == 400


def test_a_manual_entry_for_a_closed_month_is_a_400(goals: None, manager_api: APIClient) -> None:
    rollup_month(year=2023, month=1)
    manager_api.post(f"{KPI}/periods/close/", {"year": 2023, "month": 1})

    response = manager_api.post(
        ENTRIES,
        {
            "measure": measure("지원사업 횟수").pk,
            "year": 2023,
            "month": 1,
            "value": 5,
            "evidence": "1월 모니터링 보고서",
        },
    )

    assert response.status_code == 400
    assert "month" in response.json()
    assert not ManualEntry.objects.exists()


# --- manual entries --------------------------------------------------------------------------


def test_manual_entries_keep_every_change_and_the_measurement_shows_the_latest(
    goals: None, manager_api: APIClient
) -> None:
    support = measure("지원사업 횟수")
    body = {"measure": support.pk, "year": 2023, "month": 1, "evidence": "1월 결과보고"}
    first = manager_api.post(ENTRIES, {**body, "value": 5})
    correction = "정정: 협력 간담회 2회 누락"
    second = manager_api.post(ENTRIES, {**body, "value": 7, "evidence": correction})

    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert second.json()["entered_by"] == "manager1"
    history = manager_api.get(ENTRIES, {"measure": support.pk}).json()
    assert [(e["value"], e["evidence"]) for e in history["results"]] == [
        (7, correction),
        (5, "1월 결과보고"),
    ]
    rows = manager_api.get(f"{KPI}/measurements/", {"measure": support.pk}).json()["results"]
    assert [(r["month"], r["value"], r["source"]) for r in rows] == [(1, 7, "manual")]


def test_a_manual_entry_for_a_unit_program_is_recorded(goals: None, manager_api: APIClient) -> None:
    program = unit_program("상시 모니터링")

    response = manager_api.post(
        ENTRIES,
        {"unit_program": program.pk, "year": 2023, "month": 4, "value": 3, "evidence": "점검표"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["indicator_code"] == "3-2"
    assert Measurement.objects.get(unit_program=program).ytd_value == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"measure": "automatic"}, "measure"),
        ({"measure": None}, "measure"),
        ({"unit_program": "both"}, "measure"),
        ({"evidence": ""}, "evidence"),
        ({"evidence": "   "}, "evidence"),
        ({"month": 13}, "month"),
        ({"value": -1}, "value"),
        ({"year": 2022}, "measure"),  # 2022's measures are another structure's
        ({"year": 2100, "month": 1}, "month"),  # a month that has not come
    ],
)
def test_a_bad_manual_entry_is_a_400(
    goals: None, manager_api: APIClient, change: dict[str, Any], field: str
) -> None:
    body: dict[str, Any] = {
        "measure": measure("지원사업 횟수").pk,
        "year": 2023,
        "month": 1,
        "value": 5,
        "evidence": "근거",
    }
    if change.get("measure") == "automatic":
        change = {"measure": measure("제공인원수").pk}
    if change.get("unit_program") == "both":
        change = {"unit_program": unit_program("상시 모니터링").pk}
    body.update(change)

    response = manager_api.post(ENTRIES, body)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ManualEntry.objects.exists()


# --- late records ----------------------------------------------------------------------------


def test_late_records_of_closed_months_are_listed(goals: None, manager_api: APIClient) -> None:
    period = Period.objects.create(year=2023, month=1, closed_at=timezone.now())
    happened = datetime(2023, 1, 30, 10, tzinfo=timezone.get_current_timezone())
    LateRecord.objects.create(
        period=period,
        kind=LateRecord.Kind.VISIT,
        object_id=42,
        happened_at=happened,
        arrived_at=timezone.now(),
    )

    body = manager_api.get(f"{KPI}/late-records/", {"year": 2023, "month": 1}).json()
    periods = manager_api.get(f"{KPI}/periods/").json()

    assert [(r["year"], r["month"], r["kind"], r["object_id"]) for r in body["results"]] == [
        (2023, 1, "visit", 42)
    ]
    assert periods["results"][0]["late_record_count"] == 1


# --- the schema ------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_kpi_endpoints(
    goals: None, manager_api: APIClient
) -> None:
    schema = json.loads(manager_api.get("/api/v1/schema/", {"format": "json"}).content)

    paths = schema["paths"]
    for path in ("indicators/", "measurements/", "report/", "report/download/", "rollups/"):
        assert f"/api/v1/kpi/{path}" in paths
    assert set(paths["/api/v1/kpi/rollups/"]["post"]["responses"]) >= {"202", "400", "403"}
    assert "400" in paths["/api/v1/kpi/report/"]["get"]["responses"]
