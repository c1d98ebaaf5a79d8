"""The coordinators' statement page (/coordinator/statements/): the month's activity statement
with its download, the programs' spend beside their budgets, and planned vs delivered minutes
month by month. Corps members' figures only: no recipient is shown, so nothing is logged."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from care.statements import selectors
from care.statements.forms import MonthForm
from config.api import IsCoordinator, role_required


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
