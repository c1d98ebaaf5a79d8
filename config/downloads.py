"""What every file download of the project shares: the workbook's house style (맑은 고딕, grid,
shaded header), valid sheet names, A4 print setup, row heights that fit wrapped text, the
``Content-Disposition`` header with a Korean file name, and ``?format=`` on an API view.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
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

# How much room wrapped text takes, measured on LibreOffice 7.4's PDF export (the suite's
# printer) of 맑은 고딕 cells: where that font is missing the Hangul comes from Noto Sans CJK,
# whose line is 1.448 em (13.0 pt a line at 9 pt, 14.5 at 10 pt, 20.2 at 14 pt; its Hangul is
# 0.92 em wide), so a line is taken as 1.45 times the font size, plus a little room above and
# below. Widths are in column-width units, which count the default font's digits: about 7 pt
# in LibreOffice and 5.25 pt in Excel. A Hangul syllable at 10 pt is 1.3 units in LibreOffice
# and 1.75 in Excel; a Latin glyph about one; so a wide glyph counts 1.8 and text is wrapped
# at spaces like the two programs do, which errs towards a line too many, never one too few.
LINE_EM = 1.45
ROW_PADDING = 3.0
WIDE_GLYPH = 1.8
NARROW_GLYPH = 1.0
SPACE_GLYPH = 0.5
CELL_INSET = 0.6  # the cell's own left and right text margins, in column-width units
DEFAULT_COLUMN_WIDTH = 8.43  # Excel's, for a column whose width is not set


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


def _glyph_width(ch: str) -> float:
    if ch == " ":
        return SPACE_GLYPH
    return WIDE_GLYPH if unicodedata.east_asian_width(ch) in "WF" else NARROW_GLYPH


def text_width(text: str, size: float = 10) -> float:
    """The width of ``text`` at ``size`` points in column-width units (10 pt as measured)."""
    return sum(_glyph_width(ch) for ch in text) * size / 10


def wrapped_lines(text: str, width: float, size: float = 10) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` units wide: broken at spaces
    and at line breaks, a word longer than the line broken between its characters."""
    usable = max(width - CELL_INSET, 1.0) * 10 / size
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        line = 0.0
        for index, word in enumerate(paragraph.split(" ")):
            space = SPACE_GLYPH if index else 0.0
            word_width = sum(_glyph_width(ch) for ch in word)
            if line + space + word_width <= usable:
                line += space + word_width
                continue
            if line:
                lines += 1
            line = 0.0
            for ch in word:  # a word wider than a line is broken wherever it reaches the edge
                if line + _glyph_width(ch) > usable and line:
                    lines += 1
                    line = 0.0
                line += _glyph_width(ch)
    return lines


def line_height(size: float = 10) -> float:
    """A wrapped line's height in points at ``size`` points (see ``LINE_EM``)."""
    return LINE_EM * size


def _merged_spans(ws: Worksheet, row: int) -> tuple[dict[int, int], set[int]]:
    """On ``row``: the first column of each merge within the row with the columns it covers,
    and the columns to leave alone (covered by a merge, or merged over several rows)."""
    spans: dict[int, int] = {}
    skip: set[int] = set()
    for merged in ws.merged_cells.ranges:
        if not merged.min_row <= row <= merged.max_row:
            continue
        columns = range(merged.min_col, merged.max_col + 1)
        if merged.min_row == merged.max_row:
            spans[merged.min_col] = merged.max_col - merged.min_col + 1
            skip.update(columns[1:])
        else:
            skip.update(columns)
    return spans, skip


def fit_row_height(ws: Worksheet, row: int, widths: Sequence[float] | None = None) -> None:
    """Set the row's height to the lines its tallest cell needs at its font size, so that no
    text is cut off or printed over the next row (neither openpyxl nor Excel measures text,
    and LibreOffice keeps a height it is given). ``widths`` are the columns' widths from the
    first; without them the sheet's own column widths are read. A merge within the row counts
    the width of all its columns; a merge over several rows is left to the caller."""

    def column_width(column: int) -> float:
        if widths is not None:
            return widths[column - 1] if column <= len(widths) else DEFAULT_COLUMN_WIDTH
        return ws.column_dimensions[get_column_letter(column)].width or DEFAULT_COLUMN_WIDTH

    spans, skip = _merged_spans(ws, row)
    height = line_height() + ROW_PADDING
    for target in ws[row]:
        if target.value is None or target.column in skip:
            continue
        size = float(target.font.sz or 11) if target.font else 11.0
        text = str(target.value)
        if target.alignment is not None and target.alignment.wrap_text:
            span = spans.get(target.column, 1)
            width = sum(column_width(target.column + n) for n in range(span))
            lines = wrapped_lines(text, width, size)
        else:
            lines = text.count("\n") + 1
        height = max(height, lines * line_height(size) + ROW_PADDING)
    ws.row_dimensions[row].height = round(height, 1)


def print_setup(
    ws: Worksheet,
    *,
    title_rows: str,
    landscape: bool = True,
    header_left: str = "",
    header_right: str = "",
    pages_tall: int = 0,
) -> None:
    """A4, as wide as the page and ``pages_tall`` pages down (0: as many as the rows need),
    header rows repeated on every page, page numbers below.

    The margins leave the header and the footer a band of their own: LibreOffice takes the
    header's (footer's) room from the top (bottom) margin less the header (footer) margin and
    clips what does not fit, as it clipped the page numbers when that room was 0.1 inch.
    """
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = pages_tall
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.8
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_title_rows = title_rows
    for part, text in ((ws.oddHeader.left, header_left), (ws.oddHeader.right, header_right)):
        if text:
            part.text = text
            part.font = FONT_NAME
            part.size = 9
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.center.font = FONT_NAME
    ws.oddFooter.center.size = 9


def signoff_box(
    ws: Worksheet,
    *,
    row: int,
    column: int,
    roles: Sequence[str] = ("담당", "팀장", "본부장"),
    signature_height: float = 40,
) -> None:
    """A 결재란: "결재" down the left, then a bordered cell per role with its name on top and
    an empty cell below for the signature or stamp. Takes ``row`` and the row below it, from
    ``column`` to the right (one column for the label and one per role)."""
    cell(ws, row, column, "결\n재", font=BOLD, alignment=CENTER, fill=HEADER_FILL)
    cell(ws, row + 1, column, None, fill=HEADER_FILL)
    ws.merge_cells(start_row=row, start_column=column, end_row=row + 1, end_column=column)
    for offset, role in enumerate(roles, start=1):
        cell(ws, row, column + offset, role, font=BOLD, alignment=CENTER, fill=HEADER_FILL)
        cell(ws, row + 1, column + offset, None)
    current = ws.row_dimensions[row + 1].height or 0
    ws.row_dimensions[row + 1].height = max(current, signature_height)


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
