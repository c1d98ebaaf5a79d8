"""The managers' goal tracker page (/kpi/): who may open it, the goal table against the seed's
figures and against rolled-up visits, the charts, the breakdowns, and the page's actions —
rollup runs, month close, late records and manual entries — through the test client."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from base.models import Region
from consultations.usage import selectors as usage_selectors
from kpi import tasks
from kpi.goals import goals_load
from kpi.models import (
    LateRecord,
    ManualEntry,
    Measure,
    Measurement,
    Period,
    RollupRun,
    UnitProgram,
)
from kpi.report import year_report
from kpi.rollups import late_records_recompute, manual_entry_record, month_close, rollup_month
from tests.factories import CorpsMemberFactory, RecipientFactory, UserFactory, region
from tests.kpi.test_report import seoul, visit

pytestmark = pytest.mark.django_db

D = Decimal
KPI = "/kpi/"
ROLLUP = f"{KPI}rollups/"
CLOSE = f"{KPI}periods/close/"
ENTRY = f"{KPI}manual-entries/"


@pytest.fixture
def goals(db: None) -> None:
    goals_load()


@pytest.fixture
def manager(db: None) -> Any:
    return UserFactory(username="manager1", roles=["manager"])


@pytest.fixture
def desk(manager: Any) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def measure(name: str, year: int = 2023) -> Measure:
    return Measure.objects.get(indicator__goal__year=year, name=name)


def unit_program(name: str) -> UnitProgram:
    return UnitProgram.objects.get(indicator__goal__year=2023, name=name)


def page(client: Client, year: int | str | None = None, **query: Any) -> str:
    response = client.get(KPI, {"year": year, **query} if year else query)
    assert response.status_code == 200
    return response.content.decode()


def row(body: str, key: str) -> str:
    """The goal table's row of a measure (``m-<id>``) or unit program (``p-<id>``)."""
    found = re.search(rf'<tr id="{key}"[^>]*>.*?</tr>', body, re.S)
    assert found, f"no row {key}"
    return found.group(0)


def section(body: str, name: str) -> str:
    found = re.search(rf'<section class="card" id="{name}">.*?</section>', body, re.S)
    assert found, f"no section {name}"
    return found.group(0)


def chart(body: str, key: str) -> str:
    found = re.search(rf'<svg [^>]*id="chart-{key}".*?</svg>', body, re.S)
    assert found, f"no chart for {key}"
    return found.group(0)


def served() -> str:
    """The row key of 4-1 제공인원수, the corps members who served."""
    return f"m-{measure('제공인원수').pk}"


@pytest.fixture
def first_quarter(goals: None) -> None:
    """Three corps members visit three recipients in January to March 2023 (one visit void),
    in 완주군 (rural 봉동읍) and 전주시 (urban 효자동); the three months are rolled up."""
    a, b, c = (CorpsMemberFactory(name=name) for name in ("김영희", "이순자", "박정숙"))
    rural, other_rural = RecipientFactory(), RecipientFactory()
    urban = RecipientFactory(region=region("jeonju"), admin_unit="효자동")
    visit(a, rural, "emergency_care", seoul(1, 10))
    visit(b, urban, "emergency_care", seoul(1, 12))
    visit(a, rural, "emergency_care", seoul(2, 3))
    visit(c, other_rural, "rural_gap_care", seoul(2, 20))
    visit(a, urban, "emergency_care", seoul(3, 7))
    visit(b, other_rural, "rural_gap_care", seoul(3, 9), status="void", void_reason="중복")
    for month in (1, 2, 3):
        rollup_month(year=2023, month=month)


# --- who may open it -------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(goals: None) -> None:
    response = Client().get(KPI)

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/kpi/"


@pytest.mark.parametrize("role", ["coordinator", "counselor", "caregiver"])
def test_other_roles_get_403_on_the_page_and_its_actions(goals: None, role: str) -> None:
    client = Client()
    client.force_login(UserFactory(roles=[role]))

    assert client.get(KPI).status_code == 403
    assert client.post(ROLLUP, {"year": 2023, "month": 1}).status_code == 403
    assert client.post(CLOSE, {"year": 2023, "month": 1}).status_code == 403
    assert client.post(ENTRY, {"line": "m-1"}).status_code == 403
    assert not RollupRun.objects.exists()


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_managers_and_administrators_open_the_page(goals: None, role: str) -> None:
    client = Client()
    client.force_login(UserFactory(roles=[role]))

    assert client.get(KPI).status_code == 200


