"""What every file download of the project shares: the workbook's house style (맑은 고딕, grid,
shaded header), valid sheet names, A4 print setup, row heights that fit wrapped text, the
``Content-Disposition`` header with a Korean file name, and ``?format=`` on an API view.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INSTITUTE = "전북특별자치도사회서비스원"

FONT_NAME = "맑은 고딕"
BODY = Font(name=FONT_NAME, size=10)
BOLD = Font(name=FONT_NAME, size=10, bold=True)
TITLE = Font(name=FONT_NAME, size=14, bold=True)
SUBTITLE = Font(name=FONT_NAME, size=9, color="595959")
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_THIN = Side(style="thin", color="808080")
GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")

# Excel refuses these in a sheet name, and the name has at most 31 characters.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31

# A 10-point line in points, and how many width units a character takes: Excel's column
# width counts the default font's digits; a Hangul syllable is about two of them.
LINE_HEIGHT = 14.0


def sheet_title(label: str, taken: set[str]) -> str:
    """A valid, unique sheet name: Excel's forbidden characters dropped, 31 characters."""
    name = _SHEET_FORBIDDEN.sub(" ", label).strip()[:SHEET_NAME_MAX].strip() or "Sheet"
    candidate, n = name, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate = name[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def text_width(text: str) -> int:
    """The width of ``text`` in column-width units: wide (Hangul, CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_row_height(ws: Worksheet, row: int, widths: Sequence[float]) -> None:
    """Set the row's height to the most lines any of its wrapped cells needs, so that no
    text is cut off or printed over the next row (openpyxl does not measure text)."""
    lines = 1
    for column, width in enumerate(widths, start=1):
        value = ws.cell(row=row, column=column).value
        if value is None:
            continue
        usable = max(width - 1, 1)
        needed = sum(
            max(1, math.ceil(text_width(part) / usable)) for part in str(value).split("\n")
        )
        lines = max(lines, needed)
    ws.row_dimensions[row].height = LINE_HEIGHT * lines + 2


def print_setup(
    ws: Worksheet,
    *,
    title_rows: str,
    landscape: bool = True,
    header_left: str = "",
    header_right: str = "",
) -> None:
    """A4, as wide as the page, header rows repeated on every page, page numbers below."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = title_rows
    if header_left:
        ws.oddHeader.left.text = header_left
        ws.oddHeader.left.font = FONT_NAME
    if header_right:
        ws.oddHeader.right.text = header_right
        ws.oddHeader.right.font = FONT_NAME
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.center.font = FONT_NAME


def cell(
    ws: Worksheet,
    row: int,
    column: int,
    value: object,
    *,
    font: Font = BODY,
    number_format: str | None = None,
    alignment: Alignment = WRAP,
    fill: PatternFill | None = None,
) -> None:
    """Write one gridded cell in the house font."""
    target = ws.cell(row=row, column=column, value=value)
    target.font = font
    target.border = GRID
    target.alignment = alignment
    if number_format:
        target.number_format = number_format
    if fill:
        target.fill = fill


def header_row(ws: Worksheet, row: int, labels: Iterable[str]) -> None:
    for column, label in enumerate(labels, start=1):
        cell(ws, row, column, label, font=BOLD, alignment=CENTER, fill=HEADER_FILL)


def attachment_header(filename: str, fallback: str) -> str:
    """``Content-Disposition`` with the UTF-8 name of RFC 5987/6266 and an ASCII fallback."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class FileTypeNegotiation(DefaultContentNegotiation):
    """``?format=`` names the file to download here, not one of DRF's renderers (which would
    answer ``format=xlsx`` with 404); errors are rendered as JSON."""

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type
