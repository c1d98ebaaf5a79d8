"""The recipient page's consent actions on the coordinators' desk: take an item, withdraw one.

Both answer with a redirect to the recipient page's consent section and a message; the page
itself (``care.coordinator_views.recipient_detail``) shows the items and logs the read.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.consent import services
from care.consent.forms import ConsentTakeForm, ConsentWithdrawForm
from care.consent.models import ConsentRecord
from care.models import Recipient
from config.api import IsCoordinator, client_ip, role_required

coordinator_required = role_required(IsCoordinator)


def _back(recipient: Recipient) -> HttpResponse:
    return redirect(reverse("coordinator:recipient-detail", args=[recipient.pk]) + "#consents")


def _errors(errors: dict[str, list[str]] | list[str]) -> str:
    if isinstance(errors, dict):
        return " ".join(str(m) for messages_ in errors.values() for m in messages_)
    return " ".join(str(m) for m in errors)


@coordinator_required
@require_POST
def consent_take(request: HttpRequest, pk: int) -> HttpResponse:
    recipient = get_object_or_404(Recipient.objects.visible_to(request.user), pk=pk)
    form = ConsentTakeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form.errors))
        return _back(recipient)
    try:
        record = services.consent_record(
            actor=request.user,  # type: ignore[arg-type]
            recipient=recipient,
            source_ip=client_ip(request),
            **form.cleaned_data,
        )
    except ValidationError as exc:
        messages.error(
            request, _errors(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        )
    else:
        messages.success(
            request,
            _("%(item)s 동의를 기록했습니다 (%(version)s판).")
            % {"item": record.get_item_display(), "version": record.text_version},
        )
    return _back(recipient)


@coordinator_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    recipient = get_object_or_404(Recipient.objects.visible_to(request.user), pk=pk)
    record = get_object_or_404(
        ConsentRecord.objects.visible_to(request.user).filter(recipient=recipient), pk=consent_pk
    )
    form = ConsentWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form.errors))
        return _back(recipient)
    try:
        record = services.consent_withdraw(
            actor=request.user,  # type: ignore[arg-type]
            record=record,
            source_ip=client_ip(request),
            **form.cleaned_data,
        )
    except ValidationError as exc:
        messages.error(
            request, _errors(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        )
    else:
        messages.success(
            request, _("%(item)s 동의 철회를 기록했습니다.") % {"item": record.get_item_display()}
        )
    return _back(recipient)