def test_the_actions_take_posts_only(desk: Client, goals: None) -> None:
    for action in (ROLLUP, CLOSE, ENTRY):
        assert desk.get(action).status_code == 405


# --- the goal table --------------------------------------------------------------------------


def test_the_2022_page_shows_416_for_management_consulting_and_110_for_emergency_care(
    desk: Client, goals: None
) -> None:
    body = page(desk, 2022)

    consulting = row(body, f"m-{measure('지원 건수', 2022).pk}")
    emergency = row(body, f"m-{measure('제공인원 수', 2022).pk}")
    assert "3-2 경영컨설팅 지원" in consulting
    assert all(figure in consulting for figure in ("30건", "125건", "416%"))
    assert "st-achieved" in consulting
    assert "문서 실적" in consulting
    assert "4-1 긴급 돌봄체계 구축 및 운영" in emergency
    assert all(figure in emergency for figure in ("20명", "22명", "110%"))


def test_the_2022_page_lists_every_row_of_the_seeds_results_table_in_order(
    desk: Client, goals: None
) -> None:
    body = page(desk, 2022)

    expected = [line.id for _g, _i, line in year_report(year=2022).measure_rows()]
    assert [int(pk) for pk in re.findall(r'<tr id="m-(\d+)" class="measure"', body)] == expected
    assert len(expected) == 15


def test_the_2023_page_follows_the_seeds_order_of_goals_indicators_and_measures(
    desk: Client, goals: None
) -> None:
    body = page(desk, 2023)

    codes = re.findall(r'<tr id="m-\d+" class="measure" data-indicator="([\d-]+)"', body)
    assert list(dict.fromkeys(codes)) == [
        "1-1", "1-2", "2-1", "2-2", "2-3", "3-1", "3-2", "3-3", "4-1", "4-2", "5-1", "5-2",
    ]  # fmt: skip
    assert body.index("1. 사회서비스 공공성 강화") < body.index("5. ")


def test_4_1s_prior_rate_is_the_computed_110_with_the_printed_125_in_a_footnote(
    desk: Client, goals: None
) -> None:
    body = page(desk, 2023)

    line = row(body, served())
    assert "22명(20명)" in line
    assert 'title="문서 표기 125%"' in line
    assert ">110%</abbr>" in line
    footnote = re.search(r'<li id="footnote-\d+"[^>]*>4-1 제공인원수:.*?</li>', body, re.S)
    assert footnote and "125%" in footnote.group(0) and "110%" in footnote.group(0)


def test_the_2023_page_shows_targets_budgets_and_unit_programs_before_any_figures(
    desk: Client, goals: None
) -> None:
    body = page(desk, 2023)

    line = row(body, served())
    assert ">0.8<" in line and "25명" in line
    assert "st-no_data" in line and "실적 없음" in line
    corps = row(body, f"p-{unit_program('긴급돌봄지원단').pk}")
    assert "긴급돌봄 운영" in corps and "25명" in corps
    assert "집계 실적 없음" in body


def test_the_2023_page_shows_the_rolled_up_actual_and_achievement_of_4_1(
    desk: Client, first_quarter: None
) -> None:
    body = page(desk, 2023)

    line = row(body, served())
    # A, B in January and C in February; B's March visit is void: 3 of 25 → 12 %.
    assert 'data-actual="3"' in line
    assert "3명" in line and "12%" in line
    assert "1–3월 · 자동" in line
    assert "st-behind" in line  # 3 by March is under the quarter's share of 25
    programs = row(body, f"m-{measure('운영사업').pk}")
    assert "2건" in programs and "100%" in programs and "st-achieved" in programs
    assert "실적 1–3월 누적" in body


def test_the_page_and_the_excel_download_show_the_same_4_1_figure(
    desk: Client, first_quarter: None
) -> None:
    body = page(desk, 2023)
    link = re.search(r'id="download-xlsx" href="([^"]+)"', body)
    assert link and "format=xlsx" in link.group(1) and "year=2023" in link.group(1)

    response = desk.get(link.group(1).replace("&amp;", "&"))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    actual = next(r[4] for r in sheet.iter_rows(values_only=True) if r[2] == "제공인원수")
    page_figure = re.search(r'data-actual="([^"]*)"', row(body, served()))
    assert page_figure and D(page_figure.group(1)) == actual == 3
    assert 'id="download-csv"' in body and "format=csv" in body


