"""The home-repair desk pages (/coordinator/repairs/): the list, a new job (the survey), and a
job's page going survey → quote → work → completion → sign-off, with photo uploads (a
multipart form that works without JavaScript). Photos are served by ``photo_file`` only, to
staff who may read the job: never as public media.

Reads through ``care.repairs.selectors``, writes through ``care.repairs.services``; every page
that shows a household writes its 접속기록 row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from base.roles import has_role
from care.coordinator_views import _log_views, _page, coordinator_required
from care.forms import add_service_errors
from care.repairs import selectors, services
from care.repairs.filters import RepairJobFilter
from care.repairs.forms import (
    CancelForm,
    CompleteForm,
    ItemForm,
    PhotoForm,
    QuoteForm,
    RepairListFilterForm,
    SignOffForm,
    StartForm,
    SurveyForm,
)
from care.repairs.models import REPAIR_ROLES, RepairItem, RepairJob
from config.api import client_ip

State = RepairJob.State


@coordinator_required
def job_list(request: HttpRequest) -> HttpResponse:
    form = RepairListFilterForm(request.GET or None)
    jobs = selectors.job_list(user=request.user)
    if form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        if "region" in data:
            data["region"] = data["region"].code
        jobs = RepairJobFilter(data, queryset=jobs).qs
    page = _page(request, jobs)
    _log_views(request, (job.recipient for job in page.object_list))
    return render(request, "care/repairs/list.html", {"form": form, "page": page})


@coordinator_required
def job_new(request: HttpRequest) -> HttpResponse:
    """현장 조사: a new work order; ``?recipient=`` picks the household (from its page)."""
    initial = {}
    if request.GET.get("recipient", "").isdigit():
        initial["recipient"] = int(request.GET["recipient"])
    form = SurveyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.job_survey(
                actor=request.user,  # type: ignore[arg-type]
                source_ip=client_ip(request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("현장 조사를 등록했습니다."))
            return redirect("coordinator:repairs:detail", pk=job.pk)
    return render(
        request, "care/repairs/new.html", {"form": form}, status=400 if form.errors else 200
    )


# Several steps' forms share the page: each field's id starts with its step ("quote-quoted_on").
STEP_FIELD_ID = "{step}-%s"


def _forms_for(job: RepairJob) -> dict[str, forms.Form]:
    """The forms the job's state offers, unbound."""
    offered: dict[str, forms.Form] = {}
    if job.state in services.ITEMS_EDITABLE:
        offered["item"] = ItemForm()
    if job.state in (State.SURVEY, State.QUOTED):
        offered["quote"] = QuoteForm(
            initial={"contractor": job.contractor_id, "quote_amount": job.quote_amount}
        )
    if job.state == State.QUOTED:
        offered["start"] = StartForm()
    if job.state == State.IN_PROGRESS:
        offered["complete"] = CompleteForm()
    if job.state == State.COMPLETED and job.signed_on is None:
        offered["sign_off"] = SignOffForm()
    if services.PHOTO_STAGES_BY_STATE[job.state]:
        stages = services.PHOTO_STAGES_BY_STATE[job.state]
        photo = PhotoForm()
        photo.fields["stage"].choices = [
            (value, label) for value, label in photo.fields["stage"].choices if value in stages
        ]
        offered["photo"] = photo
    if job.is_open:
        offered["cancel"] = CancelForm()
    for key, form in offered.items():
        form.auto_id = STEP_FIELD_ID.format(step=key)
    return offered


def _detail_context(job: RepairJob, offered: dict[str, forms.Form]) -> dict[str, Any]:
    photos = list(job.photos.all())
    return {
        "job": job,
        "forms": offered,
        "items": list(job.items.all()),
        "photos_before": [p for p in photos if p.stage == "before"],
        "photos_after": [p for p in photos if p.stage == "after"],
    }


def _job(request: HttpRequest, pk: int) -> RepairJob:
    return get_object_or_404(selectors.job_detail_queryset(user=request.user), pk=pk)


@coordinator_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    _log_views(request, [job.recipient])
    return render(request, "care/repairs/detail.html", _detail_context(job, _forms_for(job)))


Step = tuple[Callable[..., forms.Form], Callable[..., Any], str]

STEPS: dict[str, Step] = {
    "item": (
        lambda data, files: ItemForm(data),
        lambda form, **common: services.item_add(**common, **form.cleaned_data),
        _("품목을 더했습니다."),
    ),
    "quote": (
        lambda data, files: QuoteForm(data),
        lambda form, **common: services.job_quote(**common, **form.cleaned_data),
        _("견적을 기록했습니다."),
    ),
    "start": (
        lambda data, files: StartForm(data),
        lambda form, **common: services.job_start(**common, **form.cleaned_data),
        _("착공을 기록했습니다."),
    ),
    "complete": (
        lambda data, files: CompleteForm(data),
        lambda form, **common: services.job_complete(**common, **form.cleaned_data),
        _("완료를 기록했습니다."),
    ),
    "sign-off": (
        lambda data, files: SignOffForm(data),
        lambda form, **common: services.job_sign_off(**common, **form.cleaned_data),
        _("가구 확인을 기록했습니다."),
    ),
    "cancel": (
        lambda data, files: CancelForm(data),
        lambda form, **common: services.job_cancel(**common, **form.cleaned_data),
        _("작업을 취소했습니다."),
    ),
    "photo": (
        lambda data, files: PhotoForm(data, files),
        lambda form, **common: services.photo_add(
            **common,
            stage=form.cleaned_data["stage"],
            upload=form.cleaned_data["image"],
            taken_on=form.cleaned_data["taken_on"],
            caption=form.cleaned_data["caption"],
        ),
        _("사진을 올렸습니다."),
    ),
}


@coordinator_required
def job_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of a job, posted from its page; a refusal shows the page again (400) with the
    form and the service's messages on their fields."""
    if step not in STEPS:
        raise Http404
    job = _job(request, pk)
    if request.method != "POST":
        return redirect("coordinator:repairs:detail", pk=pk)
    make_form, call, done = STEPS[step]
    form = make_form(request.POST, request.FILES)
    # The page's forms are keyed like the template reads them (sign_off for sign-off).
    key = step.replace("-", "_")
    form.auto_id = STEP_FIELD_ID.format(step=key)
    if form.is_valid():
        try:
            call(form, actor=request.user, job=job, source_ip=client_ip(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("coordinator:repairs:detail", pk=pk)
    offered = _forms_for(job)
    offered[key] = form
    context = _detail_context(job, offered)
    context["open_step"] = key
    _log_views(request, [job.recipient])
    return render(request, "care/repairs/detail.html", context, status=400)


@coordinator_required
@require_POST
def item_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        RepairItem.objects.filter(job__in=RepairJob.objects.visible_to(request.user)), pk=pk
    )
    try:
        services.item_remove(actor=request.user, item=item, source_ip=client_ip(request))  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("품목을 지웠습니다."))
    return redirect("coordinator:repairs:detail", pk=item.job_id)


def photo_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo's file, for coordinators and administrators only (a session, or the API's
    token for a client of /api/v1/repair-jobs/). Never cached by a shared cache."""
    user = request.user
    if not user.is_authenticated:
        try:
            found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
        except AuthenticationFailed:
            found = None
        if found is None:
            return HttpResponse(status=401, headers={"WWW-Authenticate": "Token"})
        user = found[0]
    if not has_role(user, *REPAIR_ROLES):
        return HttpResponse(status=403)
    photo = selectors.photo_for(user=user, pk=pk)
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
