"""The statement workbook: a summary sheet and one per member, totals that match the JSON,
print setup for A4, and the download written to the access log."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from rest_framework.test import APIClient

from base.models import AccessLog
from care.statements.exports import SUMMARY_COLUMNS, VISIT_COLUMNS
from tests.care.statements.conftest import JEONJU_TO_WANJU_KM, Month
from tests.factories import CorpsMemberFactory

STATEMENTS = "/api/v1/activity-statements/"
XLSX = {"year": 2024, "month": 5, "format": "xlsx", "purpose": "payment"}


def download(client: APIClient) -> Workbook:
    response = client.get(STATEMENTS, XLSX)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "activity-statement-2024-05.xlsx" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def test_workbook_has_the_summary_first_then_a_sheet_per_member(
    coordinator_api: APIClient, may: Month
) -> None:
    wb = download(coordinator_api)

    assert wb.sheetnames == ["요약", "김영희", "이순자"]
    assert wb["요약"]["A1"].value == "2024년 5월 긴급돌봄지원단 활동 실적"
    assert [cell.value for cell in wb["요약"][3]] == [label for label, _w in SUMMARY_COLUMNS]
    assert [cell.value for cell in wb["김영희"][3]] == [label for label, _w in VISIT_COLUMNS]


def test_summary_totals_match_the_json(coordinator_api: APIClient, may: Month) -> None:
    rows = coordinator_api.get(STATEMENTS, {"year": 2024, "month": 5}).json()
    summary = download(coordinator_api)["요약"]

    table = list(summary.iter_rows(min_row=4, values_only=True))
    members, total = table[:-1], table[-1]
    assert [line[1] for line in members] == [row["corps_member_name"] for row in rows]
    assert total[0] == "합계"
    fields = ["days_worked", "visits", "service_minutes"]
    assert list(total[3:6]) == [sum(row[f] for row in rows) for f in fields]
    assert total[8] == round(sum(row["travel_km"] for row in rows), 2)
    assert list(total[9:12]) == [
        sum(row[f] for row in rows)
        for f in ("unscheduled_visits", "missed_visits", "visits_without_checkout")
    ]
    assert total[7] == 3  # distinct recipients of the month, not the sum of 2 + 1


def test_a_members_sheet_lists_their_visits_in_time_order(
    coordinator_api: APIClient, may: Month
) -> None:
    ws = download(coordinator_api)["김영희"]

    visits = [row for row in ws.iter_rows(min_row=4, values_only=True) if row[0] != "합계"]
    assert [(row[2], row[3], row[5], row[7]) for row in visits] == [
        ("09:00", "10:30", 90, "일정"),
        ("11:00", "12:00", 60, "일정 외"),
        ("14:00", None, 0, "일정 외"),
        ("23:30", "00:20", 50, "일정 외"),
    ]
    assert visits[0][4] == may.first.name
    assert abs(visits[1][8] - JEONJU_TO_WANJU_KM) < 0.5  # 전주시청 → 완주군청
    assert visits[2][9] == "종료 누락(0분)"
    total = next(row for row in ws.iter_rows(min_row=4, values_only=True) if row[0] == "합계")
    assert total[5] == sum(row[5] for row in visits) == 200


def test_sheets_print_on_a4_landscape_fitted_to_width_with_header_and_page_numbers(
    coordinator_api: APIClient, may: Month
) -> None:
    for ws in download(coordinator_api).worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1
        assert "전북특별자치도사회서비스원" in ws.oddHeader.left.text
        assert "2024년 5월" in ws.oddHeader.right.text
        assert ws.oddFooter.center.text == "&P / &N"
        assert all(ws.column_dimensions[c].width for c in "ABCDE")
        assert ws.row_dimensions[3].height  # the wrapped header row is tall enough


def test_namesakes_get_unique_sheet_names_of_at_most_31_characters(
    coordinator_api: APIClient, may: Month
) -> None:
    namesake = CorpsMemberFactory(name="김영희")
    long_name = CorpsMemberFactory(name="가" * 40 + "/[x]")
    names = download_with(coordinator_api, [namesake.pk, long_name.pk])

    assert len(set(names)) == len(names)
    assert all(len(name) <= 31 for name in names)
    assert "김영희 (2)" in names


def download_with(client: APIClient, extra_member_ids: list[int]) -> list[str]:
    """The sheet names when members without visits are named too (the selector's ids)."""
    from care.statements.exports import statement_workbook
    from care.statements.selectors import activity_statement, statement_visits

    rows = activity_statement(year=2024, month=5)
    extra = activity_statement(year=2024, month=5, corps_member_ids=extra_member_ids)
    visits = statement_visits(year=2024, month=5)
    body = statement_workbook(year=2024, month=5, rows=[*rows, *extra], visits=visits)
    return load_workbook(io.BytesIO(body)).sheetnames


def test_the_download_is_written_to_the_access_log_as_an_export(
    coordinator_api: APIClient, may: Month
) -> None:
    download(coordinator_api)

    logged = AccessLog.objects.filter(action=AccessLog.Action.EXPORT)
    assert sorted(logged.values_list("subject_id", flat=True)) == sorted(
        [may.first.pk, may.second.pk, may.third.pk]
    )
    assert set(logged.values_list("username", flat=True)) == {"coordinator1"}


def test_the_json_read_names_no_recipient_and_logs_nothing(
    coordinator_api: APIClient, may: Month
) -> None:
    coordinator_api.get(STATEMENTS, {"year": 2024, "month": 5})

    assert not AccessLog.objects.exists()