def test_the_year_selector_offers_2022_and_2023_and_a_bad_year_shows_the_default(
    desk: Client, goals: None
) -> None:
    body = page(desk, "이천이십삼")

    assert '<option value="2022">' in body
    assert '<option value="2023" selected>' in body
    assert "2023년 경영성과 목표 및 실적" in body


def test_every_id_on_the_page_is_unique_so_each_label_names_its_own_field(
    desk: Client, first_quarter: None
) -> None:
    ids = re.findall(r'\sid="([^"]+)"', page(desk, 2023))

    assert len(ids) == len(set(ids))
    assert {"rollup-year", "rollup-month", "entry-line", "entry-evidence"} <= set(ids)


# --- charts ----------------------------------------------------------------------------------


def test_each_bound_measure_has_an_svg_chart_with_twelve_months_and_the_target(
    desk: Client, first_quarter: None
) -> None:
    svg = chart(page(desk, 2023), served())

    assert re.findall(r'<text class="month"[^>]*>(\d+)월</text>', svg) == [
        str(month) for month in range(1, 13)
    ]
    assert 'role="img"' in svg and "<title" in svg and 'aria-label="4-1 제공인원수' in svg
    assert svg.count('<rect class="bar"') == 3  # January to March
    assert 'class="ytd"' in svg
    assert 'class="target"' in svg and 'stroke-dasharray="5 4"' in svg and "목표 25명" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_every_line_the_rollup_computes_gets_a_chart_and_manual_lines_only_with_figures(
    desk: Client, first_quarter: None
) -> None:
    body = page(desk, 2023)

    bound = [
        # the document's measures: the operational ones are in their own section, uncharted
        *(
            f"m-{m.pk}"
            for m in Measure.objects.automatic().goal_table().filter(indicator__goal__year=2023)
        ),
        *(
            f"p-{p.pk}"
            for p in UnitProgram.objects.exclude(metric="").filter(indicator__goal__year=2023)
        ),
    ]
    assert sorted(re.findall(r'<svg [^>]*id="chart-([mp]-\d+)"', body)) == sorted(bound)


# --- breakdowns ------------------------------------------------------------------------------


def test_the_region_breakdown_lists_the_fourteen_regions_by_name_and_rural_and_urban(
    desk: Client, first_quarter: None
) -> None:
    breakdown = section(page(desk, 2023), "breakdown")

    names = list(Region.objects.order_by("sort_order", "code").values_list("name", flat=True))
    assert len(names) == 14
    assert [n for n in re.findall(r'<th scope="row">([^<]+)</th>', breakdown)] == [
        *names, "농촌(읍·면)", "도시(동)", "전체",
    ]  # fmt: skip
    assert "1–3월 누적" in breakdown
    # 제공인원수 is the first column: A in 완주군 and 전주시, B in 전주시; C in 완주군.
    cells = dict(
        re.findall(
            r'<th scope="row">([^<]+)</th>\s*<td class="num">.*?<span class="cellvalue">'
            r"([^<]+)</span>",
            breakdown,
        )
    )
    assert (cells["완주군"], cells["전주시"], cells["군산시"]) == ("2", "2", "0")


# --- rollup runs -----------------------------------------------------------------------------


def test_starting_a_rollup_creates_a_run_and_queues_it_only_on_commit(
    desk: Client, manager: Any, goals: None, django_capture_on_commit_callbacks: Callable
) -> None:
    with mock.patch.object(tasks.rollup_month, "delay") as delay:
        with django_capture_on_commit_callbacks() as callbacks:
            response = desk.post(ROLLUP, {"year": 2023, "month": 3})
            # The run's row exists, but no worker has been told before the commit.
            delay.assert_not_called()
        assert len(callbacks) == 1
        run = RollupRun.objects.get()
        callbacks[0]()

    delay.assert_called_once_with(run.pk)
    assert response.status_code == 302
    assert response["Location"] == "/kpi/?year=2023#runs"
    assert (run.year, run.month, run.state) == (2023, 3, RollupRun.State.QUEUED)
    assert (run.trigger, run.requested_by) == (RollupRun.Trigger.MANUAL, manager)
    body = page(desk, 2023)
    assert "2023년 3월 집계를 요청했습니다" in body
    assert 'data-state="queued"' in row(body, f"run-{run.pk}")


