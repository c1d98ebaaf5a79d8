"""The year's report as a download: an Excel workbook laid out like the document's goal table,
and a CSV of the same rows.

The workbook is meant to be printed: every sheet is one A4 landscape page, with the
institute's name and the report's date in the page header and the page number in the footer,
in 맑은 고딕 (the Korean font every Office install has). Rows are as tall as their wrapped text
(``config.downloads.fit_row_height``), since neither Excel nor LibreOffice grows a row that has
a height, and the goal table carries a 결재란 (sign-off box) at its top right. Figures are
written as numbers with a number format that adds the unit (56 shows as "56회"), so a reader
can still sum or sort them in Excel.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from config.downloads import (
    BOLD,
    CENTER,
    INSTITUTE,
    RIGHT,
    SUBTITLE,
    TITLE,
    WRAP,
    fit_row_height,
    print_setup,
    sheet_title,
    signoff_box,
)
from config.downloads import attachment_header as attachment_header
from config.downloads import cell as _cell
from config.downloads import header_row as _header_row
from kpi.report import GoalReport, Line, MeasureLine, YearReport

GOAL_FILL = PatternFill("solid", fgColor="DDEBF7")
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")

RATE_FORMAT = '0"%"'
BUDGET_FORMAT = "0.0##"
MONTHS = range(1, 13)

# The goal table's columns (the document's 성과지표 · 사업비 · 측정방법 · 성과목표 · 2022 실적
# (전년도목표) · 전년목표 대비), with this year's actual and rate between them. The last three
# are as wide as each other because the 결재란's three roles stand above them, its "결재" label
# above 달성률.
GOAL_TABLE_COLUMNS: list[tuple[str, float]] = [
    ("성과지표", 34),
    ("사업비(억원)", 9),
    ("측정방법", 16),
    ("성과목표", 11),
    ("실적(누적)", 11),
    ("달성률", 8),
    ("전년 실적(목표)", 19),
    ("전년목표 대비", 19),
    ("비고", 19),
]
SIGNOFF_COLUMN = 6  # 결재란 from 달성률 to 비고

STATUS_LABELS = {
    "achieved": "달성",
    "on_track": "순항",
    "behind": "미흡",
    "no_target": "목표 없음",
    "no_data": "실적 없음",
}


# --- figures ---------------------------------------------------------------------------------


def _number(value: Decimal | None) -> int | float | None:
    """A cell value: an int where the figure is whole, so Excel shows 56, not 56.0."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def plain(value: Decimal | int | None) -> str:
    """A figure for text (CSV, labels): 125.00 → "125", 92.30 → "92.3", None → ""."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def unit_format(unit: str, value: Decimal | None) -> str:
    """The number format that shows a figure with its unit, e.g. 56 → "56회", 92.3 → "92.3점"."""
    whole = value is None or value == value.to_integral_value()
    number = "#,##0" if whole else "#,##0.0"
    if unit == "%":
        return '0"%"' if whole else '0.0"%"'
    return f'{number}"{unit}"' if unit else number


def with_unit(value: Decimal | None, unit: str) -> str:
    if value is None:
        return ""
    whole = value == value.to_integral_value()
    return f"{int(value):,}{unit}" if whole else f"{plain(value)}{unit}"


def prior_cell(line: Line) -> str:
    """The "전년 실적(목표)" cell: the document's own cell where it prints one ("48회 (40회)",
    "1건 (1건)" beside a measure now in %), otherwise composed the same way from last year's
    figures."""
    if line.prior_text:
        return line.prior_text
    actual = with_unit(line.prior_actual, line.unit)
    target = with_unit(line.prior_target, line.unit)
    if actual and target:
        return f"{actual} ({target})"
    if actual or target:
        return actual or f"({target})"
    return "-"


def _remarks(line: Line) -> str:
    """What the figures alone do not say: the printed target where it says more than the
    number, and the document's own rate where it differs from the computed one."""
    notes = []
    if line.target_text and line.target_text != with_unit(line.target, line.unit):
        notes.append(f"목표 표기: {line.target_text}")
    if (
        line.prior_rate is not None
        and line.prior_rate_text
        and line.prior_rate_text != f"{line.prior_rate}%"
    ):
        notes.append(f"문서의 전년목표 대비: {line.prior_rate_text}")
    if line.actual_source == "reported":
        notes.append("문서의 실적")
    elif line.actual_through is not None:
        notes.append(f"1–{line.actual_through}월 누적")
    return "; ".join(notes)


# --- the workbook ----------------------------------------------------------------------------


def _figure(ws: Worksheet, row: int, column: int, value: Decimal | None, unit: str) -> None:
    _cell(ws, row, column, _number(value), number_format=unit_format(unit, value), alignment=RIGHT)


def _rate(ws: Worksheet, row: int, column: int, rate: int | None, fallback: str = "") -> None:
    if rate is None:
        _cell(ws, row, column, fallback or None, alignment=CENTER)
    else:
        _cell(ws, row, column, rate, number_format=RATE_FORMAT, alignment=RIGHT)


