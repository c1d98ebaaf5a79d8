"""The counselors' desk (/consultations/): consultations with their referrals, today's and
overdue follow-ups, a person's history, and the welfare resource directory.

Pages only: forms check the input, ``consultations.services`` do the writes, the selectors do
the reads. Every page that shows a registered recipient's data writes one 접속기록 (access log)
row per recipient shown. Counselors and administrators write; coordinators read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from base.models import AccessLog
from base.services import access_log_record
from care.conferences import selectors as conference_selectors
from care.models import Recipient
from config.api import CanTakeIntake, HasRole, client_ip, role_required
from consultations import consultation_selectors, selectors, services
from consultations.callbacks import selectors as callback_selectors
from consultations.callbacks import services as callback_services
from consultations.forms import (
    ConsultationForm,
    HistoryForm,
    ReferralResourceFilter,
    ReferralTransitionForm,
    ResourceFilter,
    add_service_errors,
    digits_of,
    phone_digits,
)
from consultations.models import (
    Consultation,
    FollowUpAlert,
    Referral,
    WelfareResource,
)
from consultations.partners import selectors as partner_selectors
from consultations.resources import search_page

PAGE_SIZE = 25
RECENT_CONSULTATIONS = 20
# The home page lists the oldest overdue items first and stops here; the rest wait their turn.
OVERDUE_LIMIT = 100
PANEL_RESULTS = 20
RECIPIENT_MATCHES = 10
# The home page's cards of due action items and agreements to renew show this many.
DESK_ITEMS = 20
# Reasons a counselor must give before a referral may take these states (the service checks).
STATES_NEEDING_REASON = (Referral.State.DECLINED, Referral.State.CLOSED)

View = Callable[..., HttpResponse]


class ReadsDesk(HasRole):
    roles = ("counselor", "coordinator", "administrator")


class WritesDesk(HasRole):
    # The roles that hold add_consultation and change_referral (base.roles), so that the desk
    # and /api/v1/ agree on who may write.
    roles = ("counselor", "administrator")


reader_required = role_required(ReadsDesk)
writer_required = role_required(WritesDesk)


def _can_write(request: HttpRequest) -> bool:
    return WritesDesk().has_permission(request, None)


def _log_views(request: HttpRequest, recipients: Iterable[Recipient | None]) -> None:
    shown = {recipient.pk: recipient for recipient in recipients if recipient is not None}
    if shown:
        access_log_record(
            actor=request.user,  # type: ignore[arg-type]
            action=AccessLog.Action.VIEW,
            recipients=shown.values(),
            source_ip=client_ip(request),
            path=request.path,
        )


def _page(request: HttpRequest, rows: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the action was posted from (same site only), else ``default``."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return redirect(target)


def _resources(user: Any) -> QuerySet[WelfareResource]:
    """The directory's rows with what the desk shows of them loaded.

    ``selectors.resource_list`` loads only the codes of the regions and target groups (the API
    shows codes); the desk shows their names, which would cost a query per row.
    """
    return (
        selectors.resource_list(user=user)
        .prefetch_related(None)
        .prefetch_related("organization", "category", "regions", "target_groups")
    )


# --- home: today's and overdue follow-ups -------------------------------------------------


@dataclass
class FollowUpRow:
    """One overdue item: a consultation's follow-up or a referral's check."""

    kind: str
    consultation: Consultation
    referral: Referral | None
    due_on: date
    days_overdue: int
    # The day the daily task listed it, when the newest day's alerts hold it.
    alert_as_of: date | None = None
    # False for an alert whose item has been seen to since the task ran.
    open: bool = True

    @property
    def kind_label(self) -> str:
        return str(FollowUpAlert.Kind(self.kind).label)


def _overdue(
    today: date,
    consultations: QuerySet[Consultation],
    referrals: QuerySet[Referral],
    alerts: QuerySet[FollowUpAlert],
) -> tuple[list[FollowUpRow], bool]:
    """The newest day's alerts, and whatever is past due now that they do not hold yet (the
    task runs once a day). Oldest due first; at most ``OVERDUE_LIMIT`` of each kind."""
    past_due_consultations = consultations.filter(
        consultation_selectors.consultation_follow_up_due(today), follow_up_on__lt=today
    )
    past_due_referrals = referrals.filter(
        consultation_selectors.referral_follow_up_due(today), follow_up_on__lt=today
    )
    open_keys = {
        (FollowUpAlert.Kind.CONSULTATION, pk, None)
        for pk in past_due_consultations.values_list("pk", flat=True)
    } | {
        (FollowUpAlert.Kind.REFERRAL, cid, pk)
        for pk, cid in past_due_referrals.values_list("pk", "consultation_id")
    }
    rows: dict[tuple[str, int, int | None], FollowUpRow] = {}
    shown_consultations = list(
        past_due_consultations.order_by("follow_up_on", "id")[:OVERDUE_LIMIT]
    )
    shown_referrals = list(past_due_referrals.order_by("follow_up_on", "id")[:OVERDUE_LIMIT])
    for consultation in shown_consultations:
        rows[(FollowUpAlert.Kind.CONSULTATION, consultation.pk, None)] = FollowUpRow(
            kind=FollowUpAlert.Kind.CONSULTATION,
            consultation=consultation,
            referral=None,
            due_on=consultation.follow_up_on,  # type: ignore[arg-type]
            days_overdue=(today - consultation.follow_up_on).days,  # type: ignore[operator]
        )
    for referral in shown_referrals:
        rows[(FollowUpAlert.Kind.REFERRAL, referral.consultation_id, referral.pk)] = FollowUpRow(
            kind=FollowUpAlert.Kind.REFERRAL,
            consultation=referral.consultation,
            referral=referral,
            due_on=referral.follow_up_on,  # type: ignore[arg-type]
            days_overdue=(today - referral.follow_up_on).days,  # type: ignore[operator]
        )
    for alert in alerts[:OVERDUE_LIMIT]:
        key = (alert.kind, alert.consultation_id, alert.referral_id)
        if key in rows:
            rows[key].alert_as_of = alert.as_of
        else:
            rows[key] = FollowUpRow(
                kind=alert.kind,
                consultation=alert.consultation,
                referral=alert.referral,
                due_on=alert.due_on,
                days_overdue=(today - alert.due_on).days,
                alert_as_of=alert.as_of,
                open=key in open_keys,
            )
    more = max(len(shown_consultations), len(shown_referrals)) >= OVERDUE_LIMIT
    ordered = sorted(
        rows.values(),
        key=lambda row: (row.due_on, row.consultation.pk, row.referral.pk if row.referral else 0),
    )
    return ordered, more


@reader_required
def desk_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    mine = request.GET.get("mine") == "1"
    consultations = consultation_selectors.consultation_list(user=user)
    referrals = consultation_selectors.referral_list(user=user).select_related(
        "consultation__recipient", "consultation__counselor"
    )
    alerts = consultation_selectors.follow_up_alert_list(user=user)
    if mine:
        consultations = consultations.filter(counselor=user)
        referrals = referrals.filter(consultation__counselor=user)
        alerts = alerts.filter(consultation__counselor=user)

    today_consultations = list(
        consultations.filter(follow_up_on=today, follow_up_done_at__isnull=True).order_by(
            "held_at", "id"
        )
    )
    # Due today and not yet seen to: the rule the daily alerts apply to past days.
    today_referrals = list(
        referrals.filter(consultation_selectors.referral_follow_up_due(today))
        .filter(follow_up_on=today)
        .order_by("created_at", "id")
    )
    overdue, overdue_more = _overdue(today, consultations, referrals, alerts)
    recent = list(consultations[:RECENT_CONSULTATIONS])
    _log_views(
        request,
        [
            *(c.recipient for c in today_consultations),
            *(r.consultation.recipient for r in today_referrals),
            *(row.consultation.recipient for row in overdue),
            *(c.recipient for c in recent),
        ],
    )
    context = {
        "today": today,
        "today_count": len(today_consultations) + len(today_referrals),
        "mine": mine,
        "today_consultations": today_consultations,
        "today_referrals": today_referrals,
        "overdue": overdue,
        "overdue_more": overdue_more,
        "overdue_limit": OVERDUE_LIMIT,
        "alert_day": alerts.values_list("as_of", flat=True).first(),
        "recent": recent,
        "can_write": _can_write(request),
        "action_items": list(conference_selectors.action_items_due(user=user)[:DESK_ITEMS]),
        "renewals": list(partner_selectors.renewals_due(user=user)[:DESK_ITEMS]),
        # Residents' call-back requests waiting (상담 신청); None for who does not work them.
        "callback_open_count": callback_selectors.open_request_count(user=user),
    }
    return render(request, "consultations/home.html", context)


# --- a new consultation, with its referrals ------------------------------------------------


def _record_with_referrals(request: HttpRequest, form: ConsultationForm) -> Consultation:
    """The consultation and its referrals in one transaction: when the service refuses a
    referral (no consent, a retired resource), nothing is saved, not a consultation that
    silently lost the referrals the counselor promised."""
    actor = request.user
    with transaction.atomic():
        consultation = services.consultation_record(
            actor=actor,  # type: ignore[arg-type]
            topics=form.cleaned_data["topics"],
            share_consent=form.cleaned_data["share_consent"],
            source_ip=client_ip(request),
            **form.service_fields(),
        )
        for resource in form.cleaned_data["resources"]:
            try:
                services.referral_create(
                    actor=actor,  # type: ignore[arg-type]
                    consultation=consultation,
                    resource=resource,
                    follow_up_on=form.cleaned_data["referral_follow_up_on"],
                )
            except ValidationError as exc:
                # Say which resource of the list was refused.
                if hasattr(exc, "error_dict") and "resource" in exc.error_dict:
                    raise ValidationError(
                        {"resources": [f"{resource.name}: {m}" for m in exc.messages]}
                    ) from exc
                raise
        callback = form.cleaned_data.get("callback")
        if callback is not None:
            # The resident's request this call answered: linked and done, or nothing saved.
            callback_services.callback_request_called_back(
                actor=actor,  # type: ignore[arg-type]
                callback_request=callback,
                consultation=consultation,
                source_ip=client_ip(request),
            )
    return consultation


def _panel(request: HttpRequest) -> ReferralResourceFilter:
    """The search panel beside the form: active resources only, since only those can be
    referred to. Its fields carry the prefix ``rs`` so as not to mix with the form's."""
    return ReferralResourceFilter(
        request.GET,
        queryset=_resources(request.user).filter(status=WelfareResource.Status.ACTIVE),
        prefix="rs",
    )


