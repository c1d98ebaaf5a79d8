"""The partners' desk pages (/consultations/partners/): the partner organizations with their
agreements, one partner's page (agreements, referrals received and made, activities done
together), the agreement form, and the access-checked download of a signed copy.

Counselors, coordinators and administrators read; counselors and administrators write.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.desk_views import _can_write, _log_views, reader_required, writer_required
from consultations.forms import add_service_errors
from consultations.models import Organization
from consultations.partners import selectors, services
from consultations.partners.forms import AgreementForm
from consultations.partners.models import Agreement


@reader_required
def partner_list(request: HttpRequest) -> HttpResponse:
    context = {
        "partners": selectors.partner_list(user=request.user),
        "renewals": list(selectors.renewals_due(user=request.user)),
        "today": timezone.localdate(),
        "can_write": _can_write(request),
    }
    return render(request, "consultations/partners/list.html", context)


@reader_required
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization.objects.select_related("region"), pk=pk)
    page = selectors.partner_page(user=request.user, organization=organization)
    _log_views(request, page.recipients_shown)
    return render(
        request,
        "consultations/partners/detail.html",
        {"page": page, "today": timezone.localdate(), "can_write": _can_write(request)},
    )


def _agreement_form(
    request: HttpRequest, organization: Organization, agreement: Agreement | None
) -> HttpResponse:
    initial = {}
    if agreement is not None:
        initial = {
            name: getattr(agreement, name)
            for name in ("title", "signed_on", "starts_on", "ends_on", "renewal_due_on", "scope")
        }
    form = AgreementForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if agreement is None:
                    agreement = services.agreement_create(
                        actor=request.user,  # type: ignore[arg-type]
                        organization=organization,
                        **form.agreement_fields(),
                    )
                else:
                    fields = form.agreement_fields()
                    if fields.get("renewal_due_on") is None and (
                        fields["ends_on"] != agreement.ends_on
                        or fields["starts_on"] != agreement.starts_on
                    ):
                        fields.pop("renewal_due_on")  # moves with the new end
                    agreement = services.agreement_update(
                        actor=request.user,  # type: ignore[arg-type]
                        agreement=agreement,
                        **fields,
                    )
                if form.cleaned_data.get("signed_file"):
                    services.agreement_attach_file(
                        actor=request.user,  # type: ignore[arg-type]
                        agreement=agreement,
                        upload=form.cleaned_data["signed_file"],
                    )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("협약을 저장했습니다."))
            return redirect("consultations:partner-detail", organization.pk)
    return render(
        request,
        "consultations/partners/agreement_form.html",
        {"form": form, "organization": organization, "agreement": agreement},
    )


@writer_required
def agreement_new(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    return _agreement_form(request, organization, None)


@writer_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement.objects.select_related("organization"), pk=pk)
    return _agreement_form(request, agreement.organization, agreement)


@reader_required
def agreement_file(request: HttpRequest, pk: int) -> FileResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    if not agreement.signed_file:
        raise Http404
    suffix = agreement.signed_file.name.rsplit(".", 1)[-1]
    return FileResponse(
        agreement.signed_file.open("rb"),
        as_attachment=True,
        filename=agreement.signed_file_name or f"agreement-{agreement.pk}.{suffix}",
    )
