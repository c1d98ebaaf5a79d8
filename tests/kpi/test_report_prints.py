"""The report as printed: the workbook of ``kpi.exports`` converted to PDF by headless
LibreOffice, then read back with pypdf.

Each sheet must print as one A4 landscape page, and no text may run outside its cell. The PDF
tells where every run of text stands and where every grid line is drawn, so "outside its
cell" is read off the page itself: no text run may cross a grid line (a wrapped cell taller
than its row crosses the row's top or bottom border, a long name its neighbour's border), nor
stand outside the clip LibreOffice draws it in (the header and footer bands clip theirs).

LibreOffice is Debian's ``libreoffice-calc-nogui`` (``.ci/run`` installs it): without it the
tests are skipped on a laptop, and fail under CI.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.generic import ContentStream, TextStringObject

from config.downloads import INSTITUTE
from kpi.exports import report_workbook
from kpi.goals import goals_load
from kpi.models import Measure, UnitProgram
from kpi.report import year_report
from kpi.rollups import manual_entry_record
from tests.factories import UserFactory

A4_LANDSCAPE = (842, 595)  # points
SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "kpi-report-summary.png"
# A glyph's ink from its baseline, in em: Noto Sans CJK's Hangul reaches about 0.82 above and
# 0.07 below; DejaVu's descenders 0.24 below. A line drawn through that band crosses the text.
INK_ABOVE, INK_BELOW = 0.8, 0.1
TOLERANCE = 0.3  # points: a border may touch the edge of a run's box

SOFFICE = shutil.which("soffice")
pytestmark = [
    # The module's fixture reads the test database, which pytest-django creates only when a
    # collected test asks for it.
    pytest.mark.django_db,
    pytest.mark.skipif(
        SOFFICE is None and not os.environ.get("CI"),
        reason="LibreOffice (soffice) is not installed: `apt-get install libreoffice-calc-nogui "
        "fonts-noto-cjk`, as .ci/run does (under CI these tests always run)",
    ),
]


# --- reading the PDF -------------------------------------------------------------------------

Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m × n, in PDF's row-vector convention (m applies first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _point(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


@dataclass(frozen=True)
class Run:
    """One run of text as drawn: its text, baseline start, width, size and clip."""

    text: str
    x: float
    y: float
    width: float
    size: float
    clip: Box | None

    @property
    def box(self) -> Box:
        return (
            self.x,
            self.y - INK_BELOW * self.size,
            self.x + self.width,
            self.y + INK_ABOVE * self.size,
        )


@dataclass(frozen=True)
class Segment:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return abs(self.y0 - self.y1) < 0.01


@dataclass
class Page:
    width: float
    height: float
    runs: list[Run]
    segments: list[Segment]

    def lines(self) -> list[str]:
        """The page's text, a line per baseline, left to right."""
        rows: dict[float, list[Run]] = {}
        for run in self.runs:
            rows.setdefault(round(run.y, 0), []).append(run)
        return [
            "".join(run.text for run in sorted(rows[y], key=lambda r: r.x))
            for y in sorted(rows, reverse=True)
        ]