def _panel_context(panel: ReferralResourceFilter) -> dict[str, Any]:
    if not panel.has_query():
        return {"panel": panel, "searched": False, "results": [], "more": False}
    valid = panel.is_valid()
    data = panel.form.cleaned_data if valid else {}
    if valid and panel.search_term():
        # The shared selector: the same first rows as ranking every match, read by tiers.
        found = search_page(
            panel.qs_without_search(), panel.search_term(), page=1, per_page=PANEL_RESULTS
        )
        results = [*found.results, *([None] if found.has_next else [])]
    else:
        results = list(panel.qs[: PANEL_RESULTS + 1])
    directory_query = urlencode(
        {
            "search": data.get("search") or "",
            "region": data["region"].code if data.get("region") else "",
            "category": data["category"].code if data.get("category") else "",
            "target_group": data["target_group"].code if data.get("target_group") else "",
            "status": WelfareResource.Status.ACTIVE,
        }
    )
    return {
        "panel": panel,
        "searched": True,
        "results": results[:PANEL_RESULTS],
        "more": len(results) > PANEL_RESULTS,
        "directory_query": directory_query,
    }


@writer_required
def consultation_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ConsultationForm(request.POST, user=user)
        if form.is_valid():
            try:
                consultation = _record_with_referrals(request, form)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                count = len(form.cleaned_data["resources"])
                messages.success(
                    request,
                    _("상담을 저장했습니다 (의뢰 %(count)d건).") % {"count": count}
                    if count
                    else _("상담을 저장했습니다."),
                )
                if consultation.outreach_session_id:
                    # Back to the outreach day, where the next consultation is one tap away.
                    return redirect(
                        "consultations:outreach:detail", consultation.outreach_session_id
                    )
                return redirect("consultations:detail", pk=consultation.pk)
    else:
        form = ConsultationForm(initial=ConsultationForm.prefill(request.GET, user), user=user)
    recipient = form.selected_recipient()
    _log_views(request, [recipient])
    callback = form.selected_callback()
    if callback is not None and request.method == "GET":
        # The form shows the resident's name and phone, copied from the request.
        callback_services.callback_request_log(
            actor=user,  # type: ignore[arg-type]
            callback_request=callback,
            action=AccessLog.Action.VIEW,
            source_ip=client_ip(request),
            path=request.path,
        )
    context = {
        "form": form,
        "callback_request": callback,
        "outreach_session": form.selected_session(),
        "selected_recipient": recipient,
        "selected_resources": form.selected_resources(),
        **_panel_context(_panel(request)),
    }
    return render(request, "consultations/consultation_form.html", context)


