"""The report's downloads (``kpi.exports``): the Excel workbook laid out like the document's
goal table, and the CSV of the same rows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from rest_framework.test import APIClient

from kpi.exports import (
    CSV_COLUMNS,
    GOAL_TABLE_COLUMNS,
    attachment_header,
    report_csv,
    report_workbook,
    sheet_title,
)
from kpi.goals import goals_load
from kpi.models import Measure
from kpi.report import year_report
from kpi.rollups import manual_entry_record
from tests.factories import UserFactory

D = Decimal
DOWNLOAD = "/api/v1/kpi/report/download/"


@pytest.fixture
def goals(db: None) -> None:
    goals_load()


@pytest.fixture
def manual_2023(goals: None) -> None:
    """1-1's support count entered for January to March 2023 (5 + 6 + 4)."""
    manager = UserFactory(roles=["manager"])
    measure = Measure.objects.get(indicator__goal__year=2023, name="지원사업 횟수")
    for month, value in ((1, 5), (2, 6), (3, 4)):
        manual_entry_record(
            actor=manager, measure=measure, year=2023, month=month, value=D(value), evidence="결과"
        )


def workbook(year: int) -> Workbook:
    return load_workbook(io.BytesIO(report_workbook(year_report(year=year))))


def table_rows(ws: Worksheet) -> list[tuple]:
    """The measure rows of the goal table: every row below the header that is not a goal's."""
    return [
        row
        for row in ws.iter_rows(min_row=4, values_only=True)
        if row[2] is not None  # the goal rows have only their label, merged across
    ]


def numbers(value: object) -> object:
    return float(value) if isinstance(value, int | float | Decimal) else value


# --- the workbook ----------------------------------------------------------------------------


def test_first_sheet_is_the_goal_table_with_the_documents_columns(goals: None) -> None:
    ws = workbook(2023).worksheets[0]

    assert ws.title == "성과목표"
    assert ws["A1"].value == "2023년 경영성과 목표 및 실적"
    assert [cell.value for cell in ws[3]] == [label for label, _w in GOAL_TABLE_COLUMNS]
    assert [label for label, _w in GOAL_TABLE_COLUMNS][:4] == [
        "성과지표", "사업비(억원)", "측정방법", "성과목표",
    ]  # fmt: skip


def test_goal_rows_are_bold_and_shaded(goals: None) -> None:
    ws = workbook(2023).worksheets[0]

    goal_cells = [row[0] for row in ws.iter_rows(min_row=4) if row[2].value is None]
    assert [cell.value for cell in goal_cells] == [
        "1. 사회서비스 공공성 강화",
        "2. 종사자 전문성 향상 및 처우개선",
        "3. 민간제공기관 서비스 품질향상",
        "4. 전북형 특화 사회서비스 발굴 제공",
        "5. 공통지표",
    ]
    for cell in goal_cells:
        assert cell.font.b
        assert cell.fill.fill_type == "solid"


def test_2022_workbook_rows_hold_the_results_tables_targets_actuals_and_rates(
    goals: None,
) -> None:
    rows = table_rows(workbook(2022).worksheets[0])

    figures = [(row[2], row[3], row[4], row[5]) for row in rows]
    assert ("지원 건수", 30, 125, 416) in figures
    assert ("제공인원 수", 20, 22, 110) in figures
    assert ("파견건수", 1400, 1597, 114) in figures
    assert ("만족도 점수", 80, 92.3, 115) in figures
    assert len(rows) == 15


def test_the_computed_prior_rate_stands_in_the_sheet_and_the_printed_one_in_the_remarks(
    goals: None,
) -> None:
    rows = table_rows(workbook(2023).worksheets[0])

    served = next(row for row in rows if row[2] == "제공인원수")
    assert served[0] == "4-1 돌봄체계 구축 및 운영"
    # The document's own cell, its wording included.
    assert served[6] == "22명(20명) 간접돌봄체계 구축 및 운영"
    assert served[7] == 110
    assert "125%" in served[8]
    # 1-1 prints 55회 with no target: no rate to compute, so the printed "신규" is shown.
    support = next(row for row in rows if row[2] == "지원사업 횟수")
    assert (support[6], support[7]) == ("55회", "신규")
    # The second measure of an indicator leaves the indicator cell empty, like the document.
    assert next(row for row in rows if row[2] == "운영사업")[0] is None


