"""The coordinators' desk (/coordinator/): intake, assignment, visit review, exceptions, alerts.

Pages only: forms check the input, ``care.services`` and ``care.visits`` do the writes (and log
them), ``care.selectors`` do the reads. Every page that shows recipients' personal data writes
one 접속기록 (access log) row per recipient shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from base.models import AccessLog, Program
from base.services import access_log_record
from care import selectors, services, visits
from care.conferences import selectors as conference_selectors
from care.consent import selectors as consent_selectors
from care.consent import texts as consent_texts
from care.consent.forms import ConsentTakeForm, ConsentWithdrawForm
from care.episodes import selectors as episode_selectors
from care.forms import (
    AssignmentCreateForm,
    AssignmentEndForm,
    RecipientEditForm,
    RecipientIntakeForm,
    RecipientListFilter,
    SuggestionWeekdaysForm,
    VisitExceptionResolveForm,
    VisitReviewFilter,
    VisitVoidForm,
    add_service_errors,
)
from care.matching import corps_member_suggestions
from care.models import Recipient, Visit
from care.schedule import selectors as schedule_selectors
from care.statements import selectors as statement_selectors
from config.api import CanTakeIntake, IsCoordinator, client_ip, role_required
from volunteers.compliance import selectors as compliance_selectors
from volunteers.models import CorpsMember

PAGE_SIZE = 25
ALERTS_PAGE_SIZE = 50
RECENT_VISITS = 10
DESK_ITEMS = conference_selectors.DESK_ACTION_ITEMS

View = Callable[..., HttpResponse]


# Coordinators and administrators only.
coordinator_required = role_required(IsCoordinator)


# The intake page also takes counselors' hand-overs from the consultation desk.
intake_required = role_required(CanTakeIntake)


def _log_views(request: HttpRequest, recipients: Iterable[Recipient]) -> None:
    access_log_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AccessLog.Action.VIEW,
        recipients={recipient.pk: recipient for recipient in recipients}.values(),
        source_ip=client_ip(request),
        path=request.path,
    )


def _page(request: HttpRequest, rows: QuerySet, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _form_error_text(form: Any) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the action was posted from (same site only), else ``default``."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return redirect(target)


# --- dashboard ----------------------------------------------------------------------------


@coordinator_required
def desk_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    by_status = dict(
        Recipient.objects.visible_to(user)
        .order_by()
        .values_list("status")
        .annotate(count=Count("id"))
        .values_list("status", "count")
    )
    alerts = selectors.no_visit_alert_list()
    context = {
        "recipients_by_status": [
            (value, label, by_status.get(value, 0)) for value, label in Recipient.Status.choices
        ],
        "open_exceptions": selectors.visit_exception_list(user=user)
        .filter(resolved_at__isnull=True)
        .count(),
        "visits_to_verify": Visit.objects.visible_to(user)
        .filter(status=Visit.Status.SUBMITTED)
        .count(),
        "alert_count": alerts.count(),
        "alert_day": alerts.values_list("as_of", flat=True).first(),
        "today": timezone.localdate(),
        "statements": statement_selectors.desk_summary(user),
        "episodes": episode_selectors.desk_summary(user),
        "schedule": schedule_selectors.desk_summary(user),
        "action_items": list(conference_selectors.action_items_due(user=user)[:DESK_ITEMS]),
        "renewals": conference_selectors.partner_renewals_due(),
        "compliance": compliance_selectors.desk_summary(user),
    }
    return render(request, "coordinator/dashboard.html", context)


# --- recipients ---------------------------------------------------------------------------


@coordinator_required
def recipient_list(request: HttpRequest) -> HttpResponse:
    filters = RecipientListFilter(
        request.GET or None,
        queryset=consent_selectors.with_collection_withdrawn(
            selectors.recipient_list(user=request.user)
        ),
    )
    page = _page(request, filters.qs)
    _log_views(request, page.object_list)
    return render(request, "coordinator/recipient_list.html", {"filter": filters, "page": page})


@intake_required
def recipient_intake(request: HttpRequest) -> HttpResponse:
    candidates: list[Recipient] = []
    is_coordinator = IsCoordinator().has_permission(request, None)
    if request.method != "POST":
        form = RecipientIntakeForm(initial=RecipientIntakeForm.prefill(request.GET))
        return render(request, "coordinator/recipient_form.html", {"form": form})

    data = request.POST.copy()
    if not is_coordinator:
        # A counselor's hand-over waits, referred, for a coordinator to take it on; set
        # before validation, so that the rules of an active person (consent) are not asked.
        data["status"] = Recipient.Status.REFERRED
    form = RecipientIntakeForm(data)
    if form.is_valid():
        fields = form.service_fields()
        try:
            recipient = services.recipient_create(
                actor=request.user,  # type: ignore[arg-type]
                source_ip=client_ip(request),
                needs=form.cleaned_data["needs"],
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
                consents=form.consents,
                **fields,
            )
        except services.PossibleDuplicate as duplicate:
            candidates = duplicate.candidates
            # The candidates are other people's personal data shown on this page.
            _log_views(request, candidates)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if not is_coordinator:
                messages.success(
                    request,
                    _("%(name)s 님을 긴급돌봄 의뢰로 넘겼습니다. 코디네이터가 접수합니다.")
                    % {"name": recipient.name},
                )
                return redirect("consultations:home")
            messages.success(request, _("%(name)s 님을 등록했습니다.") % {"name": recipient.name})
            return redirect("coordinator:recipient-detail", pk=recipient.pk)
    return render(
        request, "coordinator/recipient_form.html", {"form": form, "candidates": candidates}
    )


@coordinator_required
def recipient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    recipient = get_object_or_404(
        Recipient.objects.visible_to(user)
        .select_related("region", "created_by")
        .prefetch_related("needs"),
        pk=pk,
    )
    weekdays_form = SuggestionWeekdaysForm(request.GET or None)
    weekdays = weekdays_form.cleaned_data["weekdays"] if weekdays_form.is_valid() else []
    suggestions = (
        corps_member_suggestions(recipient=recipient, weekdays=weekdays)
        if recipient.status != Recipient.Status.CLOSED
        else []
    )
    _log_views(request, [recipient])
    consents = consent_selectors.consent_standings(user=user, recipient=recipient)
    # Each suggested member's lapsed or missing required items for this person's category:
    # the board says so beside the member and asks for a reason before assigning them.
    standings = compliance_selectors.standings(
        members=[suggestion.corps_member for suggestion in suggestions],
        category=recipient.category,
    )
    context = {
        "recipient": recipient,
        "suggestion_rows": [
            (suggestion, [item for item in standing.items if item.blocks])
            for suggestion, standing in zip(suggestions, standings, strict=True)
        ],
        "assignments": selectors.assignment_list(user=user)
        .filter(recipient=recipient)
        .order_by("-starts_on", "-id"),
        "visits": selectors.visit_list(user=user).filter(recipient=recipient)[:RECENT_VISITS],
        "weekdays_form": weekdays_form,
        "weekdays": weekdays,
        "suggestions": suggestions,
        "programs": list(Program.objects.filter(is_active=True)),
        "today": timezone.localdate(),
        "consents": consents,
        # Withdrawing collection_use closes nothing by itself: the page flags the person.
        "collection_withdrawn": consents[0].withdrawn
        and recipient.status != Recipient.Status.CLOSED,
        "consent_form": ConsentTakeForm(auto_id="consent_%s"),
        "withdraw_form": ConsentWithdrawForm(),
        "consent_texts": consent_texts.CURRENT.values(),
    }
    return render(request, "coordinator/recipient_detail.html", context)


@coordinator_required
@require_POST
def recipient_assign(request: HttpRequest, pk: int) -> HttpResponse:
    recipient = get_object_or_404(Recipient.objects.visible_to(request.user), pk=pk)
    form = AssignmentCreateForm(
        request.POST, corps_members=CorpsMember.objects.visible_to(request.user)
    )
    if not form.is_valid():
        messages.error(request, _form_error_text(form))
    else:
        try:
            assignment = services.assignment_create(
                actor=request.user,  # type: ignore[arg-type]
                recipient=recipient,
                source_ip=client_ip(request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                _("%(member)s 단원에게 배정했습니다 (%(program)s, %(starts_on)s부터).")
                % {
                    "member": assignment.corps_member.name,
                    "program": assignment.program.name,
                    "starts_on": assignment.starts_on.isoformat(),
                },
            )
    # Back to the board with the weekdays the coordinator had ticked.
    target = reverse("coordinator:recipient-detail", args=[recipient.pk])
    weekdays = SuggestionWeekdaysForm(request.POST)
    if weekdays.is_valid() and weekdays.cleaned_data["weekdays"]:
        target += "?" + urlencode({"weekdays": weekdays.cleaned_data["weekdays"]}, doseq=True)
    return redirect(target)


@coordinator_required
def recipient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    recipient = get_object_or_404(
        Recipient.objects.visible_to(request.user)
        .select_related("region")
        .prefetch_related("needs"),
        pk=pk,
    )
    if request.method != "POST":
        _log_views(request, [recipient])
        form = RecipientEditForm(instance=recipient)
        return render(
            request, "coordinator/recipient_form.html", {"form": form, "recipient": recipient}
        )

    form = RecipientEditForm(request.POST, instance=recipient)
    if form.is_valid():
        try:
            services.recipient_update(
                actor=request.user,  # type: ignore[arg-type]
                recipient=recipient,
                source_ip=client_ip(request),
                needs=form.cleaned_data["needs"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s 님의 정보를 고쳤습니다.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("coordinator:recipient-detail", pk=recipient.pk)
    return render(
        request, "coordinator/recipient_form.html", {"form": form, "recipient": recipient}
    )


@coordinator_required
@require_POST
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(selectors.assignment_list(user=request.user), pk=pk)
    form = AssignmentEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_text(form))
    else:
        try:
            services.assignment_end(
                actor=request.user,  # type: ignore[arg-type]
                assignment=assignment,
                ends_on=form.cleaned_data["ends_on"],
                source_ip=client_ip(request),
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                _("%(member)s 단원의 배정을 %(day)s에 끝냈습니다.")
                % {
                    "member": assignment.corps_member.name,
                    "day": form.cleaned_data["ends_on"].isoformat(),
                },
            )
    return redirect(
        reverse("coordinator:recipient-detail", args=[assignment.recipient_id]) + "#assignments"
    )


# --- corps members ------------------------------------------------------------------------


@coordinator_required
def corps_members(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    page = _page(request, selectors.corps_member_load_list(user=request.user, week_of=today))
    members = list(page.object_list)
    standings = compliance_selectors.standings(members=members, on=today)
    return render(
        request,
        "coordinator/corps_member_list.html",
        {
            "page": page,
            "rows": list(zip(members, standings, strict=True)),
            "monday": schedule_selectors.week_start(today),
        },
    )


# --- visits -------------------------------------------------------------------------------


def _review_filter(request: HttpRequest, data: Any) -> VisitReviewFilter:
    return VisitReviewFilter(data, queryset=selectors.visit_review_list(user=request.user))


def _without_open_exceptions(visits_qs: QuerySet[Visit]) -> QuerySet[Visit]:
    return visits_qs.with_open_exceptions(False)  # type: ignore[attr-defined]


def _visits_url(query: dict[str, str]) -> str:
    url = reverse("coordinator:visits")
    return f"{url}?{urlencode(query)}" if query else url


@coordinator_required
def visits_to_verify(request: HttpRequest) -> HttpResponse:
    filters = _review_filter(request, request.GET)
    # A bad filter (a date typed wrong) lists nothing rather than everything: django-filter
    # drops the bad field, which would widen the list the bulk verify acts on.
    rows = filters.qs if filters.is_valid() else filters.queryset.none()
    page = _page(request, rows)
    _log_views(request, (visit.recipient for visit in page.object_list))
    context = {
        "filter": filters,
        "page": page,
        "verifiable": _without_open_exceptions(rows).count(),
        "query": urlencode(filters.clean_query()),
    }
    return render(request, "coordinator/visit_list.html", context)


@coordinator_required
def visits_verify_bulk(request: HttpRequest) -> HttpResponse:
    """Verify the filtered visits without open exceptions: GET asks once, with the count;
    POST (the same filter, and the newest visit the coordinator was shown) does it."""
    data = request.POST if request.method == "POST" else request.GET
    filters = _review_filter(request, data)
    if not filters.is_valid():
        messages.error(request, _("조건을 다시 확인해 주세요."))
        return redirect(reverse("coordinator:visits"))
    query = filters.clean_query()
    if request.method != "POST":
        chosen = _without_open_exceptions(filters.qs)
        counts = chosen.order_by().aggregate(count=Count("pk"), newest=Max("pk"))
        context = {
            "filter": filters,
            "query": query,
            "verifiable": counts["count"],
            "newest": counts["newest"],
            "with_exceptions": filters.qs.count() - counts["count"],
            "back": _visits_url(query),
        }
        return render(request, "coordinator/visit_verify_bulk.html", context)

    try:
        newest = int(request.POST.get("newest", ""))
    except ValueError:
        messages.error(request, _("확인할 방문이 없습니다."))
        return redirect(_visits_url(query))
    # Visits that arrived after the confirmation was shown are left for the next look.
    verified = visits.visits_verify_bulk(
        actor=request.user,  # type: ignore[arg-type]
        visits_qs=filters.qs.filter(pk__lte=newest),
        source_ip=client_ip(request),
        path=request.path,
    )
    messages.success(request, _("방문기록 %(count)d건을 확인했습니다.") % {"count": verified})
    return redirect(_visits_url(query))


@coordinator_required
@require_POST
def visit_verify(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.visible_to(request.user), pk=pk)
    try:
        visits.visit_verify(actor=request.user, visit=visit)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("방문기록을 확인했습니다."))
    return _back(request, reverse("coordinator:visits"))


@coordinator_required
@require_POST
def visit_void(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.visible_to(request.user), pk=pk)
    form = VisitVoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("무효 사유를 적어 주세요."))
        return _back(request, reverse("coordinator:visits"))
    try:
        visits.visit_void(
            actor=request.user,  # type: ignore[arg-type]
            visit=visit,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("방문기록을 무효 처리했습니다."))
    return _back(request, reverse("coordinator:visits"))


# --- exceptions ---------------------------------------------------------------------------


@coordinator_required
def open_exceptions(request: HttpRequest) -> HttpResponse:
    pending = (
        selectors.visit_exception_list(user=request.user)
        .filter(resolved_at__isnull=True)
        .order_by("-created_at", "-id")
    )
    page = _page(request, pending)
    _log_views(request, (exception.visit.recipient for exception in page.object_list))
    return render(request, "coordinator/exception_list.html", {"page": page})


@coordinator_required
@require_POST
def exception_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    exception = get_object_or_404(selectors.visit_exception_list(user=request.user), pk=pk)
    form = VisitExceptionResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_text(form))
        return _back(request, reverse("coordinator:exceptions"))
    try:
        visits.visit_exception_resolve(
            actor=request.user,  # type: ignore[arg-type]
            exception=exception,
            resolution=form.cleaned_data["resolution"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("예외(%(kind)s)를 처리했습니다.") % {"kind": exception.get_kind_display()},
        )
    return _back(request, reverse("coordinator:exceptions"))


# --- no-visit alerts ----------------------------------------------------------------------


@coordinator_required
def no_visit_alerts(request: HttpRequest) -> HttpResponse:
    # Never visited first, then the longest silence; spelled out because databases disagree
    # on where NULLs sort by default.
    alerts = selectors.no_visit_alert_list().order_by(
        F("last_visit_at").asc(nulls_first=True), "id"
    )
    page = _page(request, alerts, ALERTS_PAGE_SIZE)
    today = timezone.localdate()
    rows = [
        (
            alert,
            (today - timezone.localdate(alert.last_visit_at)).days if alert.last_visit_at else None,
        )
        for alert in page.object_list
    ]
    _log_views(request, (alert.recipient for alert in page.object_list))
    return render(
        request,
        "coordinator/alert_list.html",
        {"page": page, "rows": rows, "as_of": rows[0][0].as_of if rows else None},
    )
