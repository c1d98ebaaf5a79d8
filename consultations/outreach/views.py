"""The outreach pages of the counselors' desk (/consultations/outreach/): a month's outreach
days, recording a day, a day's page with its consultations (and a button to add one, filled
in with the day, the site's 시·군, the channel and the program), and the sites.

Counselors and administrators write; coordinators read. Pages only: forms check input, the
services write, the selectors read.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from care.forms import add_service_errors
from consultations.desk_views import _can_write, _log_views, reader_required, writer_required
from consultations.outreach import selectors, services
from consultations.outreach.forms import OutreachSessionForm, OutreachSiteForm, month_of
from consultations.outreach.models import OutreachSession, OutreachSite


def _previous(day: Any) -> str:
    return f"{day.year - (day.month == 1)}-{(day.month - 2) % 12 + 1:02d}"


def _next(day: Any) -> str:
    return f"{day.year + (day.month == 12)}-{day.month % 12 + 1:02d}"


@reader_required
def session_list(request: HttpRequest) -> HttpResponse:
    first = month_of(request.GET.get("month"))
    sessions = list(
        selectors.sessions_in_month(user=request.user, year=first.year, month=first.month)
    )
    context = {
        "month": first,
        "month_value": f"{first:%Y-%m}",
        "previous_month": _previous(first),
        "next_month": _next(first),
        "sessions": sessions,
        "consultation_total": sum(s.consultation_count for s in sessions),  # type: ignore[attr-defined]
        "can_write": _can_write(request),
    }
    return render(request, "consultations/outreach/session_list.html", context)


def _session_fields(form: OutreachSessionForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "held_on": data["held_on"],
        "site": data["site"],
        "organization": data["organization"],
        "staff": data["staff"],
        "attendees": data["attendees"],
        "notes": data["notes"],
        "program": data["program"],
    }


@writer_required
def session_new(request: HttpRequest) -> HttpResponse:
    form = OutreachSessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=request.user, **_session_fields(form))  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("찾아가는 상담 회차를 기록했습니다. 이 날의 상담을 추가하세요.")
            )
            return redirect("consultations:outreach:detail", pk=session.pk)
    return render(
        request, "consultations/outreach/session_form.html", {"form": form, "session": None}
    )


@writer_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(selectors.session_list(user=request.user), pk=pk)
    initial = {
        "held_on": session.held_on,
        "site": session.site,
        "organization": session.organization,
        "staff": list(session.staff.all()),
        "attendees": session.attendees,
        "notes": session.notes,
        "program": session.program,
    }
    form = OutreachSessionForm(request.POST or None, initial=initial)
    # A site retired since stays choosable for the day that was held there.
    form.fields["site"].queryset = OutreachSite.objects.filter(  # type: ignore[attr-defined]
        Q(is_active=True) | Q(pk=session.site_id)
    ).select_related("region")
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(actor=request.user, session=session, **_session_fields(form))  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("회차를 고쳤습니다."))
            return redirect("consultations:outreach:detail", pk=session.pk)
    return render(
        request, "consultations/outreach/session_form.html", {"form": form, "session": session}
    )


@reader_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session: OutreachSession = get_object_or_404(selectors.session_list(user=request.user), pk=pk)
    consultations = list(selectors.session_consultations(session=session))
    _log_views(request, [c.recipient for c in consultations])
    context = {
        "session": session,
        "consultations": consultations,
        "can_write": _can_write(request),
        "add_url": f"{reverse('consultations:new')}?outreach_session={session.pk}",
    }
    return render(request, "consultations/outreach/session_detail.html", context)


@reader_required
def site_list(request: HttpRequest) -> HttpResponse:
    sites = selectors.site_list(user=request.user).order_by(
        "-is_active", "region__sort_order", "name"
    )
    return render(
        request,
        "consultations/outreach/site_list.html",
        {"sites": sites, "can_write": _can_write(request)},
    )


@writer_required
def site_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    site = get_object_or_404(selectors.site_list(user=request.user), pk=pk) if pk else None
    form = OutreachSiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.SITE_FIELDS}
        try:
            services.site_save(site=site, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("장소를 저장했습니다."))
            return redirect("consultations:outreach:sites")
    return render(request, "consultations/outreach/site_form.html", {"form": form, "site": site})
