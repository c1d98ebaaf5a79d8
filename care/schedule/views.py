"""The schedule's desk pages (/coordinator/schedule/): the week per 시·군 or corps member,
today's late and missed visits, and covering a caregiver's day in one submit.

Reads through ``care.schedule.selectors``, writes through ``care.schedule.services``; every
page that shows recipients writes one 접속기록 row per recipient shown.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from care.coordinator_views import _log_views, coordinator_required
from care.schedule import selectors, services
from care.schedule.forms import CoverDayForm, WeekForm
from care.schedule.models import ScheduledVisit
from volunteers.models import CorpsMember

# Substitutes offered per visit on the cover page.
SUBSTITUTES_SHOWN = 5


@coordinator_required
def week(request: HttpRequest) -> HttpResponse:
    form = WeekForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    day = data.get("week") or timezone.localdate()
    monday = selectors.week_start(day)
    region = data.get("region")
    member = data.get("corps_member")
    schedule = selectors.schedule_week(
        user=request.user, monday=monday, region=region, corps_member=member
    )
    _log_views(request, schedule.recipients)

    def week_url(target: Any) -> str:
        query = {"week": target.isoformat()}
        if region is not None:
            query["region"] = region.code
        if member is not None:
            query["corps_member"] = member.pk
        return "?" + urlencode(query)

    return render(
        request,
        "care/schedule/week.html",
        {
            "form": form,
            "week": schedule,
            "region": region,
            "member": member,
            "by_member": member is None,
            "previous_url": week_url(schedule.previous),
            "next_url": week_url(schedule.next),
            "today": timezone.localdate(),
        },
    )


@coordinator_required
def attention(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.scheduled_visits_needing_attention(user=request.user))
    _log_views(request, (row.recipient for row in rows))
    return render(
        request,
        "care/schedule/attention.html",
        {
            "late": [row for row in rows if row.state == ScheduledVisit.State.LATE],
            "missed": [row for row in rows if row.state == ScheduledVisit.State.MISSED],
            "today": timezone.localdate(),
        },
    )


def _cover_rows(visits: list[ScheduledVisit]) -> list[dict[str, Any]]:
    """Each visit of the day with its suggested substitutes, the first preselected — but not
    one already preselected for an overlapping visit of the same day."""
    rows: list[dict[str, Any]] = []
    chosen: list[tuple[int, ScheduledVisit]] = []
    for visit in visits:
        suggestions = services.substitute_suggestions(
            scheduled_visit=visit, limit=SUBSTITUTES_SHOWN
        )
        ends = visit.starts_at + timedelta(minutes=visit.planned_minutes)
        busy = {
            member_id
            for member_id, other in chosen
            if other.starts_at < ends
            and visit.starts_at < other.starts_at + timedelta(minutes=other.planned_minutes)
        }
        preselected = next(
            (s.corps_member.pk for s in suggestions if s.corps_member.pk not in busy), None
        )
        if preselected is not None:
            chosen.append((preselected, visit))
        rows.append({"visit": visit, "suggestions": suggestions, "preselected": preselected})
    return rows


@coordinator_required
def cover_day(request: HttpRequest) -> HttpResponse:
    """대체 방문: choose a corps member and a day; each of their visits that day comes with
    suggested substitutes preselected, and one submit reassigns them all."""
    source = request.POST if request.method == "POST" else request.GET
    form = CoverDayForm(source or None)
    if not form.is_valid():
        return render(request, "care/schedule/cover.html", {"form": form, "rows": None})
    member: CorpsMember = form.cleaned_data["corps_member"]
    day = form.cleaned_data["day"]
    if request.method == "POST":
        substitutes: dict[int, CorpsMember] = {}
        wanted = {
            int(name.removeprefix("substitute_")): value
            for name, value in request.POST.items()
            if name.startswith("substitute_") and value and name[11:].isdigit()
        }
        members = CorpsMember.objects.in_bulk(
            [int(value) for value in wanted.values() if value.isdigit()]
        )
        for visit_id, value in wanted.items():
            if value.isdigit() and int(value) in members:
                substitutes[visit_id] = members[int(value)]
        try:
            done = services.scheduled_visits_reassign_day(
                actor=request.user,  # type: ignore[arg-type]
                corps_member=member,
                day=day,
                substitutes=substitutes,
                reason=request.POST.get("reason", "")[:300],
                compliance_override_reason=request.POST.get("compliance_override_reason", "")[:300],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s 단원의 %(day)s 방문 %(count)d건을 대체 단원에게 넘겼습니다.")
                % {"name": member.name, "day": day.isoformat(), "count": len(done)},
            )
            return redirect(
                reverse("coordinator:schedule:week")
                + "?"
                + urlencode({"week": day.isoformat(), "region": member.region.code})
            )
    visits = list(
        ScheduledVisit.objects.visible_to(request.user)
        .filter(corps_member=member, occurrence_date=day, state__in=services.CHANGEABLE_STATES)
        .select_related("recipient", "plan_entry")
        .order_by("starts_at", "id")
    )
    _log_views(request, (visit.recipient for visit in visits))
    return render(
        request,
        "care/schedule/cover.html",
        {"form": form, "member": member, "day": day, "rows": _cover_rows(visits)},
    )
