"""The month's activity statement as an Excel workbook, for pay (활동 실적).

A summary sheet first (one row per corps member and a total row), then one sheet per member
with their visits of the month. Printed on A4 (landscape: the sheets are wide), fitted to the
page's width, with the institute's name and the month in the page header and page numbers in
the footer. Figures are numbers, so that a reader can still sum or sort them in Excel.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from care.models import Visit
from care.statements.selectors import SEOUL, TRAVEL_BASIS, StatementRow, hours, travel_legs
from config.downloads import (
    BOLD,
    CENTER,
    INSTITUTE,
    RIGHT,
    SUBTITLE,
    TITLE,
    WRAP,
    fit_row_height,
    header_row,
    print_setup,
    sheet_title,
)
from config.downloads import (
    cell as _cell,
)

WEEKDAYS = "월화수목금토일"
KM_FORMAT = "#,##0.00"
HOURS_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
SUMMARY_TITLE = "요약"

SUMMARY_COLUMNS: list[tuple[str, float]] = [
    ("번호", 6),
    ("성명", 12),
    ("활동 시·군", 10),
    ("활동일수(일)", 9),
    ("방문(회)", 8),
    ("서비스 시간(분)", 10),
    ("서비스 시간(시간)", 10),
    ("대상자(명)", 9),
    ("이동거리(직선, km)", 11),
    ("일정 외 방문(회)", 10),
    ("미방문 일정(회)", 10),
    ("종료 누락(회)", 9),
]

VISIT_COLUMNS: list[tuple[str, float]] = [
    ("날짜", 11),
    ("요일", 5),
    ("시작", 7),
    ("종료", 7),
    ("대상자", 12),
    ("서비스 시간(분)", 10),
    ("제공 서비스", 26),
    ("일정", 8),
    ("이동거리(직선, km)", 11),
    ("비고", 18),
]


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.year}년 {self.month}월"


def _title(ws: Worksheet, text: str, subtitle: str, columns: list[tuple[str, float]]) -> None:
    width = len(columns)
    ws.cell(row=1, column=1, value=text).font = TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=2, column=1, value=subtitle).font = SUBTITLE
    ws.cell(row=2, column=1).alignment = WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.row_dimensions[1].height = 24
    ws.row_dimensions[2].height = 28
    for column, (_label, column_width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(column)].width = column_width
    header_row(ws, 3, (label for label, _w in columns))
    fit_row_height(ws, 3, [w for _l, w in columns])
    ws.freeze_panes = "A4"


def _number_row(ws: Worksheet, row: int, start: int, values: Sequence[tuple[object, str]]) -> None:
    for offset, (value, number_format) in enumerate(values):
        _cell(ws, row, start + offset, value, number_format=number_format, alignment=RIGHT)


def _summary_sheet(
    ws: Worksheet, month: Month, rows: Sequence[StatementRow], distinct_recipients: int
) -> None:
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    _title(
        ws,
        f"{month.label} 긴급돌봄지원단 활동 실적",
        f"무효 방문 제외 · 서울 시각 기준 · 서비스 시간은 방문별 시작~종료(분 단위 버림), "
        f"종료 누락은 0분 · 이동거리: {TRAVEL_BASIS} · 작성 {generated}",
        SUMMARY_COLUMNS,
    )
    widths = [w for _l, w in SUMMARY_COLUMNS]
    row = 4
    for number, line in enumerate(rows, start=1):
        member = line.corps_member
        _cell(ws, row, 1, number, alignment=CENTER)
        _cell(ws, row, 2, member.name)
        _cell(ws, row, 3, str(member.region) if member.region_id else None)
        _number_row(ws, row, 4, _figures(line))
        fit_row_height(ws, row, widths)
        row += 1
    _cell(ws, row, 1, "합계", font=BOLD, alignment=CENTER)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    total_minutes = sum(line.service_minutes for line in rows)
    _number_row(
        ws,
        row,
        4,
        [
            (sum(line.days_worked for line in rows), COUNT_FORMAT),
            (sum(line.visits for line in rows), COUNT_FORMAT),
            (total_minutes, COUNT_FORMAT),
            (float(hours(total_minutes)), HOURS_FORMAT),
            # Distinct persons are not additive: the total is the month's distinct count.
            (distinct_recipients, COUNT_FORMAT),
            (round(sum(line.travel_km for line in rows), 2), KM_FORMAT),
            (sum(line.unscheduled_visits for line in rows), COUNT_FORMAT),
            (sum(line.missed_visits for line in rows), COUNT_FORMAT),
            (sum(line.visits_without_checkout for line in rows), COUNT_FORMAT),
        ],
    )
    for column in range(1, len(SUMMARY_COLUMNS) + 1):
        ws.cell(row=row, column=column).font = BOLD
    print_setup(
        ws, title_rows="3:3", header_left=INSTITUTE, header_right=f"{month.label} 활동 실적"
    )


def _figures(line: StatementRow) -> list[tuple[object, str]]:
    return [
        (line.days_worked, COUNT_FORMAT),
        (line.visits, COUNT_FORMAT),
        (line.service_minutes, COUNT_FORMAT),
        (float(line.service_hours), HOURS_FORMAT),
        (line.recipients, COUNT_FORMAT),
        (line.travel_km, KM_FORMAT),
        (line.unscheduled_visits, COUNT_FORMAT),
        (line.missed_visits, COUNT_FORMAT),
        (line.visits_without_checkout, COUNT_FORMAT),
    ]


def _member_sheet(ws: Worksheet, month: Month, line: StatementRow, visits: list[Visit]) -> None:
    member = line.corps_member
    _title(
        ws,
        f"{member.name} · {month.label} 활동 실적",
        f"활동일수 {line.days_worked}일 · 방문 {line.visits}회 · 서비스 {line.service_minutes}분"
        f"({line.service_hours}시간) · 대상자 {line.recipients}명 · 이동거리 {line.travel_km}km "
        f"· 미방문 일정 {line.missed_visits}회",
        VISIT_COLUMNS,
    )
    widths = [w for _l, w in VISIT_COLUMNS]
    positions = [(v.corps_member_id, v.started_at, v.latitude, v.longitude) for v in visits]
    row = 4
    for visit, (_point, leg) in zip(visits, travel_legs(positions), strict=True):
        started = visit.started_at.astimezone(SEOUL)
        ended = visit.ended_at.astimezone(SEOUL) if visit.ended_at else None
        _cell(ws, row, 1, started.date(), number_format="yyyy-mm-dd", alignment=CENTER)
        _cell(ws, row, 2, WEEKDAYS[started.weekday()], alignment=CENTER)
        _cell(ws, row, 3, started.strftime("%H:%M"), alignment=CENTER)
        _cell(ws, row, 4, ended.strftime("%H:%M") if ended else None, alignment=CENTER)
        _cell(ws, row, 5, visit.recipient.name)
        _cell(ws, row, 6, visit.minutes or 0, number_format=COUNT_FORMAT, alignment=RIGHT)
        _cell(ws, row, 7, ", ".join(service.name for service in visit.service_types.all()))
        scheduled = visit.scheduled_visit_id is not None
        _cell(ws, row, 8, "일정" if scheduled else "일정 외", alignment=CENTER)
        _cell(
            ws,
            row,
            9,
            None if leg is None else round(leg, 2),
            number_format=KM_FORMAT,
            alignment=RIGHT,
        )
        _cell(ws, row, 10, "종료 누락(0분)" if ended is None else None)
        fit_row_height(ws, row, widths)
        row += 1
    if not visits:
        _cell(ws, row, 1, "이 달에 인정된 방문이 없습니다.")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
        row += 1
    _cell(ws, row, 1, "합계", font=BOLD, alignment=CENTER)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    _cell(ws, row, 6, line.service_minutes, font=BOLD, number_format=COUNT_FORMAT, alignment=RIGHT)
    _cell(ws, row, 7, f"방문 {line.visits}회", font=BOLD)
    _cell(ws, row, 8, f"일정 외 {line.unscheduled_visits}", font=BOLD, alignment=CENTER)
    _cell(ws, row, 9, line.travel_km, font=BOLD, number_format=KM_FORMAT, alignment=RIGHT)
    _cell(ws, row, 10, None)
    print_setup(
        ws, title_rows="3:3", header_left=INSTITUTE, header_right=f"{month.label} 활동 실적"
    )


def _print(ws: Worksheet, month: Month) -> None:
    print_setup(
        ws, title_rows="3:3", header_left=INSTITUTE, header_right=f"{month.label} 활동 실적"
    )


def statement_workbook(
    *, year: int, month: int, rows: Sequence[StatementRow], visits: Sequence[Visit]
) -> bytes:
    """The statement as an .xlsx: the summary, then a sheet per corps member (named after the
    member; a namesake gets "(2)"). ``visits`` come from ``statement_visits``."""
    period = Month(year, month)
    by_member: dict[int, list[Visit]] = defaultdict(list)
    for visit in visits:
        by_member[visit.corps_member_id].append(visit)
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY_TITLE
    _summary_sheet(summary, period, rows, len({visit.recipient_id for visit in visits}))
    taken = {SUMMARY_TITLE}
    for line in rows:
        member = line.corps_member
        ws = wb.create_sheet(sheet_title(member.name, taken))
        _member_sheet(ws, period, line, by_member.get(member.pk, []))
    wb.properties.title = f"{period.label} 긴급돌봄지원단 활동 실적"
    wb.properties.creator = INSTITUTE
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def statement_filename(year: int, month: int) -> tuple[str, str]:
    """The file's Korean name and an ASCII one for clients that ignore ``filename*``."""
    return (
        f"{year}년_{month:02d}월_활동실적.xlsx",
        f"activity-statement-{year}-{month:02d}.xlsx",
    )
