"""The caregivers' tablet pages (/tablet/): thin views over care's querysets.

The pages are rendered on the server so that the service worker can keep them whole for use
offline: the visit screen carries the recipient and the service types in its own HTML, and
needs no API call to be filled in. Visits are never posted from a form here; the page's script
puts them in the tablet's IndexedDB outbox first and sends them through the sync API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from base.models import AccessLog, ServiceType
from base.services import access_log_record
from care.incidents import selectors as incident_selectors
from care.incidents.models import Incident
from care.models import Recipient
from care.schedule.models import ScheduledVisit
from care.schedule.selectors import (
    caregiver_day,
    caregiver_offline_set,
    caregiver_scheduled_visit,
)
from care.statements.selectors import activity_statement
from config.api import client_ip

# Files the service worker stores at install, so that every tablet page renders offline.
STATIC_ASSETS = (
    "css/app.css",
    "tablet/tablet.css",
    "tablet/app.js",
    "tablet/outbox.js",
    "tablet/visit.js",
    "tablet/visits.js",
    "tablet/schedule.js",
    "tablet/incident.js",
    "tablet/privacy.js",
    "tablet/icon.svg",
    "tablet/icon-192.png",
    "tablet/icon-512.png",
)

# What the scripts show, kept in the gettext catalogue with the templates' text: the pages
# embed it as JSON, so there is no JavaScript catalogue to fetch (and to cache) offline.
SCRIPT_TEXT = {
    "online": _("온라인"),
    "offline": _("오프라인"),
    "pending": _("전송 대기 {n}건"),
    "attention": _("확인 필요 {n}건"),
    "syncing": _("전송 중…"),
    "synced": _("{n}건을 전송했습니다."),
    "nothing_to_sync": _("보낼 기록이 없습니다."),
    "sync_offline": _("오프라인입니다. 연결되면 자동으로 전송합니다."),
    "sync_server_error": _("서버 오류로 전송하지 못했습니다({status}). 잠시 뒤 다시 시도합니다."),
    "sync_attention": _("{n}건은 확인이 필요합니다. 최근 방문에서 내용을 확인하세요."),
    "relogin": _("로그인이 만료되었습니다. 다시 로그인하세요."),
    "relogin_link": _("다시 로그인"),
    "offline_ready": _("오프라인 사용 준비됨"),
    "checked_in_at": _("체크인 {time}"),
    "checked_out_at": _("체크아웃 {time}"),
    "not_checked_in": _("아직 체크인하지 않았습니다."),
    "need_checkin": _("먼저 체크인하세요."),
    "need_service": _("제공한 서비스를 하나 이상 고르세요."),
    "save": _("저장"),
    "save_and_checkout": _("저장하고 체크아웃"),
    "visit_saved": _("{name} 님 방문: {message}"),
    "saved_queued": _("저장했습니다. 연결되면 전송합니다."),
    "saved_sent": _("저장하고 전송했습니다."),
    "save_failed": _("이 태블릿에 저장하지 못했습니다: {error}"),
    "discard_confirm": _("체크인을 취소하고 이번 방문 기록을 지울까요?"),
    "status_pending": _("전송 대기"),
    "status_conflict": _("충돌"),
    "status_error": _("오류"),
    "status_submitted": _("제출됨"),
    "status_verified": _("확인됨"),
    "status_void": _("무효"),
    "conflict_message": _(
        "서버에 같은 기록 ID로 다른 내용이 이미 저장되어 있습니다. 서버의 기록이 유지됩니다."
    ),
    "dismiss": _("지우기"),
    "retry": _("다시 보내기"),
    "dismiss_confirm": _("이 기록을 태블릿에서 지울까요? 서버에 저장되지 않은 내용은 사라집니다."),
    "field_recipient": _("대상자"),
    "field_started_at": _("체크인"),
    "field_ended_at": _("체크아웃"),
    "field_service_types": _("서비스"),
    "field_notes": _("메모"),
    "field_client_uuid": _("기록 ID"),
    "field_corps_member": _("단원"),
    "field_program": _("사업"),
    "visits_cached": _("오프라인입니다. 마지막으로 받은 목록을 보여 줍니다."),
    "visits_failed": _("방문 목록을 불러오지 못했습니다."),
    "visits_offline": _("오프라인이라 전송된 방문 목록을 불러오지 못했습니다."),
    "visits_empty": _("최근 방문 기록이 없습니다."),
    "no_checkout": _("체크아웃 없음"),
    "recipient_number": _("대상자 #{id}"),
    "saved_on_tablet": _("태블릿 저장 {time}"),
    "logout_pending": _(
        "전송 대기 {n}건이 이 태블릿에 남아 있습니다. 다시 로그인하면 전송됩니다. 로그아웃할까요?"
    ),
    "stale_day": _("이 목록은 태블릿에 저장된 {day} 일정입니다. 연결되면 새로 받습니다."),
    "logout_offline": _("오프라인에서는 로그아웃할 수 없습니다. 연결된 뒤 다시 시도하세요."),
    "incident_saved": _("사고 신고: {message}"),
    "incident_need_kind": _("사고 유형을 고르세요."),
    "incident_need_text": _("장소와 일어난 일을 적어 주세요."),
    "incident_need_recipient": _("학대·방임 의심 신고에는 대상자를 골라야 합니다."),
    "incident_need_call": _("신고 전화를 했는지 골라 주세요."),
    "incident_future": _("발생 일시가 미래입니다."),
    "incident_need_late_reason": _("7일이 지난 일은 늦은 신고 사유를 적어 주세요."),
    "incident_label": _("사고 신고"),
}


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render a tablet page with what every page's script needs."""
    context["tablet_config"] = {
        "userId": request.user.pk,
        "text": SCRIPT_TEXT,
        "timeZone": settings.TIME_ZONE,
        "urls": {
            "home": reverse("tablet:home"),
            "visits": reverse("tablet:visits"),
            "scheduleState": reverse("tablet:schedule_state"),
            "sw": reverse("tablet:sw"),
            "scope": reverse("tablet:home"),
            "sync": "/api/v1/visits/sync/",
            "incidents": "/api/v1/incidents/",
            "visitList": "/api/v1/visits/",
            "serviceTypes": "/api/v1/service-types/",
            "login": f"{settings.LOGIN_URL}?next={reverse('tablet:home')}",
        },
        **context.pop("script_config", {}),
    }
    # Read by static/tablet/privacy.js from data attributes (the CSP allows no inline script).
    context["tablet_privacy"] = {
        "idle_clear_minutes": settings.TABLET_IDLE_CLEAR_MINUTES,
        "login_at": request.user.last_login.isoformat() if request.user.last_login else "",
    }
    response = render(request, template, context)
    # Pin the page language in the cookie LocaleMiddleware reads first: the service worker's
    # own fetches (precaching pages for offline use) may carry the browser's default
    # Accept-Language rather than the page's, and the cached pages must read the same.
    language = get_language()
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", max_age=365 * 24 * 3600
        )
    return response


