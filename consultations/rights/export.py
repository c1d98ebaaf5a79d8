"""The answer to a request to see one's data, as a workbook: one sheet per section of
``selectors.person_record`` (details, episodes, visits, consultations, consents, and every
row of the access log about the person)."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from config.downloads import (
    INSTITUTE,
    SUBTITLE,
    TITLE,
    cell,
    header_row,
    print_setup,
    sheet_title,
    text_width,
)
from consultations.rights.models import RightsRequest
from consultations.rights.selectors import person_record

MAX_WIDTH = 60


def record_workbook(request: RightsRequest) -> bytes:
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    for section in person_record(request):
        ws = book.create_sheet(sheet_title(section.title, taken))
        ws.cell(row=1, column=1, value=f"{section.title} — {_('정보주체 열람 요구')} #{request.pk}")
        ws.cell(row=1, column=1).font = TITLE
        ws.cell(row=2, column=1, value=f"{INSTITUTE} · {printed}").font = SUBTITLE
        header_row(ws, 3, section.headers)
        widths = [text_width(str(h)) + 2 for h in section.headers]
        for r, values in enumerate(section.rows, start=4):
            for c, value in enumerate(values, start=1):
                cell(ws, r, c, value)
                widths[c - 1] = max(widths[c - 1], min(text_width(str(value)) + 2, MAX_WIDTH))
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[ws.cell(row=3, column=c).column_letter].width = width
        print_setup(ws, title_rows="3:3", header_left=INSTITUTE)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
