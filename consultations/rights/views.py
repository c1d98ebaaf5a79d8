"""The administrators' desk of rights requests (정보주체 권리 요구): the open ones with their
deadlines (overdue first in red), recording one, answering it, and the person's record as a
workbook (logged as an export)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from base.exports import Purpose
from base.models import ExportPurpose
from care.audit.views import administrator_required
from config.api import client_ip
from config.downloads import XLSX_TYPE, attachment_header
from consultations.rights import selectors, services
from consultations.rights.export import record_workbook
from consultations.rights.forms import AnswerForm, RightsRequestForm
from consultations.rights.models import RightsRequest


@administrator_required
def request_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "consultations/rights/list.html",
        {
            "open": selectors.open_requests(),
            "answered": selectors.answered_requests(),
            "today": timezone.localdate(),
        },
    )


@administrator_required
def request_new(request: HttpRequest) -> HttpResponse:
    form = RightsRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = data["person"]
        try:
            created = services.rights_request_create(
                actor=request.user,  # type: ignore[arg-type]
                kind=data["kind"],
                received_on=data["received_on"],
                received_via=data["received_via"],
                detail=data["detail"],
                requester=data["requester"],
                recipient=person if data["person_kind"] == "recipient" else None,
                consultation=person if data["person_kind"] == "consultation" else None,
                path=request.path,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("접수했습니다. 처리 기한: %(day)s") % {"day": created.due_on}
            )
            return redirect("rights:detail", pk=created.pk)
    return render(
        request,
        "consultations/rights/new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@administrator_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        RightsRequest.objects.select_related(
            "recipient", "consultation", "created_by", "answered_by"
        ),
        pk=pk,
    )
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rights_request_answer(
                actor=request.user,  # type: ignore[arg-type]
                request_id=found.pk,
                granted=form.cleaned_data["decision"] == "granted",
                answer=form.cleaned_data["answer"],
                answered_on=form.cleaned_data["answered_on"],
                path=request.path,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("답변을 기록했습니다."))
            return redirect("rights:detail", pk=found.pk)
    return render(
        request,
        "consultations/rights/detail.html",
        {"item": found, "form": form, "person": services.person_label(found)},
        status=400 if request.method == "POST" else 200,
    )


@administrator_required
def request_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's record as xlsx; the download is written to the access log (출력)."""
    found = get_object_or_404(
        RightsRequest.objects.select_related("recipient", "consultation"), pk=pk
    )
    body = record_workbook(found)
    services.rights_request_export_log(
        actor=request.user,  # type: ignore[arg-type]
        request=found,
        # Made to answer the person's own request: that is the purpose, nothing to ask.
        purpose=Purpose(ExportPurpose.SUBJECT_REQUEST),
        source_ip=client_ip(request),
        path=request.path,
    )
    response = HttpResponse(body, content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment_header(
        f"개인정보_열람_{found.pk}.xlsx", f"rights-request-{found.pk}.xlsx"
    )
    response["Cache-Control"] = "no-store"
    return response


def _add_errors(form: RightsRequestForm | AnswerForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in error.messages:
            form.add_error(None, message)