def _log_view(request: HttpRequest, recipients: Any) -> None:
    access_log_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AccessLog.Action.VIEW,
        recipients=recipients,
        source_ip=client_ip(request),
        path=request.path,
    )


def _offline_urls(request: HttpRequest, today: dt.date) -> dict[str, Any]:
    """The pages the service worker keeps for use offline, and which of them to fetch again
    at every sync (the schedule: a coordinator may have changed it since)."""
    offline = caregiver_offline_set(user=request.user, day=today)
    schedule_pages = [
        reverse("tablet:home"),
        reverse("tablet:tomorrow"),
        *(reverse("tablet:scheduled_visit", args=[pk]) for pk in offline.scheduled_visit_ids),
    ]
    return {
        "precache": [
            *schedule_pages,
            reverse("tablet:visits"),
            reverse("tablet:month"),
            *(reverse("tablet:visit", args=[pk]) for pk in offline.recipient_ids),
            # An incident is reported offline too (a fall where there is no signal).
            reverse("tablet:incident"),
            *(reverse("tablet:incident", args=[pk]) for pk in offline.recipient_ids),
            "/api/v1/service-types/",
        ],
        "refresh": schedule_pages,
        "scheduleVersion": offline.version,
    }


def _schedule_page(request: HttpRequest, *, offset: int) -> HttpResponse:
    today = timezone.localdate()
    day = caregiver_day(user=request.user, day=today + dt.timedelta(days=offset))
    _log_view(request, day.recipients)
    return _page(
        request,
        "tablet/home.html",
        {
            "day": day,
            "is_today": offset == 0,
            # Starting a visit is offered for today; tomorrow's buttons are shown by the
            # page's script only when the tablet's clock says that day has come (a list
            # kept from the evening before, opened offline in the morning).
            "script_config": {
                **_offline_urls(request, today),
                "day": day.day.isoformat(),
                "today": today.isoformat(),
            },
        },
    )


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """오늘: the caregiver's scheduled visits of today in time order, then the assigned
    recipients with nothing scheduled today."""
    return _schedule_page(request, offset=0)


