"""The year's report (``kpi.report.year_report``): targets, actuals, computed rates, last year's
figures and the monthly series, against the document's own tables and against rollups of
visits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care.models import Visit
from kpi.goals import goals_load
from kpi.metrics import SEOUL
from kpi.models import Measure, Measurement, UnitProgram
from kpi.report import MeasureLine, Status, UnitProgramLine, YearReport, line_status, year_report
from kpi.rollups import manual_entry_record, rollup_month
from tests.factories import (
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
    episode_of,
    program,
)

D = Decimal

# The document's 「2022년 경영성과 목표 이행 실적」: (code, 측정 방법, target, actual, 달성률).
# Every rate is actual ÷ target × 100 truncated, and equals the printed one.
RESULTS_2022 = [
    ("1-1", "수탁시설 수", D(7), D(7), 100),
    ("1-2", "사업 건수", D(1), D(1), 100),
    ("1-3", "수탁시설 수", D(3), D(3), 100),
    ("1-4", "설치 개소 수", D(2), D(2), 100),
    ("1-4", "운영 사업 수", D(1), D(1), 100),
    ("2-1", "직접고용 비율", D(100), D(100), 100),
    ("2-2", "운영사업 건수", D(1), D(1), 100),
    ("2-3", "교육실시 횟수", D(40), D(48), 120),
    ("3-1", "지원 시설 수", D(50), D(51), 102),
    ("3-2", "지원 건수", D(30), D(125), 416),
    ("3-3", "파견건수", D(1400), D(1597), 114),
    ("3-4", "만족도 점수", D(80), D("92.3"), 115),
    ("4-1", "제공인원 수", D(20), D(22), 110),
    ("4-2", "운영사업 건수", D(2), D(2), 100),
    ("4-3", "추진실적", D(1), D(1), 100),
]


@pytest.fixture
def goals(db: None) -> None:
    goals_load()


def rows(report: YearReport) -> list[tuple[str, str, MeasureLine]]:
    return [(i.code, m.name, m) for _g, i, m in report.measure_rows()]


def measure_line(report: YearReport, code: str, name: str) -> MeasureLine:
    return next(m for c, n, m in rows(report) if (c, n) == (code, name))


def program_line(report: YearReport, code: str, name: str) -> UnitProgramLine:
    return next(
        p
        for g in report.goals
        for i in g.indicators
        if i.code == code
        for p in i.unit_programs
        if p.name == name
    )


def visit(member, recipient, program_code: str, when: datetime, **extra) -> Visit:  # noqa: ANN001
    return Visit.objects.create(
        client_uuid=uuid4(),
        recipient=recipient,
        corps_member=member,
        episode=episode_of(recipient, program=program(program_code)),
        program=program(program_code),
        started_at=when,
        ended_at=when.replace(hour=when.hour + 1),
        **extra,
    )


def seoul(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2023, month, day, hour, tzinfo=SEOUL)


@pytest.fixture
def first_quarter_visits(goals: None) -> None:
    """Three corps members, three recipients, visits in January to March 2023, one void."""
    a, b, c = (CorpsMemberFactory(name=name) for name in ("김영희", "이순자", "박정숙"))
    r1, r2, r3 = RecipientFactory(), RecipientFactory(), RecipientFactory()
    visit(a, r1, "emergency_care", seoul(1, 10))
    visit(b, r2, "emergency_care", seoul(1, 12))
    visit(a, r1, "emergency_care", seoul(2, 3))
    visit(c, r3, "rural_gap_care", seoul(2, 20))
    visit(a, r2, "emergency_care", seoul(3, 7))
    visit(b, r3, "rural_gap_care", seoul(3, 9), status=Visit.Status.VOID, void_reason="중복")
    for month in (1, 2, 3):
        rollup_month(year=2023, month=month)


# --- the document's figures -------------------------------------------------------------------


def test_report_for_2022_reproduces_every_row_of_the_documents_results_table(
    goals: None,
) -> None:
    report = year_report(year=2022)

    assert report.plan_year == 2022
    assert [(c, n, m.target, m.actual, m.achievement_rate) for c, n, m in rows(report)] == [
        (code, name, target, actual, rate) for code, name, target, actual, rate in RESULTS_2022
    ]


def test_report_for_2022_shows_416_for_consulting_and_110_for_emergency_care(
    goals: None,
) -> None:
    report = year_report(year=2022)

    consulting = measure_line(report, "3-2", "지원 건수")
    emergency = measure_line(report, "4-1", "제공인원 수")
    assert (consulting.actual, consulting.target, consulting.achievement_rate) == (125, 30, 416)
    assert (emergency.actual, emergency.target, emergency.achievement_rate) == (22, 20, 110)
    assert consulting.actual_source == "reported"
    assert consulting.status == Status.ACHIEVED


def test_every_computed_2022_rate_equals_the_one_the_document_prints(goals: None) -> None:
    for _code, _name, line in rows(year_report(year=2022)):
        assert f"{line.achievement_rate}%" == line.reported_rate_text


def test_report_follows_the_documents_order_of_goals_and_indicators(goals: None) -> None:
    report = year_report(year=2023)

    assert [g.number for g in report.goals] == [1, 2, 3, 4, 5]
    assert [i.code for g in report.goals for i in g.indicators] == [
        "1-1", "1-2", "2-1", "2-2", "2-3", "3-1", "3-2", "3-3", "4-1", "4-2", "5-1", "5-2",
    ]  # fmt: skip
    assert [n for c, n, _m in rows(report) if c == "4-1"] == ["제공인원수", "운영사업"]


def test_4_1s_prior_rate_is_computed_as_110_while_the_printed_text_keeps_125(
    goals: None,
) -> None:
    line = measure_line(year_report(year=2023), "4-1", "제공인원수")

    assert (line.prior_actual, line.prior_target) == (22, 20)
    assert line.prior_rate == 110
    assert line.prior_rate_text == "125%"


def test_prior_figures_of_2023_are_the_goal_tables_printed_cells(goals: None) -> None:
    report = year_report(year=2023)

    prior = {(c, n): (m.prior_actual, m.prior_target, m.prior_rate) for c, n, m in rows(report)}
    assert prior[("2-3", "교육실시 횟수")] == (48, 40, 120)
    assert prior[("3-2", "운영 건수")] == (125, 30, 416)
    assert prior[("3-3", "만족도 점수")] == (D("92.3"), 80, 115)
    # 55회 with no target printed: no rate, and the printed "신규" stays beside it.
    line = measure_line(report, "1-1", "지원사업 횟수")
    assert (line.prior_actual, line.prior_target, line.prior_rate) == (55, None, None)
    assert line.prior_rate_text == "신규"


def test_unit_programs_carry_last_years_printed_results_and_their_plan(goals: None) -> None:
    line = program_line(year_report(year=2023), "1-1", "소속시설 조직진단 및 모니터링")

    assert line.target == 24
    assert line.prior_actual == 21
    assert [(p.year, p.target) for p in line.plan] == [
        (2022, None), (2023, 24), (2024, 27), (2025, 30),
    ]  # fmt: skip


def test_a_year_without_figures_has_targets_and_no_data(goals: None) -> None:
    line = measure_line(year_report(year=2023), "3-2", "운영 건수")

    assert (line.target, line.actual, line.achievement_rate) == (70, None, None)
    assert line.status == Status.NO_DATA
    assert [point.value for point in line.monthly] == [None] * 12


def test_a_year_before_any_goal_structure_has_an_empty_report(goals: None) -> None:
    report = year_report(year=2021)

    assert (report.plan_year, report.goals) == (None, [])


def test_a_later_year_uses_the_2023_structure_and_its_own_targets(goals: None) -> None:
    report = year_report(year=2025)

    assert report.plan_year == 2023
    assert measure_line(report, "1-1", "지원사업 횟수").target == 70
    assert measure_line(report, "4-1", "제공인원수").target is None


# --- actuals from rollups and manual entries -------------------------------------------------


def test_report_for_2023_counts_the_rolled_up_visits(first_quarter_visits: None) -> None:
    report = year_report(year=2023)

    served = measure_line(report, "4-1", "제공인원수")
    # Corps members who served, distinct over the year: A and B in January, C in February;
    # B's March visit is void.
    assert (served.actual, served.target, served.achievement_rate) == (3, 25, 12)
    assert served.actual_source == "auto"
    assert served.actual_through == 3
    assert [(p.value, p.ytd) for p in served.monthly[:4]] == [(2, 2), (2, 3), (1, 3), (None, None)]
    # 3 of 25 by March is below the quarter's share (6.25).
    assert served.status == Status.BEHIND
    programs = measure_line(report, "4-1", "운영사업")
    assert (programs.actual, programs.achievement_rate, programs.status) == (2, 100, "achieved")
    assert report.through_month == 3


def test_report_for_2023_counts_the_unit_programs_bound_to_metrics(
    first_quarter_visits: None,
) -> None:
    report = year_report(year=2023)

    recipients = program_line(report, "4-1", "긴급돌봄 수혜")
    rural = program_line(report, "4-1", "농촌지역 돌봄사각지대 발굴 및 서비스 제공")
    corps = program_line(report, "4-1", "긴급돌봄지원단")
    assert (recipients.actual, recipients.target, recipients.achievement_rate) == (3, 100, 3)
    assert (rural.actual, rural.achievement_rate) == (1, 4)
    # A stock: the pool at March's end, compared whole with the target, never prorated.
    assert (corps.actual, corps.achievement_rate, corps.status) == (3, 12, Status.BEHIND)


def test_manual_entries_give_the_year_to_date_actual(goals: None) -> None:
    manager = UserFactory(roles=["manager"])
    measure = Measure.objects.get(indicator__goal__year=2023, name="지원사업 횟수")
    for month, value in ((1, 5), (2, 6), (3, 4)):
        manual_entry_record(
            actor=manager,
            measure=measure,
            year=2023,
            month=month,
            value=D(value),
            evidence="모니터링 결과보고",
        )

    line = measure_line(year_report(year=2023), "1-1", "지원사업 횟수")

    assert (line.actual, line.achievement_rate, line.actual_source) == (15, 26, "manual")
    # 15 by March against 56 × 3/12 = 14: on track.
    assert line.status == Status.ON_TRACK


def test_a_rate_measures_actual_is_its_latest_month_not_a_sum(goals: None) -> None:
    manager = UserFactory(roles=["manager"])
    measure = Measure.objects.get(indicator__goal__year=2023, name="직접고용 비율")
    for month, value in ((1, 90), (2, 100)):
        manual_entry_record(
            actor=manager, measure=measure, year=2023, month=month, value=D(value), evidence="인사"
        )

    line = measure_line(year_report(year=2023), "2-1", "직접고용 비율")

    assert (line.actual, line.achievement_rate, line.status) == (100, 100, Status.ACHIEVED)


def test_next_years_report_shows_this_years_target_and_actual_as_prior(goals: None) -> None:
    manager = UserFactory(roles=["manager"])
    measure = Measure.objects.get(indicator__goal__year=2023, name="지원사업 횟수")
    manual_entry_record(
        actor=manager, measure=measure, year=2023, month=12, value=D(60), evidence="연말 결산"
    )

    line = measure_line(year_report(year=2024), "1-1", "지원사업 횟수")

    assert (line.target, line.prior_target, line.prior_actual, line.prior_rate) == (
        63,
        56,
        60,
        107,
    )


@pytest.mark.parametrize(
    ("actual", "target", "through", "level", "status"),
    [
        (None, D(10), 3, False, Status.NO_DATA),
        (D(3), None, 3, False, Status.NO_TARGET),
        (D(3), D(0), 3, False, Status.NO_TARGET),
        (D(10), D(10), 3, False, Status.ACHIEVED),
        (D(3), D(12), 3, False, Status.ON_TRACK),
        (D(2), D(12), 3, False, Status.BEHIND),
        (D(80), D(82), 3, True, Status.BEHIND),
        (D(11), D(12), None, False, Status.BEHIND),
    ],
)
def test_line_status_holds_the_year_to_date_against_the_targets_share_of_the_months(
    actual: Decimal | None, target: Decimal | None, through: int | None, level: bool, status: str
) -> None:
    assert line_status(actual=actual, target=target, through=through, level=level) == status


# --- queries ---------------------------------------------------------------------------------


def _manual_months(months: int) -> None:
    manager = UserFactory(roles=["manager"])
    for measure in Measure.objects.manual().filter(indicator__goal__year=2023)[:3]:
        for month in range(1, months + 1):
            manual_entry_record(
                actor=manager, measure=measure, year=2023, month=month, value=D(1), evidence="근거"
            )
    for unit_program in UnitProgram.objects.filter(indicator__goal__year=2023, metric="")[:3]:
        for month in range(1, months + 1):
            manual_entry_record(
                actor=manager,
                unit_program=unit_program,
                year=2023,
                month=month,
                value=D(1),
                evidence="근거",
            )


def _report_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        year_report(year=2023)
    return len(queries)


def test_the_report_runs_as_many_queries_for_twelve_months_as_for_three(goals: None) -> None:
    _manual_months(3)
    three = _report_queries()
    Measurement.objects.all().delete()
    _manual_months(12)

    assert Measurement.objects.filter(month=12).exists()
    assert _report_queries() == three <= 10
