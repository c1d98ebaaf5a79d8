"""The case conference desk pages (/coordinator/conferences/): the list, a conference's page,
the form to record or change one (with its attendees, episodes and action items), and the
"done" button of an action item, which its owner presses from their own desk.

Reads through ``care.conferences.selectors``, writes through ``care.conferences.services``;
every page that shows the people discussed writes one 접속기록 row per person.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from base.roles import has_role
from care.conferences import selectors, services
from care.conferences.forms import (
    ActionItemFormSet,
    AttendeeFormSet,
    ConferenceForm,
    EpisodeFormSet,
    filled_rows,
)
from care.conferences.models import ActionItem, CaseConference
from care.coordinator_views import _back, _log_views, _page, coordinator_required
from config.api import HasRole, client_ip, role_required


class OwnsActionItems(HasRole):
    """Who may have action items on their desk: the office roles that attend conferences."""

    roles = ("coordinator", "administrator", "counselor")


@coordinator_required
def conference_list(request: HttpRequest) -> HttpResponse:
    conferences = selectors.conference_list(user=request.user)
    page = _page(request, conferences)
    _log_views(request, selectors.recipients_of(page.object_list))
    return render(
        request, "care/conferences/list.html", {"page": page, "today": timezone.localdate()}
    )


@coordinator_required
def conference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conference = get_object_or_404(selectors.conference_list(user=request.user), pk=pk)
    _log_views(request, selectors.recipients_of([conference]))
    return render(
        request,
        "care/conferences/detail.html",
        {"conference": conference, "today": timezone.localdate()},
    )


def _formsets(request: HttpRequest, conference: CaseConference | None) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else None
    initial: dict[str, list[dict[str, Any]]] = {"attendees": [], "episodes": [], "actions": []}
    if conference is not None:
        initial["attendees"] = [
            {"user": a.user_id, "name": a.name, "role": a.role, "organization": a.organization_id}
            for a in conference.attendees.all()
        ]
        initial["episodes"] = [
            {"episode": d.episode_id, "notes": d.notes} for d in conference.discussions.all()
        ]
        initial["actions"] = [
            {"id": i.pk, "text": i.text, "owner": i.owner_id, "due_on": i.due_on}
            for i in conference.action_items.all()
        ]
    return {
        "attendees": AttendeeFormSet(data, prefix="attendees", initial=initial["attendees"]),
        "episodes": EpisodeFormSet(
            data,
            prefix="episodes",
            initial=initial["episodes"],
            form_kwargs={"user": request.user},
        ),
        "actions": ActionItemFormSet(data, prefix="actions", initial=initial["actions"]),
    }


def _conference_form(request: HttpRequest, conference: CaseConference | None) -> HttpResponse:
    initial = {"chair": request.user.pk}
    if conference is not None:
        initial = {
            "held_on": conference.held_on,
            "title": conference.title,
            "place": conference.place,
            "chair": conference.chair_id,
            "decisions": conference.decisions,
        }
    form = ConferenceForm(request.POST or None, initial=initial)
    formsets = _formsets(request, conference)
    service_errors: list[str] = []
    if (
        request.method == "POST"
        and form.is_valid()
        and all(formset.is_valid() for formset in formsets.values())
    ):
        rows = {
            "attendees": filled_rows(formsets["attendees"]),
            "episodes": filled_rows(formsets["episodes"]),
            "action_items": filled_rows(formsets["actions"]),
        }
        common = {"actor": request.user, "source_ip": client_ip(request)}
        try:
            if conference is None:
                conference = services.conference_create(**common, **form.cleaned_data, **rows)
                messages.success(request, _("사례회의를 기록했습니다."))
            else:
                conference = services.conference_update(
                    **common, conference=conference, **form.cleaned_data, **rows
                )
                messages.success(request, _("사례회의를 고쳤습니다."))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else []:
                if field in form.fields:
                    form.add_error(field, errors)
                else:
                    service_errors.extend(errors)
            if not hasattr(exc, "error_dict"):
                service_errors.extend(exc.messages)
        else:
            return redirect("coordinator:conferences:detail", conference.pk)
    if conference is not None:
        _log_views(request, selectors.recipients_of([conference]))
    return render(
        request,
        "care/conferences/form.html",
        {"form": form, **formsets, "conference": conference, "service_errors": service_errors},
    )


@coordinator_required
def conference_new(request: HttpRequest) -> HttpResponse:
    return _conference_form(request, None)


@coordinator_required
def conference_edit(request: HttpRequest, pk: int) -> HttpResponse:
    conference = get_object_or_404(selectors.conference_list(user=request.user), pk=pk)
    return _conference_form(request, conference)


@require_POST
@role_required(OwnsActionItems)
def action_item_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner (or a coordinator) marks an item done, from whichever desk shows it."""
    items = ActionItem.objects.all()
    if not has_role(request.user, *services.WRITERS):
        items = items.filter(owner=request.user)  # another's item: 404, as on the API
    item = get_object_or_404(items, pk=pk)
    try:
        services.action_item_mark_done(actor=request.user, item=item)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("할 일을 완료로 표시했습니다: %(text)s") % {"text": item.text})
    return _back(request, reverse("desk"))
