"""The coordinators' statement page (/coordinator/statements/): the month's activity statement
with its download, the programs' spend beside their budgets, and planned vs delivered minutes
month by month. Corps members' figures only: no recipient is shown, so nothing is logged.

The download names every recipient visited: it asks for its purpose first
(/coordinator/statements/download/, base.exports) and is logged as an export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from base.exports import ExportPurposeForm
from care.statements import selectors, services
from care.statements.forms import MonthForm
from config.api import IsCoordinator, client_ip, role_required
from config.downloads import XLSX_TYPE, attachment_header


@role_required(IsCoordinator)
def statement_month(request: HttpRequest) -> HttpResponse:
    form = MonthForm(request.GET or None)
    if form.is_valid():
        year, month = form.cleaned_data["year"], form.cleaned_data["month"]
    else:
        year, month = selectors.last_month()
        if not request.GET:
            form = MonthForm(initial={"year": year, "month": month})
    rows = selectors.activity_statement(year=year, month=month)
    totals = {
        field: sum(getattr(row, field) for row in rows)
        for field in (
            "days_worked",
            "visits",
            "service_minutes",
            "unscheduled_visits",
            "missed_visits",
            "visits_without_checkout",
        )
    }
    totals["service_hours"] = selectors.hours(totals["service_minutes"])
    totals["travel_km"] = round(sum(row.travel_km for row in rows), 2)
    context = {
        "form": form,
        "year": year,
        "month": month,
        "rows": rows,
        "totals": totals,
        "travel_basis": selectors.TRAVEL_BASIS,
        "spend": selectors.program_spend(year=year, month=month),
        "planned_delivered": [
            line
            for line in selectors.planned_vs_delivered(year=year, per_episode=False)
            if line.month <= month
        ],
    }
    return render(request, "care/statements/month.html", context)


@role_required(IsCoordinator)
def statement_download(request: HttpRequest) -> HttpResponse:
    """Asks why the month's workbook is needed, then sends it (POST with the answer)."""
    month_form = MonthForm(request.GET or None)
    if month_form.is_valid():
        year, month = month_form.cleaned_data["year"], month_form.cleaned_data["month"]
    else:
        year, month = selectors.last_month()
    form = ExportPurposeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        made = services.statement_download(
            actor=request.user,
            year=year,
            month=month,
            purpose=form.answer(),
            source_ip=client_ip(request),
            path=request.get_full_path(),
        )
        response = HttpResponse(made.body, content_type=XLSX_TYPE)
        response["Content-Disposition"] = attachment_header(made.filename, made.fallback)
        return response
    month_url = f"{reverse('coordinator:statements:month')}?year={year}&month={month}"
    context = {
        "form": form,
        "export_title": _("%(year)d년 %(month)d월 활동 실적 (엑셀)")
        % {"year": year, "month": month},
        "people": selectors.statement_recipient_count(user=request.user, year=year, month=month),
        "cancel_url": month_url,
    }
    return render(request, "exports/confirm.html", context, status=400 if form.is_bound else 200)