def _title(ws: Worksheet, text: str, subtitle: str, width: int) -> None:
    """The title and the subtitle, each merged over the first ``width`` columns."""
    ws.cell(row=1, column=1, value=text).font = TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=2, column=1, value=subtitle).font = SUBTITLE
    ws.cell(row=2, column=1).alignment = WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    fit_row_height(ws, 1)
    fit_row_height(ws, 2)


def _band(ws: Worksheet, row: int, text: str, width: int, fill: PatternFill) -> None:
    """A full-width row: a goal's header, or a section's."""
    for column in range(1, width + 1):
        _cell(ws, row, column, text if column == 1 else None, font=BOLD, fill=fill)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _print_setup(ws: Worksheet, report: YearReport, title_rows: str) -> None:
    """One A4 landscape page, the institute and the report's date in the page header."""
    reported = timezone.localtime(report.generated_at).strftime("%Y-%m-%d")
    print_setup(
        ws,
        title_rows=title_rows,
        header_left=INSTITUTE,
        header_right=f"{report.year}년 경영성과 목표 및 실적 · 보고일 {reported}",
        pages_tall=1,
    )


def _fit_rows(ws: Worksheet, first: int) -> None:
    for row in range(first, ws.max_row + 1):
        fit_row_height(ws, row)


def _subtitle(report: YearReport) -> str:
    through = f"1–{report.through_month}월 누적" if report.through_month else "집계 실적 없음"
    generated = timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"성과목표 체계: {report.plan_year or '-'}년 · 실적: {through} · "
        f"달성률 = 실적 ÷ 목표 × 100 (소수점 이하 버림) · 작성 {generated}"
    )


