"""상담 신청 pages: the residents' form (/find/request/, no account) and its answer page, and the
counselors' queue (/consultations/requests/) with a request's page, take and close.

Pages only: the forms check input, ``services`` write, ``selectors`` read. The public pages are
never cached (they carry a CSRF token, and the answer page is the sender's alone).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from base.models import AccessLog
from config.api import client_ip
from config.context_processors import call_us_sentence
from consultations.callbacks import consent, limits, selectors, services
from consultations.callbacks.forms import (
    CallbackRequestForm,
    CloseForm,
    prefill_from_resource,
    public_resource,
)
from consultations.callbacks.models import CallbackRequest, new_request_number
from consultations.desk_views import writer_required

# The numbers this browser session sent, newest last: the answer page shows a number only to
# the session that made it, so guessing numbers reveals nothing.
SESSION_NUMBERS = "callbacks.numbers"
SESSION_KEEP = 10
# The form's fields come to well under 8 KB even at their limits (1,000 Korean characters are
# 9 KB percent-encoded); anything far larger is not a person typing.
MAX_BODY_BYTES = 32 * 1024
QUEUE_PAGE_SIZE = 25


# --- the residents' form ---------------------------------------------------------------------


def _render_form(
    request: HttpRequest,
    form: CallbackRequestForm,
    *,
    status: int = 200,
    resource: Any = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    context = {
        "nav": "request",
        "form": form,
        "consent": consent.VERSIONS.get(
            str(form["consent_version"].value() or ""), consent.CURRENT
        ),
        "resource": resource,
    }
    response = render(request, "callbacks/request_form.html", context, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _submit(request)
    resource = public_resource(request.GET.get("resource", ""))
    initial = prefill_from_resource(resource) if resource is not None else {}
    return _render_form(request, CallbackRequestForm(initial=initial), resource=resource)


def _submit(request: HttpRequest) -> HttpResponse:
    ip = limits.address_key(client_ip(request))
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
        form = CallbackRequestForm(request.POST)
        form.is_valid()
        form.add_error(None, _("보낸 내용이 너무 큽니다. 내용을 줄여서 다시 보내 주세요."))
        return _render_form(request, form, status=400)
    form = CallbackRequestForm(request.POST)
    if form.is_bot():
        # Dropped without a word: an answer page like any other, with a number stored nowhere.
        limits.hit(limits.PER_ADDRESS, ip)
        return redirect("callbacks:done", number=new_request_number())
    if not form.is_valid():
        return _render_form(request, form, status=400, resource=form.cleaned_data.get("resource"))
    retry = {"Retry-After": str(limits.PER_ADDRESS.seconds)}
    if not limits.hit(limits.PER_ADDRESS, ip):
        form.add_error(
            None,
            _(
                "이 인터넷 연결에서 한 시간 동안 신청이 너무 많이 들어왔어요. "
                "한 시간 뒤에 다시 신청해 주세요."
            )
            + call_us_sentence(),
        )
        return _render_form(request, form, status=429, headers=retry)
    if not limits.hit(limits.PER_PHONE, limits.phone_key(form.cleaned_data["phone"])):
        form.add_error(
            "phone",
            _(
                "이 번호로 오늘 이미 여러 번 신청하셨어요. 상담원이 순서대로 전화드리니 "
                "조금만 기다려 주세요."
            )
            + call_us_sentence(),
        )
        return _render_form(
            request, form, status=429, headers={"Retry-After": str(limits.PER_PHONE.seconds)}
        )
    try:
        callback_request = services.callback_request_submit(**form.service_fields())
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _render_form(request, form, status=400)
    numbers = [*request.session.get(SESSION_NUMBERS, []), callback_request.number]
    request.session[SESSION_NUMBERS] = numbers[-SESSION_KEEP:]
    return redirect("callbacks:done", number=callback_request.number)


@never_cache
def request_done(request: HttpRequest, number: str) -> HttpResponse:
    """The answer page. No lookup by number at all: a number this session did not send gets
    the same general page as any other, so the page confirms nothing to someone guessing."""
    known = number in request.session.get(SESSION_NUMBERS, [])
    context = {"nav": "request", "number": number if known else None}
    return render(request, "callbacks/request_done.html", context)


# --- the counselors' queue -------------------------------------------------------------------


@writer_required
def queue(request: HttpRequest) -> HttpResponse:
    """Open requests oldest first, without names or phones: those are on a request's own page,
    whose every opening is logged."""
    rows = selectors.callback_queue(user=request.user)
    page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "consultations/callbacks/queue.html", {"page": page})


def _detail(
    request: HttpRequest, callback_request: CallbackRequest, *, close_form: CloseForm, status: int
) -> HttpResponse:
    services.callback_request_log(
        actor=request.user,  # type: ignore[arg-type]
        callback_request=callback_request,
        action=AccessLog.Action.VIEW,
        source_ip=client_ip(request),
        path=request.path,
    )
    context = {
        "callback_request": callback_request,
        "consent": consent.VERSIONS.get(callback_request.consent_version),
        "close_form": close_form,
        "mine": callback_request.taken_by_id == request.user.pk,
    }
    return render(request, "consultations/callbacks/detail.html", context, status=status)


@writer_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    callback_request = get_object_or_404(
        selectors.callback_request_list(user=request.user).select_related(
            "consultation", "closed_by", "resource"
        ),
        pk=pk,
    )
    return _detail(request, callback_request, close_form=CloseForm(), status=200)


@writer_required
@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the request and open the consultation form filled in from it."""
    callback_request = get_object_or_404(selectors.callback_request_list(user=request.user), pk=pk)
    try:
        services.callback_request_take(
            actor=request.user,  # type: ignore[arg-type]
            callback_request=callback_request,
            source_ip=client_ip(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("consultations:request-detail", pk=pk)
    return redirect(f"{reverse('consultations:new')}?{urlencode({'callback': pk})}")


@writer_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    callback_request = get_object_or_404(
        selectors.callback_request_list(user=request.user).select_related(
            "consultation", "closed_by", "resource"
        ),
        pk=pk,
    )
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.callback_request_close(
                actor=request.user,  # type: ignore[arg-type]
                callback_request=callback_request,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                source_ip=client_ip(request),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("상담 신청 %(number)s을 종결했습니다.") % {"number": callback_request.number},
            )
            return redirect("consultations:requests")
    return _detail(request, callback_request, close_form=form, status=400)
