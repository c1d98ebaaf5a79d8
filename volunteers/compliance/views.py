"""The desk's compliance pages (under /coordinator/corps-members/): the warnings list (members
whose required items lapse within 30 days, have lapsed or are missing) and one member's
compliance with a form to record an item.

Reads through ``volunteers.compliance.selectors``, writes through its services; a member's
page is a read of their personal records and is written to the access log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog
from base.services import access_log_record
from config.api import IsCoordinator, client_ip, role_required
from volunteers.compliance import selectors, services
from volunteers.compliance.forms import ComplianceRecordForm
from volunteers.compliance.models import WARN_DAYS
from volunteers.models import CorpsMember

coordinator_required = role_required(IsCoordinator)


@coordinator_required
def warnings(request: HttpRequest) -> HttpResponse:
    rows = selectors.warning_list(user=request.user)
    return render(
        request,
        "volunteers/compliance/warnings.html",
        {"rows": rows, "warn_days": WARN_DAYS, "today": timezone.localdate()},
    )


@coordinator_required
def member(request: HttpRequest, pk: int) -> HttpResponse:
    corps_member = get_object_or_404(
        CorpsMember.objects.visible_to(request.user).select_related("region"), pk=pk
    )
    form = ComplianceRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.compliance_record_create(
                actor=request.user,  # type: ignore[arg-type]
                corps_member=corps_member,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("%(name)s 단원의 %(item)s 기록을 저장했습니다.")
                % {"name": corps_member.name, "item": record.requirement.name},
            )
            return redirect("coordinator:compliance:member", pk=corps_member.pk)
    standing = selectors.member_standing(corps_member=corps_member)
    access_log_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AccessLog.Action.VIEW,
        recipients=[corps_member],
        source_ip=client_ip(request),
        path=request.path,
        subject_type="corps_member",
    )
    overrides = corps_member.compliance_overrides.select_related("granted_by")[:10]
    return render(
        request,
        "volunteers/compliance/member.html",
        {
            "member": corps_member,
            "standing": standing,
            "form": form,
            "overrides": overrides,
            "warn_days": WARN_DAYS,
        },
    )