def _goal_table(ws: Worksheet, report: YearReport) -> None:
    width = len(GOAL_TABLE_COLUMNS)
    for column, (_label, column_width) in enumerate(GOAL_TABLE_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = column_width
    _title(ws, f"{report.year}년 경영성과 목표 및 실적", _subtitle(report), SIGNOFF_COLUMN - 1)
    signoff_box(ws, row=1, column=SIGNOFF_COLUMN)
    _header_row(ws, 3, (label for label, _w in GOAL_TABLE_COLUMNS))
    row = 4
    for goal in report.goals:
        _band(ws, row, goal.label, width, GOAL_FILL)
        row += 1
        for indicator in goal.indicators:
            for index, measure in enumerate(indicator.measures):
                # Like the document, the indicator is named once, on its first measure's row.
                label = f"{indicator.code} {indicator.name}" if index == 0 else None
                _goal_table_row(ws, row, label, measure)
                row += 1
    _fit_rows(ws, 3)
    _print_setup(ws, report, "1:3")
    ws.freeze_panes = "A4"


def _goal_table_row(ws: Worksheet, row: int, label: str | None, line: MeasureLine) -> None:
    _cell(ws, row, 1, label)
    _cell(
        ws,
        row,
        2,
        _number(line.budget_eok),
        number_format=BUDGET_FORMAT,
        alignment=RIGHT,
    )
    _cell(ws, row, 3, line.name)
    if line.target is None:
        _cell(ws, row, 4, line.target_text or None)
    else:
        _figure(ws, row, 4, line.target, line.unit)
    _figure(ws, row, 5, line.actual, line.unit)
    _rate(ws, row, 6, line.achievement_rate)
    _cell(ws, row, 7, prior_cell(line))
    # The computed rate wherever both prior figures exist; otherwise the printed cell ("신규").
    _rate(ws, row, 8, line.prior_rate, fallback=line.prior_rate_text or "-")
    _cell(ws, row, 9, _remarks(line))


def _goal_sheet(ws: Worksheet, report: YearReport, goal: GoalReport) -> None:
    plan_years = report.plan_years()
    monthly_width = 5 + len(MONTHS) + 2
    plan_width = 4 + len(plan_years) + 4
    width = max(monthly_width, plan_width)
    # Nineteen columns on one A4 width, kept narrow so that the print stays as large as it can
    # (at these widths LibreOffice prints the detail pages at 58 %): the names wrap, rows grow
    # to fit them, and a figure column still holds "1,006회" or "100가구" in Excel's digits.
    widths = [28, 12, 26, 5] + [8] * (width - 4)
    for column, column_width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = column_width
    _title(ws, goal.label, _subtitle(report), width)

    # 단위사업 추진계획: the unit programs' targets for each year of the plan.
    row = 3
    _band(ws, row, "단위사업 추진계획", plan_width, SECTION_FILL)
    row += 1
    _header_row(
        ws,
        row,
        [
            "성과지표",
            "구분",
            "단위사업명",
            "단위",
            *[f"{year}" for year in plan_years],
            f"{report.year} 실적(누적)",
            "달성률",
            "전년 실적",
            "비고",
        ],
    )
    row += 1
    for indicator in goal.indicators:
        for program in indicator.unit_programs:
            _cell(ws, row, 1, f"{indicator.code} {indicator.name}")
            _cell(ws, row, 2, program.group or None)
            _cell(ws, row, 3, program.name)
            _cell(ws, row, 4, program.unit or None, alignment=CENTER)
            plans = {plan.year: plan for plan in program.plan}
            for offset, year in enumerate(plan_years):
                plan = plans.get(year)
                if plan is None or plan.target is None:
                    _cell(ws, row, 5 + offset, plan.target_text if plan else None)
                else:
                    _figure(ws, row, 5 + offset, plan.target, program.unit)
            column = 5 + len(plan_years)
            _figure(ws, row, column, program.actual, program.unit)
            _rate(ws, row, column + 1, program.achievement_rate)
            _figure(ws, row, column + 2, program.prior_actual, program.unit)
            _cell(ws, row, column + 3, program.note or None)
            row += 1
    if not any(indicator.unit_programs for indicator in goal.indicators):
        _cell(ws, row, 1, "단위사업 계획이 없습니다.")
        row += 1

    # 월별 실적: every measure's and unit program's monthly figures and year to date.
    row += 1
    _band(ws, row, f"{report.year}년 월별 실적", monthly_width, SECTION_FILL)
    row += 1
    _header_row(
        ws,
        row,
        ["성과지표", "구분", "측정방법·단위사업", "단위", "목표", *[f"{m}월" for m in MONTHS],
         "누적", "달성률"],
    )  # fmt: skip
    row += 1
    for indicator in goal.indicators:
        lines: list[tuple[str, Line]] = [("측정방법", m) for m in indicator.measures]
        lines += [(p.group or "단위사업", p) for p in indicator.unit_programs]
        for kind, line in lines:
            _cell(ws, row, 1, f"{indicator.code} {indicator.name}")
            _cell(ws, row, 2, kind)
            _cell(ws, row, 3, line.name)
            _cell(ws, row, 4, line.unit or None, alignment=CENTER)
            if line.target is None:
                _cell(ws, row, 5, line.target_text or None)
            else:
                _figure(ws, row, 5, line.target, line.unit)
            for point in line.monthly:
                _figure(ws, row, 5 + point.month, point.value, line.unit)
            _figure(ws, row, 6 + len(MONTHS), line.actual, line.unit)
            _rate(ws, row, 7 + len(MONTHS), line.achievement_rate)
            row += 1
    _fit_rows(ws, 3)
    _print_setup(ws, report, "1:1")
    ws.freeze_panes = "A3"


def report_workbook(report: YearReport) -> bytes:
    """The report as an .xlsx: the goal table first, then one sheet per goal."""
    wb = Workbook()
    ws = wb.active
    ws.title = "성과목표"
    _goal_table(ws, report)
    taken = {ws.title}
    for goal in report.goals:
        _goal_sheet(wb.create_sheet(sheet_title(goal.label, taken)), report, goal)
    wb.properties.title = f"{report.year}년 경영성과 목표 및 실적"
    wb.properties.creator = f"{INSTITUTE} 성과관리"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "연도",
    "전략목표",
    "지표 번호",
    "성과지표",
    "측정방법",
    "단위",
    "사업비(억원)",
    "성과목표",
    "성과목표(표기)",
    "실적(누적)",
    "실적 기준월",
    "달성률(%)",
    "전년 목표",
    "전년 실적",
    "전년목표 대비(%)",
    "전년목표 대비(문서 표기)",
    "상태",
    *[f"{m}월" for m in MONTHS],
]


def report_csv(report: YearReport) -> str:
    """The goal table's rows (one per measure) with the monthly figures, as CSV.

    It starts with a byte-order mark: without it Excel reads a CSV as the local code page and
    shows the Korean as mojibake.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for goal, indicator, line in report.measure_rows():
        monthly = {point.month: point.value for point in line.monthly}
        writer.writerow(
            [
                report.year,
                goal.label,
                indicator.code,
                indicator.name,
                line.name,
                line.unit,
                plain(line.budget_eok),
                plain(line.target),
                line.target_text,
                plain(line.actual),
                line.actual_through or "",
                "" if line.achievement_rate is None else line.achievement_rate,
                plain(line.prior_target),
                plain(line.prior_actual),
                "" if line.prior_rate is None else line.prior_rate,
                line.prior_rate_text,
                STATUS_LABELS.get(line.status, line.status),
                *[plain(monthly.get(month)) for month in MONTHS],
            ]
        )
    return "\ufeff" + buffer.getvalue()


# --- the download ----------------------------------------------------------------------------


def report_filename(report: YearReport, extension: str) -> tuple[str, str]:
    """The file's Korean name and an ASCII one for clients that ignore ``filename*``."""
    return (
        f"{report.year}년_경영성과_실적.{extension}",
        f"kpi-report-{report.year}.{extension}",
    )