def test_with_an_eager_worker_the_run_started_from_the_page_ends_succeeded(
    desk: Client,
    first_quarter: None,
    settings: Any,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the worker's task runs in this process
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(ROLLUP, {"year": 2023, "month": 3})

    run = RollupRun.objects.filter(trigger=RollupRun.Trigger.MANUAL).get()
    assert run.state == RollupRun.State.SUCCEEDED
    assert run.rows >= 7
    runs = section(page(desk, 2023), "runs")
    assert 'data-state="succeeded"' in row(runs, f"run-{run.pk}")
    assert "완료" in row(runs, f"run-{run.pk}")


@pytest.mark.parametrize("closed", [True, False])
def test_a_rollup_of_a_closed_or_future_month_is_refused_with_a_message(
    desk: Client, manager: Any, goals: None, closed: bool
) -> None:
    if closed:
        rollup_month(year=2023, month=1)
        month_close(actor=manager, year=2023, month=1)
        year, month = 2023, 1
    else:
        today = timezone.localdate()
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    before = RollupRun.objects.count()

    response = desk.post(ROLLUP, {"year": year, "month": month}, follow=True)

    assert RollupRun.objects.count() == before
    messages = [str(m) for m in response.context["messages"]]
    expected = "마감된 달은 다시 집계하지 않습니다." if closed else "아직 오지 않은 달입니다."
    assert expected in " ".join(messages)


# --- month close and late records ------------------------------------------------------------


def test_a_manager_closes_a_computed_month_from_the_page(
    desk: Client, manager: Any, first_quarter: None
) -> None:
    before = page(desk, 2023)
    assert f'action="{CLOSE}"' in row(before, "period-1")

    response = desk.post(CLOSE, {"year": 2023, "month": 1})

    assert response["Location"] == "/kpi/?year=2023#periods"
    period = Period.objects.get(year=2023, month=1)
    assert period.is_closed and period.closed_by == manager
    after = page(desk, 2023)
    january = row(after, "period-1")
    assert "마감" in january and "manager1" in january and f'action="{CLOSE}"' not in january
    assert "2023년 1월을 마감했습니다" in after


def test_a_month_never_computed_cannot_be_closed(desk: Client, goals: None) -> None:
    response = desk.post(CLOSE, {"year": 2023, "month": 2}, follow=True)

    assert not Period.objects.filter(closed_at__isnull=False).exists()
    assert "집계하지 않은 달은 마감할 수 없습니다" in response.content.decode()
    assert f'action="{CLOSE}"' not in row(response.content.decode(), "period-2")


def test_a_visit_arriving_for_a_closed_month_is_listed_as_an_exception_not_counted(
    desk: Client, manager: Any, first_quarter: None
) -> None:
    month_close(actor=manager, year=2023, month=1)
    member, person = CorpsMemberFactory(name="최미경"), RecipientFactory()
    late = visit(member, person, "emergency_care", seoul(1, 20))

    late_records_recompute()

    record = LateRecord.objects.get()
    body = page(desk, 2023)
    listed = row(section(body, "late"), f"late-{record.pk}")
    assert "1월" in listed and f"방문기록 #{late.pk}" in listed
    assert "늦게 온 기록 1" in row(body, "period-1")
    # January stays frozen at its two corps members.
    january = Measurement.objects.get(measure=measure("제공인원수"), year=2023, month=1)
    assert january.value == 2


# --- manual measures -------------------------------------------------------------------------


def test_a_manual_entry_with_evidence_is_recorded_and_shown_with_its_history(
    desk: Client, manager: Any, goals: None
) -> None:
    line = measure("지원사업 횟수")

    response = desk.post(
        ENTRY,
        {
            "line": f"m-{line.pk}",
            "year": 2023,
            "month": 2,
            "value": "5",
            "evidence": "2월 소속시설 모니터링 결과보고",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/kpi/?year=2023&history=m-{line.pk}#manual"
    entry = ManualEntry.objects.get()
    assert (entry.measure, entry.month, entry.value) == (line, 2, 5)
    assert entry.entered_by == manager
    body = page(desk, 2023, history=f"m-{line.pk}")
    assert "5회" in row(body, f"m-{line.pk}") and "1–2월 · 수기" in row(body, f"m-{line.pk}")
    history = row(section(body, "manual"), f"entry-{entry.pk}")
    assert "2월 소속시설 모니터링 결과보고" in history and "manager1" in history
    # The line is chosen in the form, ready for the next month.
    assert f'<option value="m-{line.pk}" selected>' in body


def test_a_unit_programs_manual_entry_is_recorded(desk: Client, goals: None) -> None:
    program = unit_program("소속시설 조직진단 및 모니터링")

    desk.post(
        ENTRY,
        {"line": f"p-{program.pk}", "year": 2023, "month": 1, "value": "2", "evidence": "점검표"},
    )

    assert ManualEntry.objects.get().unit_program == program
    assert "2회" in row(page(desk, 2023), f"p-{program.pk}")


def test_the_history_lists_one_lines_entries_when_asked(
    desk: Client, manager: Any, goals: None
) -> None:
    first, second = measure("지원사업 횟수"), measure("교육실시 횟수")
    for line, evidence in ((first, "지원사업 보고"), (second, "교육 결과")):
        manual_entry_record(
            actor=manager, measure=line, year=2023, month=1, value=D(1), evidence=evidence
        )

    manual = section(page(desk, 2023, history=f"m-{first.pk}"), "manual")

    assert "지원사업 보고" in manual and "교육 결과" not in manual


def test_a_manual_entry_without_evidence_is_refused_and_the_input_is_kept(
    desk: Client, goals: None
) -> None:
    line = measure("지원사업 횟수")

    response = desk.post(
        ENTRY, {"line": f"m-{line.pk}", "year": 2023, "month": 4, "value": "7", "evidence": " "}
    )

    assert response.status_code == 200
    assert not ManualEntry.objects.exists()
    manual = section(response.content.decode(), "manual")
    assert "근거를 적어 주세요." in manual
    assert 'value="7"' in manual and f'<option value="m-{line.pk}" selected>' in manual


def test_an_automatic_measure_cannot_be_entered_by_hand(desk: Client, goals: None) -> None:
    response = desk.post(
        ENTRY,
        {
            "line": served(),
            "year": 2023,
            "month": 1,
            "value": "30",
            "evidence": "손으로 센 인원",
        },
    )

    assert response.status_code == 200
    assert not ManualEntry.objects.exists()
    assert "자동 집계 지표는 수기로 입력할 수 없습니다." in section(
        response.content.decode(), "manual"
    )


def test_a_manual_entry_for_a_closed_month_is_refused(
    desk: Client, manager: Any, goals: None
) -> None:
    rollup_month(year=2023, month=1)
    month_close(actor=manager, year=2023, month=1)

    response = desk.post(
        ENTRY,
        {
            "line": f"m-{measure('지원사업 횟수').pk}",
            "year": 2023,
            "month": 1,
            "value": "3",
            "evidence": "늦은 보고",
        },
    )

    assert not ManualEntry.objects.exists()
    assert "마감된 달" in response.content.decode()


# --- queries ---------------------------------------------------------------------------------


def _figures_through(month: int, manager: Any) -> None:
    """Manual figures of three measures and three unit programs, and rolled-up visits, for
    months 1..``month``."""
    member, person = CorpsMemberFactory(), RecipientFactory()
    lines = [
        *({"measure": m} for m in Measure.objects.manual().filter(indicator__goal__year=2023)[:3]),
        *(
            {"unit_program": p}
            for p in UnitProgram.objects.filter(indicator__goal__year=2023, metric="")[:3]
        ),
    ]
    for number in range(1, month + 1):
        visit(member, person, "emergency_care", seoul(number, 5))
        for owner in lines:
            manual_entry_record(
                actor=manager, year=2023, month=number, value=D(1), evidence="근거", **owner
            )
        rollup_month(year=2023, month=number)
    month_close(actor=manager, year=2023, month=1)


def _page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client, 2023)
    return len(queries)


def test_the_page_runs_as_many_queries_for_twelve_months_as_for_three(
    desk: Client, manager: Any, goals: None
) -> None:
    _figures_through(3, manager)
    three = _page_queries(desk)
    for model in (Measurement, ManualEntry, RollupRun, Period):
        model.objects.all().delete()
    _figures_through(12, manager)

    assert Measurement.objects.filter(month=12).count() >= 6
    # The residents' usage beside 4-2 has its own fixed cost.
    assert _page_queries(desk) == three <= 25 + usage_selectors.SUMMARY_QUERIES