@writer_required
def resource_search(request: HttpRequest) -> HttpResponse:
    """The search panel's results alone, for the form page's script to put in place."""
    return render(request, "consultations/_resource_results.html", _panel_context(_panel(request)))


@writer_required
def recipient_search(request: HttpRequest) -> JsonResponse:
    """Registered recipients by name or phone, for the form's person picker (JSON)."""
    q = request.GET.get("q", "").strip()[:50]
    digits = digits_of(q)
    if len(q) < 2:
        return JsonResponse({"results": []})
    match = Q(name__icontains=q)
    if len(digits) >= 4:
        match |= Q(phone_digits__contains=digits)
    found = list(
        Recipient.objects.visible_to(request.user)
        .select_related("region")
        .alias(phone_digits=phone_digits("phone"))
        .filter(match)
        .order_by("name", "id")[:RECIPIENT_MATCHES]
    )
    _log_views(request, found)
    return JsonResponse(
        {
            "results": [
                {
                    "id": recipient.pk,
                    "name": recipient.name,
                    "birth_date": recipient.birth_date.isoformat(),
                    "phone": recipient.phone,
                    "region": recipient.region.code,
                    "region_name": recipient.region.name,
                    "admin_unit": recipient.admin_unit,
                    "status": recipient.get_status_display(),
                }
                for recipient in found
            ]
        }
    )