@never_cache
@login_required
def tomorrow(request: HttpRequest) -> HttpResponse:
    """내일: tomorrow's schedule, one tap from today (its own path, so the worker keeps it
    apart from today's page)."""
    return _schedule_page(request, offset=1)


@never_cache
@login_required
def schedule_state(request: HttpRequest) -> JsonResponse:
    """What the tablet's script asks after a sync: the pages to keep and the schedule's
    version. No personal data (ids and a digest), so no access log; never cached."""
    return JsonResponse(_offline_urls(request, timezone.localdate()))


def _visit_page(
    request: HttpRequest, recipient: Recipient, scheduled: ScheduledVisit | None = None
) -> HttpResponse:
    _log_view(request, [recipient])
    needs = {service_type.pk for service_type in recipient.needs.all()}
    planned = (
        {service_type.code for service_type in scheduled.plan_entry.service_types.all()}
        if scheduled and scheduled.plan_entry
        else set()
    )
    service_types = [
        (service_type, service_type.pk in needs, service_type.code in planned)
        for service_type in ServiceType.objects.filter(is_active=True)
    ]
    script_config: dict[str, Any] = {
        "recipient": {"id": recipient.pk, "name": recipient.name},
        "serviceNames": {st.code: st.name for st, _need, _planned in service_types},
    }
    if scheduled is not None:
        script_config["scheduledVisit"] = {
            "id": scheduled.pk,
            # Only a visit still awaited is sent with its schedule; a cancelled or done one
            # is recorded as unscheduled (care given is never refused).
            "awaiting": scheduled.state in ScheduledVisit.AWAITING,
            "plannedServices": [st.code for st, _need, is_planned in service_types if is_planned],
        }
    return _page(
        request,
        "tablet/visit.html",
        {
            "recipient": recipient,
            "scheduled": scheduled,
            "service_types": service_types,
            "can_record": hasattr(request.user, "corps_member"),
            "script_config": script_config,
        },
    )


@never_cache
@login_required
def visit(request: HttpRequest, recipient_id: int) -> HttpResponse:
    recipient = get_object_or_404(
        Recipient.objects.visible_to(request.user)
        .select_related("region")
        .prefetch_related("needs"),
        pk=recipient_id,
    )
    return _visit_page(request, recipient)


@never_cache
@login_required
def scheduled_visit(request: HttpRequest, scheduled_visit_id: int) -> HttpResponse:
    """The visit screen opened from the schedule: the recipient and the planned services are
    chosen, and the visit is sent with the scheduled visit's id. Reached through the
    caregiver's own schedule (today's or tomorrow's), so a substitute for the day, who is not
    assigned to the recipient, reaches them too."""
    scheduled = caregiver_scheduled_visit(
        user=request.user, scheduled_visit_id=scheduled_visit_id, day=timezone.localdate()
    )
    if scheduled is None:
        raise Http404
    return _visit_page(request, scheduled.recipient, scheduled)


@never_cache
@login_required
def visits(request: HttpRequest) -> HttpResponse:
    # A shell: the list comes from the visits API (which writes its own access log) and from
    # the outbox on the tablet, so that it also shows what has not been sent yet.
    return _page(request, "tablet/visits.html", {})


def _incident_page(request: HttpRequest, recipient: Recipient | None) -> HttpResponse:
    """사고 신고: the form is kept in the outbox like a visit and sent when online. The
    reporting lines of every target group are in the page, so that a suspected abuse report
    shows the line to call for the chosen recipient's group, offline too."""
    choices = (
        [recipient]
        if recipient is not None
        else list(
            Recipient.objects.visible_to(request.user)
            .filter(
                pk__in=caregiver_offline_set(
                    user=request.user, day=timezone.localdate()
                ).recipient_ids
            )
            .order_by("name", "pk")
        )
    )
    _log_view(request, choices)
    lines = list(incident_selectors.reporting_lines())
    groups = [
        (value, label, [line for line in lines if line.target_group == value])
        for value, label in Recipient.Category.choices
    ]
    return _page(
        request,
        "tablet/incident.html",
        {
            "recipient": recipient,
            "choices": choices,
            "kinds": Incident.Kind.choices,
            "mandatory_kinds": [str(kind) for kind in Incident.MANDATORY_REPORT_KINDS],
            "groups": groups,
            "can_record": hasattr(request.user, "corps_member"),
            "script_config": {
                "incident": {
                    "recipient": (
                        {"id": recipient.pk, "name": recipient.name} if recipient else None
                    ),
                    "recipients": {
                        str(choice.pk): {"name": choice.name, "category": choice.category}
                        for choice in choices
                    },
                    "mandatoryKinds": [str(kind) for kind in Incident.MANDATORY_REPORT_KINDS],
                    "aboutARecipient": [str(kind) for kind in Incident.ABOUT_A_RECIPIENT],
                    "kindNames": {str(value): str(label) for value, label in Incident.Kind.choices},
                }
            },
        },
    )


