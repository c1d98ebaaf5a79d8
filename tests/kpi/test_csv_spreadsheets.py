"""The report's CSV as the spreadsheets open it: Korean in Excel and in LibreOffice.

What each needs (issue 11, item 5):

- Excel 2016 and later, and LibreOffice's import dialog, recognise UTF-8 by its byte-order
  mark: the download is UTF-8 with a BOM, and says ``charset=utf-8`` for browsers and scripts.
  (LibreOffice's dialog preselects "Unicode (UTF-8)" when the first three bytes are a UTF-8
  BOM; a headless ``--convert-to`` without filter options does not sniff and assumes the
  user interface's code page, so the test passes the options the dialog would choose.)
- Older Excel ignores the BOM and reads the system code page, CP949 on Korean Windows:
  ``?encoding=cp949`` serves the same rows in CP949 without a BOM.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from kpi.exports import CSV_COLUMNS
from kpi.goals import goals_load

DOWNLOAD = "/api/v1/kpi/report/download/"
# LibreOffice's CSV filter options: comma, double quote, character set 76 (UTF-8), which is
# what its import dialog preselects for a file that starts with the UTF-8 BOM.
LIBREOFFICE_UTF8_IMPORT = "Text - txt - csv (StarCalc):44,34,76"


@pytest.fixture
def goals(db: None) -> None:
    goals_load()


def csv_rows(content: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(encoding))))


def test_csv_download_is_utf8_with_a_bom_and_says_so(goals: None, manager_api: APIClient) -> None:
    response = manager_api.get(DOWNLOAD, {"year": 2022, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content[:3] == b"\xef\xbb\xbf"
    assert csv_rows(response.content, "utf-8-sig")[0] == CSV_COLUMNS


def test_cp949_csv_for_old_excel_has_the_same_rows_without_a_bom(
    goals: None, manager_api: APIClient
) -> None:
    utf8 = manager_api.get(DOWNLOAD, {"year": 2022, "format": "csv"})

    response = manager_api.get(DOWNLOAD, {"year": 2022, "format": "csv", "encoding": "cp949"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=windows-949"
    assert not response.content.startswith(b"\xef\xbb\xbf")
    assert csv_rows(response.content, "cp949") == csv_rows(utf8.content, "utf-8-sig")


def test_an_unknown_csv_encoding_is_a_400(goals: None, manager_api: APIClient) -> None:
    response = manager_api.get(DOWNLOAD, {"year": 2022, "format": "csv", "encoding": "latin-1"})

    assert response.status_code == 400
    assert "encoding" in response.json()


def test_libreoffice_reads_the_korean_of_the_downloaded_csv(
    goals: None, manager_api: APIClient, tmp_path: Path
) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    response = manager_api.get(DOWNLOAD, {"year": 2022, "format": "csv"})
    source = tmp_path / "report.csv"
    source.write_bytes(response.content)

    subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            # A profile of its own: two LibreOffice processes sharing one refuse each other.
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            f"--infilter={LIBREOFFICE_UTF8_IMPORT}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )

    sheet = load_workbook(tmp_path / "report.xlsx").active
    header = [cell.value for cell in sheet[1]]
    expected = csv_rows(response.content, "utf-8-sig")
    assert header == CSV_COLUMNS  # the BOM was read as one, not as "ï»¿연도"
    assert sheet.cell(row=2, column=2).value == expected[1][1]
    assert sheet.max_row == len(expected)