# --- a consultation, its referrals and their states ----------------------------------------


def _intake_url(consultation: Consultation) -> str | None:
    """The coordinator's intake, filled in with what the consultation knows of the person.

    Only for someone identified who is not a registered recipient yet.
    """
    if consultation.is_anonymous or consultation.recipient_id:
        return None
    if not consultation.person_name and not consultation.person_contact:
        return None
    notes = _("%(program)s 상담기록 #%(id)d (%(day)s)에서 넘김: %(summary)s") % {
        "program": consultation.program.name,
        "id": consultation.pk,
        "day": timezone.localdate(consultation.held_at).isoformat(),
        "summary": Truncator(consultation.summary).chars(300),
    }
    params = {
        "name": consultation.person_name,
        "phone": consultation.person_contact,
        "region": consultation.region.code if consultation.region_id else "",
        "referral_source": consultation.program.name,
        "notes": notes,
    }
    query = urlencode({key: value for key, value in params.items() if value})
    return f"{reverse('coordinator:recipient-new')}?{query}"


@reader_required
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    consultation = get_object_or_404(consultation_selectors.consultation_list(user=user), pk=pk)
    referrals = (
        consultation_selectors.referral_list(user=user)
        .filter(consultation=consultation)
        .order_by("created_at", "id")
    )
    labels = dict(Referral.State.choices)
    rows = [
        (
            referral,
            [(state, labels[state]) for state in Referral.TRANSITIONS[referral.state]],
            [
                (change, labels.get(change.to_state, change.to_state))
                for change in referral.history.all()
            ],
        )
        for referral in referrals
    ]
    _log_views(request, [consultation.recipient])
    context = {
        "consultation": consultation,
        "referral_rows": rows,
        "states_needing_reason": STATES_NEEDING_REASON,
        "can_write": _can_write(request),
        "intake_url": _intake_url(consultation),
        "can_intake": CanTakeIntake().has_permission(request, None),
        "today": timezone.localdate(),
    }
    return render(request, "consultations/consultation_detail.html", context)