def test_a_later_years_prior_cell_is_composed_from_last_years_target_and_actual(
    goals: None,
) -> None:
    manager = UserFactory(roles=["manager"])
    manual_entry_record(
        actor=manager,
        measure=Measure.objects.get(indicator__goal__year=2023, name="지원사업 횟수"),
        year=2023,
        month=12,
        value=D(60),
        evidence="연말 결산",
    )

    support = next(r for r in table_rows(workbook(2024).worksheets[0]) if r[2] == "지원사업 횟수")

    assert (support[3], support[6], support[7]) == (63, "60회 (56회)", 107)


def test_figures_carry_their_unit_and_rates_a_percent_in_the_number_format(
    manual_2023: None,
) -> None:
    ws = workbook(2023).worksheets[0]

    row = next(r for r in ws.iter_rows(min_row=4) if r[2].value == "지원사업 횟수")
    assert (row[3].value, row[3].number_format) == (56, '#,##0"회"')
    assert (row[4].value, row[4].number_format) == (15, '#,##0"회"')
    assert (row[5].value, row[5].number_format) == (26, '0"%"')
    assert row[1].number_format == "0.0##"
    satisfaction = next(r for r in ws.iter_rows(min_row=4) if r[2].value == "만족도 점수")
    assert satisfaction[3].number_format == '#,##0"점"'


def test_every_sheet_prints_on_a4_landscape_fitted_to_the_width_in_a_korean_font(
    goals: None,
) -> None:
    wb = workbook(2023)

    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows
        assert ws.freeze_panes
        assert ws["A1"].font.name == "맑은 고딕"
        assert ws.column_dimensions["A"].width >= 20
    assert wb.worksheets[0].print_title_rows == "$1:$3"
    assert wb.worksheets[0].freeze_panes == "A4"


def test_there_is_a_sheet_per_goal_named_after_it_within_excels_limits(goals: None) -> None:
    names = workbook(2023).sheetnames

    assert names == [
        "성과목표",
        "1. 사회서비스 공공성 강화",
        "2. 종사자 전문성 향상 및 처우개선",
        "3. 민간제공기관 서비스 품질향상",
        "4. 전북형 특화 사회서비스 발굴 제공",
        "5. 공통지표",
    ]
    assert all(len(name) <= 31 for name in names)


def test_a_goal_sheet_holds_the_unit_programs_plan_and_the_monthly_actuals(
    manual_2023: None,
) -> None:
    ws = workbook(2023)["1. 사회서비스 공공성 강화"]
    rows = list(ws.iter_rows(values_only=True))

    plan_header = next(r for r in rows if r[0] == "성과지표" and r[2] == "단위사업명")
    assert list(plan_header[4:7]) == ["2023", "2024", "2025"]
    monitoring = next(r for r in rows if r[2] == "소속시설 조직진단 및 모니터링")
    assert list(monitoring[4:7]) == [24, 27, 30]
    # Its 2022 result, from 1-1's 추진실적 table, is last year's actual.
    assert monitoring[9] == 21
    months_header = next(r for r in rows if r[2] == "측정방법·단위사업")
    assert list(months_header[5:19]) == [f"{m}월" for m in range(1, 13)] + ["누적", "달성률"]
    support = next(r for r in rows if r[2] == "지원사업 횟수")
    assert list(support[4:10]) == [56, 5, 6, 4, None, None]
    assert (support[17], support[18]) == (15, 26)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("1. 사회서비스 공공성 강화", "1. 사회서비스 공공성 강화"),
        ("4. 지원/연계: 돌봄 [시범]?*", "4. 지원 연계  돌봄  시범"),
        ("5. " + "가" * 40, "5. " + "가" * 28),
    ],
)
def test_sheet_titles_drop_excels_forbidden_characters_and_keep_31(
    label: str, expected: str
) -> None:
    assert sheet_title(label, set()) == expected


