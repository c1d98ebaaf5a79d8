"""Pages of the freshness workflow.

The provider's pages (``/provider/review/<token>/``, no account): the entry and a form filled
in with it; "그대로 맞습니다" or corrections; a thank-you page. A link that was altered is a
404, an expired one a 410 that says whom to call, a used one says the answer was received.

The counselors' review (``/consultations/directory/changes/``): the queue of proposed changes,
a side-by-side diff, accept or reject; and "지금 확인 요청 보내기" for one resource.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from care.forms import add_service_errors
from consultations.desk_views import _page, writer_required
from consultations.freshness import selectors, services
from consultations.freshness.forms import ProviderConfirmForm, ProviderReviewForm, RejectForm
from consultations.freshness.models import ProposedChange, ReviewInvitation
from consultations.models import WelfareResource

# Posts one link may make in an hour. An honest provider needs one or two (a form error, a
# second try); a script replaying a leaked link is stopped long before it matters.
POSTS_PER_HOUR = 20


def _provider_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    # The token is in the address: never sent on to another site ("no-referrer" would make
    # Chromium post the form with Origin: null, which CSRF refuses), never indexed or cached.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _invitation_or_404(token: str) -> ReviewInvitation:
    try:
        return services.invitation_from_token(token)
    except services.InvitationUnknown as exc:
        raise Http404 from exc


def _too_many_posts(invitation: ReviewInvitation) -> bool:
    key = f"freshness:review-posts:{invitation.pk}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > POSTS_PER_HOUR
    except ValueError:  # expired between add and incr: a fresh hour
        cache.set(key, 1, timeout=3600)
        return False


def _received(request: HttpRequest, invitation: ReviewInvitation) -> HttpResponse:
    return _provider_page(
        request, "freshness/provider_received.html", {"resource": invitation.resource}
    )


def _expired(request: HttpRequest, invitation: ReviewInvitation) -> HttpResponse:
    return _provider_page(
        request,
        "freshness/provider_expired.html",
        {"resource": invitation.resource, "invitation": invitation},
        status=410,
    )


@never_cache
def provider_review(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation_or_404(token)
    if invitation.used_at is not None:
        return _received(request, invitation)
    if invitation.is_expired():
        return _expired(request, invitation)
    resource = invitation.resource
    form = ProviderReviewForm(resource=resource)
    confirm = ProviderConfirmForm(prefix="confirm")
    status = 200
    if request.method == "POST":
        if _too_many_posts(invitation):
            return _provider_page(
                request, "freshness/provider_busy.html", {"resource": resource}, status=429
            )
        confirming = request.POST.get("action") == "confirm"
        bound: ProviderReviewForm | ProviderConfirmForm
        if confirming:
            bound = confirm = ProviderConfirmForm(request.POST, prefix="confirm")
        else:
            bound = form = ProviderReviewForm(request.POST, resource=resource)
        if bound.is_valid():
            try:
                services.change_submit(
                    invitation=invitation,
                    confirms_unchanged=confirming,
                    submitted=None if confirming else form.submitted(),
                    note=bound.cleaned_data["note"],
                )
            except services.InvitationUsed:
                return _received(request, invitation)
            except services.InvitationExpired:
                return _expired(request, invitation)
            except ValidationError as exc:
                add_service_errors(bound, exc)
            else:
                return redirect("provider:thanks", token=token)
        status = 400
    return _provider_page(
        request,
        "freshness/provider_review.html",
        {"resource": resource, "invitation": invitation, "form": form, "confirm": confirm},
        status=status,
    )


@never_cache
def provider_thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation_or_404(token)
    change = ProposedChange.objects.filter(invitation=invitation).first()
    if change is None:
        return redirect("provider:review", token=token)
    return _provider_page(
        request,
        "freshness/provider_thanks.html",
        {"resource": invitation.resource, "change": change},
    )


# --- the counselors' review -----------------------------------------------------------------


@writer_required
def change_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.changes_pending())
    context = {
        "page": page,
        "without_contact": selectors.resources_due_without_contact().count(),
    }
    return render(request, "consultations/freshness/change_list.html", context)


def _detail(
    request: HttpRequest, change: ProposedChange, reject: RejectForm, status: int = 200
) -> HttpResponse:
    context = {
        "change": change,
        "rows": selectors.change_diff(change),
        "stale": selectors.change_is_stale(change),
        "reject": reject,
        "contact": change.invitation.contact,
    }
    return render(request, "consultations/freshness/change_detail.html", context, status=status)


@writer_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        change = selectors.change_for_review(pk)
    except ProposedChange.DoesNotExist as exc:
        raise Http404 from exc
    return _detail(request, change, RejectForm())


@writer_required
@require_POST
def change_accept(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(ProposedChange, pk=pk)
    try:
        services.change_accept(change=change, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("consultations:freshness:detail", pk=pk)
    messages.success(request, _("제안을 반영하고 최종 확인일을 오늘로 바꿨습니다."))
    return redirect("consultations:freshness:list")


@writer_required
@require_POST
def change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(ProposedChange, pk=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.change_reject(
                change=change,
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reject_reason"],
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # reviewed meanwhile: nothing to fix here
                for text in exc.messages:
                    messages.error(request, text)
                return redirect("consultations:freshness:detail", pk=pk)
            add_service_errors(form, exc)
        else:
            messages.success(request, _("제안을 반려했습니다."))
            return redirect("consultations:freshness:list")
    return _detail(request, selectors.change_for_review(pk), form, status=400)


@writer_required
@require_POST
def review_request(request: HttpRequest, resource_pk: int) -> HttpResponse:
    resource = get_object_or_404(
        WelfareResource.objects.select_related("organization"), pk=resource_pk
    )
    try:
        invitation = services.review_request(resource=resource, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("%(name)s님에게 확인 요청을 보냈습니다.")
            % {"name": invitation.contact.name if invitation.contact else ""},
        )
    return redirect("consultations:resource-detail", pk=resource.pk)