@writer_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(Consultation.objects.visible_to(request.user), pk=pk)
    try:
        services.consultation_follow_up_done(
            actor=request.user,  # type: ignore[arg-type]
            consultation=consultation,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("추후 상담을 완료로 기록했습니다."))
    return _back(request, reverse("consultations:detail", args=[consultation.pk]))


@writer_required
@require_POST
def referral_transition(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(
        consultation_selectors.referral_list(user=request.user).select_related("resource"), pk=pk
    )
    form = ReferralTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("바꿀 상태를 고르세요."))
    else:
        try:
            referral = services.referral_transition(
                actor=request.user,  # type: ignore[arg-type]
                referral=referral,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(resource)s 의뢰를 '%(state)s'(으)로 바꿨습니다.")
                % {"resource": referral.resource.name, "state": referral.get_state_display()},
            )
    return _back(request, reverse("consultations:detail", args=[referral.consultation_id]))


# --- a person's history --------------------------------------------------------------------


@reader_required
def history(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = HistoryForm(request.GET or None, user=user)
    page = None
    if form.is_valid():
        consultations = form.consultations_of(
            consultation_selectors.consultation_list(user=user)
        ).order_by("-held_at", "-id")
        page = _page(request, consultations)
        _log_views(
            request,
            [form.cleaned_data["recipient"], *(c.recipient for c in page.object_list)],
        )
    return render(
        request,
        "consultations/history.html",
        {"form": form, "page": page, "can_write": _can_write(request)},
    )


# --- the directory -------------------------------------------------------------------------


@reader_required
def directory(request: HttpRequest) -> HttpResponse:
    filters = ResourceFilter(request.GET or None, queryset=_resources(request.user))
    if filters.is_bound and filters.is_valid() and filters.search_term():
        page, capped = _search_page(request, filters)
    else:
        page, capped = _page(request, filters.qs), False
    return render(
        request,
        "consultations/directory.html",
        {"filter": filters, "page": page, "count_capped": capped},
    )


def _search_page(request: HttpRequest, filters: ResourceFilter) -> tuple[Page, bool]:
    """A page of a directory search from the shared selector (``search_page``), as a Django
    ``Page``: its count is capped at 1,000, and past the cap there is a next page as long as
    the page is full."""
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    found = search_page(
        filters.qs_without_search(), filters.search_term(), page=number, per_page=PAGE_SIZE
    )
    if number > 1 and not found.results:  # past the end: the last page, as get_page does
        number = max(1, -(-found.count // PAGE_SIZE))
        found = search_page(
            filters.qs_without_search(), filters.search_term(), page=number, per_page=PAGE_SIZE
        )
    pages = max(1, -(-found.count // PAGE_SIZE), number + (1 if found.has_next else 0))
    paginator = _KnownCountPaginator(found.count, pages)
    return Page(found.results, number, paginator), found.count_capped


@dataclass(frozen=True)
class _KnownCountPaginator:
    """What a ``Page`` and the pagination template ask of their paginator."""

    count: int
    num_pages: int

    def validate_number(self, number: int) -> int:
        return number


@reader_required
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resource = get_object_or_404(_resources(request.user), pk=pk)
    return render(request, "consultations/resource_detail.html", {"resource": resource})