def test_sheet_titles_stay_unique_when_two_goals_cut_to_the_same_name() -> None:
    taken: set[str] = set()
    long = "1. " + "가" * 40

    assert sheet_title(long, taken) != sheet_title(long, taken)
    assert all(len(name) <= 31 for name in taken)


# --- CSV -------------------------------------------------------------------------------------


def test_csv_starts_with_a_byte_order_mark_so_excel_reads_the_korean(goals: None) -> None:
    text = report_csv(year_report(year=2022))

    assert text.startswith("\ufeff")
    assert text[1:].split("\r\n")[0].split(",")[:5] == ["연도", "전략목표", "지표 번호",
                                                        "성과지표", "측정방법"]  # fmt: skip


def test_csv_has_the_same_figures_as_the_report(goals: None) -> None:
    report = year_report(year=2022)
    table = list(csv.DictReader(io.StringIO(report_csv(report)[1:])))

    assert len(table) == len(report.measure_rows()) == 15
    consulting = next(row for row in table if row["측정방법"] == "지원 건수")
    assert (consulting["성과목표"], consulting["실적(누적)"], consulting["달성률(%)"]) == (
        "30",
        "125",
        "416",
    )
    satisfaction = next(row for row in table if row["측정방법"] == "만족도 점수")
    assert (satisfaction["실적(누적)"], satisfaction["달성률(%)"]) == ("92.3", "115")
    assert list(table[0].keys()) == CSV_COLUMNS


def test_csv_has_the_monthly_columns(manual_2023: None) -> None:
    table = list(csv.DictReader(io.StringIO(report_csv(year_report(year=2023))[1:])))

    support = next(row for row in table if row["측정방법"] == "지원사업 횟수")
    assert [support[f"{m}월"] for m in range(1, 5)] == ["5", "6", "4", ""]
    assert (support["실적(누적)"], support["실적 기준월"], support["상태"]) == ("15", "3", "순항")


# --- the download endpoint -------------------------------------------------------------------


def test_the_korean_filename_is_sent_as_rfc_5987_with_an_ascii_fallback() -> None:
    header = attachment_header("2023년_경영성과_실적.xlsx", "kpi-report-2023.xlsx")

    assert header.startswith('attachment; filename="kpi-report-2023.xlsx"; ')
    encoded = header.split("filename*=UTF-8''")[1]
    assert encoded.isascii()
    assert unquote(encoded) == "2023년_경영성과_실적.xlsx"


def test_downloaded_workbook_rows_match_the_json_report(
    manual_2023: None, manager_api: APIClient
) -> None:
    report = manager_api.get("/api/v1/kpi/report/", {"year": 2023}).json()
    response = manager_api.get(DOWNLOAD, {"year": 2023, "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''2023%EB%85%84" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    sheet = [(row[2], numbers(row[3]), numbers(row[4]), row[5]) for row in table_rows(ws)]
    expected = [
        (m["name"], numbers(m["target"]), numbers(m["actual"]), m["achievement_rate"])
        for g in report["goals"]
        for i in g["indicators"]
        for m in i["measures"]
    ]
    assert sheet == expected
    assert ("지원사업 횟수", 56.0, 15.0, 26) in sheet


def test_downloaded_csv_has_the_json_reports_figures(goals: None, manager_api: APIClient) -> None:
    report = manager_api.get("/api/v1/kpi/report/", {"year": 2022}).json()
    response = manager_api.get(DOWNLOAD, {"year": 2022, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    rates = [m["achievement_rate"] for g in report["goals"] for i in g["indicators"]
             for m in i["measures"]]  # fmt: skip
    assert [int(row["달성률(%)"]) for row in table] == rates


@pytest.mark.parametrize(
    "query",
    [{}, {"year": "abc"}, {"year": 2023, "format": "pdf"}, {"year": 1999}],
)
def test_a_download_without_a_valid_year_or_format_is_a_400(
    goals: None, manager_api: APIClient, query: dict
) -> None:
    response = manager_api.get(DOWNLOAD, query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_others_than_managers_cannot_download_the_report(
    goals: None, coordinator_api: APIClient, api: APIClient
) -> None:
    assert coordinator_api.get(DOWNLOAD, {"year": 2023}).status_code == 403
    assert api.get(DOWNLOAD, {"year": 2023}).status_code in {401, 403}
