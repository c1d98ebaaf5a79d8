"""Enrolling the caregivers' tablets: the coordinator's list (new code, revoke) on the desk,
and the page the tablet opens once to turn a one-time code into its credential cookie."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from base.devices import selectors, services
from base.devices.models import EnrolledTablet
from config.api import IsCoordinator, role_required
from config.login import device_cookie_set

coordinator_required = role_required(IsCoordinator)


class NewTabletForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("태블릿 이름"),
        max_length=50,
        help_text=gettext_lazy("예: 완주 3번 태블릿 (기기 뒷면의 관리 번호)"),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("등록 코드"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )


@coordinator_required
@never_cache
def tablet_list(request: HttpRequest) -> HttpResponse:
    """Enrolled and pending tablets; a POST makes a new one-time enrolment code (shown once)."""
    form = NewTabletForm(request.POST or None)
    pending = None
    if request.method == "POST" and form.is_valid():
        pending = services.enrolment_code_create(name=form.cleaned_data["name"], by=request.user)
        form = NewTabletForm()
    return render(
        request,
        "coordinator/tablet_list.html",
        {
            "form": form,
            "pending": pending,
            "tablets": selectors.tablets_for_desk(),
            "enrol_url": request.build_absolute_uri(reverse("tablet:enrol")),
        },
    )


@coordinator_required
@require_POST
def tablet_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    tablet = get_object_or_404(EnrolledTablet, pk=pk)
    services.tablet_revoke(tablet, by=request.user)
    messages.success(
        request,
        _("%(name)s 태블릿의 등록을 해제했습니다. 이제 이 기기로는 로그인할 수 없습니다.")
        % {"name": tablet.name},
    )
    return redirect("coordinator:tablets")


@never_cache
def tablet_enrol(request: HttpRequest) -> HttpResponse:
    """Opened on the tablet itself (no login): the code from the desk makes it an enrolled
    device. A tablet enrolled again keeps its outbox; only its credential changes."""
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tablet, credential = services.tablet_enrol(form.cleaned_data["code"])
        except ValidationError as error:
            for message in error.message_dict.get("code", []):
                form.add_error("code", message)
        else:
            response = render(request, "tablet/enrolled.html", {"tablet": tablet})
            device_cookie_set(response, request, credential)
            return response
    return render(request, "tablet/enrol.html", {"form": form}, status=400 if form.errors else 200)
