"""The incident desk pages: the coordinators' queue (/coordinator/incidents/), the restricted
queue of harm done to caregivers (/coordinator/incidents/staff/), and one incident's page with
a form for each action (acknowledge, follow-up, external report, close).

Reads through ``care.incidents.selectors``, writes through ``care.incidents.services``; every
page that shows incidents writes one 접속기록 row per incident shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from care.coordinator_views import _page, coordinator_required
from care.forms import add_service_errors
from care.incidents import selectors, services
from care.incidents.api import HandlesIncidents
from care.incidents.forms import (
    AcknowledgeForm,
    CloseForm,
    ExternalReportForm,
    FollowUpForm,
    QueueFilterForm,
)
from care.incidents.models import Incident
from config.api import client_ip, role_required

handler_required = role_required(HandlesIncidents)


def _log(request: HttpRequest, incidents: Iterable[Incident]) -> None:
    services.incident_log(
        actor=request.user,  # type: ignore[arg-type]
        incidents=incidents,
        source_ip=client_ip(request),
        path=request.path,
    )


def _queue_page(request: HttpRequest, rows: Any, *, restricted: bool) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["state"]:
        rows = rows.filter(state=form.cleaned_data["state"])
    else:
        rows = rows.exclude(state=Incident.State.CLOSED)
    if form.is_valid() and form.cleaned_data["kind"]:
        rows = rows.filter(kind=form.cleaned_data["kind"])
    page = _page(request, rows)
    _log(request, page.object_list)
    return render(
        request,
        "care/incidents/queue.html",
        {
            "form": form,
            "page": page,
            "restricted": restricted,
            "rows": [
                (incident, selectors.may_see_reporter(request.user, incident))
                for incident in page.object_list
            ],
            "may_read_staff_harm": selectors.may_read_staff_harm(request.user),
        },
    )


@coordinator_required
def queue(request: HttpRequest) -> HttpResponse:
    """안전사고 신고: open first, oldest first; never harm done to a caregiver."""
    return _queue_page(request, selectors.coordinator_queue(user=request.user), restricted=False)


@handler_required
def staff_queue(request: HttpRequest) -> HttpResponse:
    """종사자 피해: administrators and the permission's holders only."""
    if not selectors.may_read_staff_harm(request.user):
        raise PermissionDenied
    return _queue_page(request, selectors.staff_harm_queue(user=request.user), restricted=True)


def _forms_for(incident: Incident) -> dict[str, forms.Form]:
    offered: dict[str, forms.Form] = {}
    if incident.state == Incident.State.OPEN:
        offered["acknowledge"] = AcknowledgeForm()
    if incident.state != Incident.State.CLOSED:
        offered["follow-up"] = FollowUpForm(auto_id="follow-up-%s")
        offered["report"] = ExternalReportForm(auto_id="report-%s")
        offered["close"] = CloseForm(auto_id="close-%s")
    return offered


def _detail(
    request: HttpRequest, incident: Incident, offered: dict[str, forms.Form], status: int = 200
) -> HttpResponse:
    _log(request, [incident])
    return render(
        request,
        "care/incidents/detail.html",
        {
            "incident": incident,
            "forms": offered,
            "shows_reporter": selectors.may_see_reporter(request.user, incident),
        },
        status=status,
    )


def _incident(request: HttpRequest, pk: int) -> Incident:
    return get_object_or_404(selectors.incident_detail_queryset(user=request.user), pk=pk)


@handler_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    return _detail(request, incident, _forms_for(incident))


# Each action: its form (bound to the POST), the service call with the cleaned data, and what
# the page says when it is done.
Action = tuple[Callable[[Any], forms.Form], Callable[..., Any], str]

ACTIONS: dict[str, Action] = {
    "acknowledge": (
        lambda data: AcknowledgeForm(data),
        lambda form, **common: services.incident_acknowledge(**common),
        _("신고를 확인했습니다."),
    ),
    "follow-up": (
        lambda data: FollowUpForm(data, auto_id="follow-up-%s"),
        lambda form, **common: services.incident_follow_up_add(**common, **form.cleaned_data),
        _("후속 조치를 기록했습니다."),
    ),
    "report": (
        lambda data: ExternalReportForm(data, auto_id="report-%s"),
        lambda form, **common: services.incident_external_report_record(
            **common, **form.cleaned_data
        ),
        _("외부 기관 신고를 기록했습니다."),
    ),
    "close": (
        lambda data: CloseForm(data, auto_id="close-%s"),
        lambda form, **common: services.incident_close(**common, **form.cleaned_data),
        _("신고를 종결했습니다."),
    ),
}


@handler_required
@require_POST
def act(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One action posted from the incident's page; a refusal shows the page again with the
    form and the service's messages on their fields (400)."""
    if step not in ACTIONS:
        raise Http404
    incident = _incident(request, pk)
    make_form, call, done = ACTIONS[step]
    form = make_form(request.POST)
    if form.is_valid():
        try:
            call(form, actor=request.user, incident=incident)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("coordinator:incidents:detail", pk=pk)
    offered = _forms_for(incident)
    offered[step] = form
    return _detail(request, incident, offered, status=400)