@never_cache
@login_required
def incident(request: HttpRequest, recipient_id: int | None = None) -> HttpResponse:
    """One tap from today's list (with or without a recipient) or from the visit screen."""
    recipient = None
    if recipient_id is not None:
        recipient = get_object_or_404(
            Recipient.objects.visible_to(request.user).select_related("region"), pk=recipient_id
        )
    return _incident_page(request, recipient)


def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a tablet page it has never stored. No personal data,
    so no login: it is stored when the worker installs."""
    return render(request, "tablet/offline.html", {})


@lru_cache(maxsize=1)
def _asset_version_cached() -> str:
    return _asset_version()


def _asset_version() -> str:
    """A digest of the cached files: a new one makes the browser install a new worker, which
    replaces the stored copies."""
    digest = hashlib.sha256()
    for name in STATIC_ASSETS:
        path = finders.find(name)
        digest.update(name.encode())
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]


def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker script, served from /tablet/ so that its scope is /tablet/.

    No login needed: it holds no personal data, and a worker update must not turn into a
    redirect to the login page (browsers refuse a redirected worker script).
    """
    version = _asset_version() if settings.DEBUG else _asset_version_cached()
    assets = [static(name) for name in STATIC_ASSETS] + [reverse("tablet:manifest")]
    response = render(
        request,
        "tablet/sw.js",
        {
            "version": version,
            "assets_json": json.dumps(assets),
            "offline_url_json": json.dumps(reverse("tablet:offline")),
            "scope_json": json.dumps(reverse("tablet:home")),
            "static_prefix_json": json.dumps(static("")),
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("tablet:home")
    # Browsers check the worker for updates themselves; no cache layer may hold an old one.
    response["Cache-Control"] = "no-cache"
    return response


def manifest(request: HttpRequest) -> JsonResponse:
    """Lets the tablet put the pages on its home screen as an app."""
    home_url = reverse("tablet:home")
    return JsonResponse(
        {
            "name": str(_("전북 긴급돌봄 방문기록")),
            "short_name": str(_("돌봄 방문")),
            "lang": "ko",
            "start_url": home_url,
            "scope": home_url,
            "display": "standalone",
            "orientation": "any",
            "background_color": "#f5f7fa",
            "theme_color": "#1f5fae",
            "icons": [
                {"src": static("tablet/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("tablet/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {"src": static("tablet/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


class MonthForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(min_value=1, max_value=12, required=False)


def _month_shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


@never_cache
@login_required
def month(request: HttpRequest) -> HttpResponse:
    """The caregiver's own month (활동 실적): the same figures as the coordinator's statement
    download, from the same selector, so the two always agree. Void visits never count."""
    today = timezone.localdate()
    form = MonthForm(request.GET)
    if not form.is_valid():
        response = _page(request, "tablet/month.html", {"form": form, "row": None})
        response.status_code = 400
        return response
    year = form.cleaned_data["year"] or today.year
    month_number = form.cleaned_data["month"] or today.month
    member = getattr(request.user, "corps_member", None)
    row = None
    if member is not None:
        rows = activity_statement(year=year, month=month_number, corps_member_ids=[member.pk])
        row = rows[0] if rows else None
    previous = _month_shift(year, month_number, -1)
    following = _month_shift(year, month_number, 1)
    return _page(
        request,
        "tablet/month.html",
        {
            "form": form,
            "row": row,
            "service_hours": row.service_hours if row else 0,
            "has_member": member is not None,
            "year": year,
            "month": month_number,
            "previous": {"year": previous[0], "month": previous[1]},
            # No statement of a month that has not begun.
            "following": (
                {"year": following[0], "month": following[1]}
                if following <= (today.year, today.month)
                else None
            ),
        },
    )