class _Font:
    """A simple (one byte a glyph) font of the PDF: its widths and its ToUnicode map, which
    is all LibreOffice's subset fonts need."""

    def __init__(self, font: dict) -> None:
        first = int(font.get("/FirstChar", 0))
        self.widths = {first + i: float(w) for i, w in enumerate(font.get("/Widths", []))}
        self.unicode: dict[int, str] = {}
        cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                self.unicode[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
        for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, start in re.findall(
                r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
            ):
                base = ord(bytes.fromhex(start).decode("utf-16-be"))
                for code in range(int(low, 16), int(high, 16) + 1):
                    self.unicode[code] = chr(base + code - int(low, 16))

    def text(self, data: bytes) -> str:
        return "".join(self.unicode.get(code, "?") for code in data)

    def without_trailing_spaces(self, data: bytes) -> bytes:
        while data and self.unicode.get(data[-1], "").isspace():
            data = data[:-1]
        return data

    def advance(self, data: bytes) -> float:
        """The text's advance in thousandths of the font size."""
        return sum(self.widths.get(code, 0.0) for code in data)


def _raw(string: bytes | TextStringObject) -> bytes:
    """A string operand's bytes as written (pypdf decodes some into text)."""
    if isinstance(string, TextStringObject):
        return string.get_original_bytes()
    return bytes(string)


def read_page(reader: PdfReader, number: int) -> Page:
    """The runs of text and the stroked lines of one page, in page coordinates."""
    page = reader.pages[number]
    fonts = {
        name: _Font(font.get_object()) for name, font in page["/Resources"].get("/Font", {}).items()
    }
    runs: list[Run] = []
    segments: list[Segment] = []
    ctm, clip = IDENTITY, None
    stack: list[tuple[Matrix, Box | None]] = []
    path: list[tuple[str, tuple[float, ...]]] = []
    text_matrix = line_matrix = IDENTITY
    font, size = None, 0.0

    def draw(data: bytes) -> None:
        nonlocal text_matrix
        assert font is not None
        advance = font.advance(data) / 1000 * size
        # A space that ends a wrapped line is drawn past the border, but has no ink.
        ink = font.advance(font.without_trailing_spaces(data)) / 1000 * size
        start = _times(text_matrix, ctm)
        x, y = _point(start, 0, 0)
        scale = abs(start[0]) or 1.0
        runs.append(Run(font.text(data), x, y, ink * scale, size * abs(start[3]), clip))
        text_matrix = _times((1, 0, 0, 1, advance, 0), text_matrix)

    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        op = operator.decode()
        if op == "q":
            stack.append((ctm, clip))
        elif op == "Q":
            ctm, clip = stack.pop()
        elif op == "cm":
            ctm = _times(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif op == "re":
            path.append(("re", tuple(float(v) for v in operands)))
        elif op in {"m", "l"}:
            path.append((op, tuple(float(v) for v in operands)))
        elif op in {"W", "W*"}:
            boxes = [
                (*_point(ctm, x, y), *_point(ctm, x + w, y + h))
                for kind, (x, y, w, h) in ((k, v) for k, v in path if k == "re")
            ]
            for x0, y0, x1, y1 in boxes:
                new = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
                clip = new if clip is None else (
                    max(clip[0], new[0]), max(clip[1], new[1]),
                    min(clip[2], new[2]), min(clip[3], new[3]),
                )  # fmt: skip
        elif op in {"S", "s"}:
            start = None
            for kind, values in path:
                if kind == "m":
                    start = _point(ctm, *values)
                elif kind == "l" and start is not None:
                    end = _point(ctm, *values)
                    segments.append(Segment(*start, *end))
                    start = end
            path = []
        elif op in {"n", "f", "f*", "B", "B*", "b", "b*"}:
            path = []
        elif op == "BT":
            text_matrix = line_matrix = IDENTITY
        elif op == "Tf":
            font, size = fonts[operands[0]], float(operands[1])
        elif op == "Td":
            line_matrix = _times((1, 0, 0, 1, float(operands[0]), float(operands[1])), line_matrix)
            text_matrix = line_matrix
        elif op == "Tm":
            text_matrix = line_matrix = tuple(float(v) for v in operands)  # type: ignore[assignment]
        elif op == "Tj":
            draw(_raw(operands[0]))
        elif op == "TJ":
            for item in operands[0]:
                if isinstance(item, bytes | str):
                    draw(_raw(item))
                else:
                    text_matrix = _times((1, 0, 0, 1, -float(item) / 1000 * size, 0), text_matrix)
    box = page.mediabox
    return Page(float(box.width), float(box.height), runs, segments)


def crossings(page: Page) -> list[str]:
    """Every run of text a grid line passes through, and every run outside its clip."""
    found = []
    for run in page.runs:
        if not run.text.strip():
            continue
        x0, y0, x1, y1 = run.box
        for line in page.segments:
            lx0, lx1 = sorted((line.x0, line.x1))
            ly0, ly1 = sorted((line.y0, line.y1))
            if line.horizontal:
                across = lx0 < x1 - TOLERANCE and lx1 > x0 + TOLERANCE
                if across and y0 + TOLERANCE < ly0 < y1 - TOLERANCE:
                    found.append(f"{run.text!r} at y={run.y:.1f} crosses a row border at {ly0:.1f}")
            else:
                along = ly0 < y1 - TOLERANCE and ly1 > y0 + TOLERANCE
                if along and x0 + TOLERANCE < lx0 < x1 - TOLERANCE:
                    found.append(
                        f"{run.text!r} at x={run.x:.1f} crosses a column border at {lx0:.1f}"
                    )
        if run.clip is not None:
            cx0, cy0, cx1, cy1 = run.clip
            if (
                x0 < cx0 - TOLERANCE
                or y0 < cy0 - TOLERANCE
                or x1 > cx1 + TOLERANCE
                or (y1 > cy1 + TOLERANCE)
            ):
                found.append(f"{run.text!r} at y={run.y:.1f} is clipped by {run.clip}")
        if x0 < 0 or y0 < 0 or x1 > page.width or y1 > page.height:
            found.append(f"{run.text!r} runs off the page")
    return found


# --- the printed report ----------------------------------------------------------------------


@dataclass(frozen=True)
class Printed:
    sheets: list[str]
    titles: list[str]
    pages: list[Page]
    pdf: Path


def convert(workbooks: dict[str, bytes], folder: Path) -> dict[str, Path]:
    """The workbooks as PDFs, converted in one LibreOffice run with a profile of its own (so
    that it does not wait on a LibreOffice someone else has open)."""
    if SOFFICE is None:
        pytest.fail("CI must print the report: soffice is missing (see .ci/run)")
    sources = []
    for name, content in workbooks.items():
        source = folder / f"{name}.xlsx"
        source.write_bytes(content)
        sources.append(str(source))
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *sources,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {name: folder / f"{name}.pdf" for name in workbooks}


def _report_with_figures() -> bytes:
    """2023's report after three months of figures on every manual measure and unit program
    (the automatic ones stay empty, which prints as blank cells)."""
    goals_load()
    manager = UserFactory(roles=["manager"])
    owners = [
        *({"measure": m} for m in Measure.objects.filter(indicator__goal__year=2023, metric="")),
        *(
            {"unit_program": p}
            for p in UnitProgram.objects.filter(indicator__goal__year=2023, metric="")
        ),
    ]
    for owner in owners:
        for month in (1, 2, 3):
            manual_entry_record(
                actor=manager, year=2023, month=month, value=Decimal(month * 7),
                evidence="결과보고", **owner,
            )  # fmt: skip
    return report_workbook(year_report(year=2023))


def _unfitted(workbook: bytes) -> bytes:
    """The same workbook with every row at the default height, as it was before rows were
    fitted to their text."""
    wb = load_workbook(io.BytesIO(workbook))
    for ws in wb.worksheets:
        for row in range(3, ws.max_row + 1):
            ws.row_dimensions[row].height = None
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def printed(
    django_db_setup: None, django_db_blocker: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Printed]]:
    """The report printed once for the module (and, to show that the check can fail, the
    same report with its rows left at the default height); the database is left as found."""
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        workbook = _report_with_figures()
        transaction.set_rollback(True)
    folder = tmp_path_factory.mktemp("printed")
    books = {"report": workbook, "unfitted": _unfitted(workbook)}
    pdfs = convert(books, folder)
    result = {}
    for name, content in books.items():
        wb = load_workbook(io.BytesIO(content))
        reader = PdfReader(pdfs[name])
        result[name] = Printed(
            sheets=wb.sheetnames,
            titles=[str(ws["A1"].value) for ws in wb.worksheets],
            pages=[read_page(reader, n) for n in range(len(reader.pages))],
            pdf=pdfs[name],
        )
    yield result


def test_each_sheet_prints_as_one_a4_landscape_page(printed: dict[str, Printed]) -> None:
    report = printed["report"]

    assert len(report.pages) == len(report.sheets) == 6
    for page, title in zip(report.pages, report.titles, strict=True):
        assert page.width == pytest.approx(A4_LANDSCAPE[0], abs=2)
        assert page.height == pytest.approx(A4_LANDSCAPE[1], abs=2)
        assert any(title in line for line in page.lines()), title


def test_no_text_runs_outside_its_cell(printed: dict[str, Printed]) -> None:
    report = printed["report"]

    for sheet, page in zip(report.sheets, report.pages, strict=True):
        assert len(page.segments) > 20, f"{sheet}: no grid read from the page"
        assert crossings(page) == [], sheet


def test_rows_left_at_the_default_height_are_caught_overprinting(
    printed: dict[str, Printed],
) -> None:
    unfitted = printed["unfitted"]

    assert any(crossings(page) for page in unfitted.pages)


def test_the_page_header_names_the_institute_and_the_report_date(
    printed: dict[str, Printed],
) -> None:
    for page in printed["report"].pages:
        top = page.lines()[0]
        assert INSTITUTE in top
        assert re.search(r"보고일 \d{4}-\d{2}-\d{2}", top)


def test_the_page_number_footer_is_printed_whole_inside_the_page(
    printed: dict[str, Printed],
) -> None:
    pages = printed["report"].pages

    for number, page in enumerate(pages, start=1):
        footer = [run for run in page.runs if run.y < 60 and run.text.strip()]
        assert "".join(run.text for run in footer).replace(" ", "") == f"{number}/{len(pages)}"
        for run in footer:
            assert run.clip is None or run.clip[1] <= run.box[1] and run.box[3] <= run.clip[3]
            assert run.box[1] > 0


def test_the_summary_carries_a_signoff_box_at_its_top_right(
    printed: dict[str, Printed],
) -> None:
    page = printed["report"].pages[0]

    labels = {run.text: run for run in page.runs if run.text in {"담당", "팀장", "본부장"}}
    assert set(labels) == {"담당", "팀장", "본부장"}
    assert labels["담당"].x < labels["팀장"].x < labels["본부장"].x
    assert all(run.x > page.width / 2 for run in labels.values())
    header = next(run for run in page.runs if run.text == "성과지표")
    assert all(run.y > header.y for run in labels.values())


def test_a_png_of_the_summary_page_is_kept_when_asked(printed: dict[str, Printed]) -> None:
    """docs/screenshots/kpi-report-summary.png when SAVE_SCREENSHOTS=1; else nothing."""
    if os.environ.get("SAVE_SCREENSHOTS") != "1":
        pytest.skip("screenshots are written with SAVE_SCREENSHOTS=1")
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: apt-get install poppler-utils"
    subprocess.run(
        [pdftoppm, "-f", "1", "-l", "1", "-r", "110", "-png", "-singlefile",
         str(printed["report"].pdf), str(SCREENSHOT.with_suffix(""))],
        check=True, timeout=60,
    )  # fmt: skip
    assert SCREENSHOT.stat().st_size > 10_000
