"""The episode desk pages (/coordinator/episodes/): the caseload, one episode's page with a
form for each step (assessment, decision, start, extension, closure, after-care), and a new
referral from the recipient's page.

Reads through ``care.episodes.selectors``, writes through ``care.episodes.services``; every
page that shows recipients writes one 접속기록 row per recipient shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.coordinator_views import _log_views, _page, coordinator_required
from care.episodes import selectors, services
from care.episodes.forms import (
    AfterCareForm,
    AssessmentForm,
    CaseloadFilterForm,
    ClosureForm,
    DecisionForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ReasonForm,
    ReferralForm,
    StartForm,
)
from care.episodes.models import AfterCareCheck, Episode, ExtensionRequest
from care.forms import add_service_errors
from care.models import Recipient
from config.api import client_ip


@coordinator_required
def caseload(request: HttpRequest) -> HttpResponse:
    form = CaseloadFilterForm(request.GET or None)
    episodes = selectors.episode_list(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            episodes = episodes.filter(state=data["state"])
        if data["region"]:
            episodes = episodes.filter(recipient__region=data["region"])
        if data["program"]:
            episodes = episodes.filter(program=data["program"])
        if data["recipient"]:
            episodes = episodes.filter(recipient_id=data["recipient"])
    else:
        episodes = episodes.filter(state__in=Episode.OPEN_STATES)
    page = _page(request, episodes)
    rows = [
        (episode, selectors.usage_of(episode, minutes=episode.delivered_minutes))
        for episode in page.object_list
    ]
    _log_views(request, (episode.recipient for episode in page.object_list))
    return render(
        request, "care/episodes/caseload.html", {"form": form, "page": page, "rows": rows}
    )


def _forms_for(episode: Episode, data: Any = None) -> dict[str, forms.Form]:
    """The forms the episode's state offers, unbound."""
    state = episode.state
    offered: dict[str, forms.Form] = {}
    if state in (Episode.State.REFERRED, Episode.State.ASSESSED):
        initial = {
            "risk_level": episode.risk_level,
            "living_situation": episode.living_situation,
            "carer_situation": episode.carer_situation,
            "income_bracket": episode.income_bracket_id,
            "needs": [need.pk for need in episode.needs.all()],
        }
        offered["assess"] = AssessmentForm(episode=episode, initial=initial)
        offered["withdraw"] = ReasonForm()
    if state == Episode.State.ASSESSED:
        offered["decide"] = DecisionForm()
    if state == Episode.State.REFERRED:
        offered["decide"] = DecisionForm(initial={"approve": "0"})
    if state == Episode.State.APPROVED:
        offered["start"] = StartForm(initial={"starts_on": episode.starts_on})
        offered["withdraw"] = ReasonForm()
    if state in (Episode.State.APPROVED, Episode.State.ACTIVE):
        offered["extend"] = ExtensionRequestForm()
    if state == Episode.State.ACTIVE:
        offered["close"] = ClosureForm()
    check = getattr(episode, "aftercare", None)
    if state == Episode.State.CLOSED and check is not None and check.done_at is None:
        offered["aftercare"] = AfterCareForm()
    for step, form in offered.items():
        form.auto_id = STEP_FIELD_ID.format(step=step)
    return offered


def _detail_context(request: HttpRequest, episode: Episode) -> dict[str, Any]:
    rules = getattr(episode.program, "rules", None)
    return {
        "episode": episode,
        "usage": selectors.episode_usage(episode),
        "forms": _forms_for(episode),
        "rules": rules,
        "may_decide_extensions": rules is not None
        and services.may_decide_extension(request.user, rules),  # type: ignore[arg-type]
        "decision_form": ExtensionDecisionForm(),
    }


@coordinator_required
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_object_or_404(selectors.episode_detail_queryset(user=request.user), pk=pk)
    _log_views(request, [episode.recipient])
    return render(request, "care/episodes/detail.html", _detail_context(request, episode))


# Several steps' forms share the page and some share a field's name (extend and close both ask
# a reason): each field's id starts with its step ("close-reason"), so no id is on the page twice
# and every label names its own field.
STEP_FIELD_ID = "{step}-%s"

# Each step: its form (given the episode) and the service call with the cleaned data.
Step = tuple[Callable[..., forms.Form], Callable[..., Any], str]

STEPS: dict[str, Step] = {
    "assess": (
        lambda data, episode: AssessmentForm(data, episode=episode),
        lambda form, **common: services.episode_assess(**common, **form.service_fields()),
        _("사정을 기록했습니다."),
    ),
    "decide": (
        lambda data, episode: DecisionForm(data),
        lambda form, **common: services.episode_decide(**common, **form.cleaned_data),
        _("결정을 기록했습니다."),
    ),
    "start": (
        lambda data, episode: StartForm(data),
        lambda form, **common: services.episode_start(**common, **form.cleaned_data),
        _("서비스를 시작했습니다."),
    ),
    "withdraw": (
        lambda data, episode: ReasonForm(data),
        lambda form, **common: services.episode_withdraw(**common, **form.cleaned_data),
        _("회차를 철회했습니다."),
    ),
    "close": (
        lambda data, episode: ClosureForm(data),
        lambda form, **common: services.episode_close(**common, **form.cleaned_data),
        _("회차를 종결했습니다. 사후관리 일정이 만들어졌습니다."),
    ),
    "extend": (
        lambda data, episode: ExtensionRequestForm(data),
        lambda form, **common: services.extension_request(
            **common,
            reason=form.cleaned_data["reason"],
            extra_days=form.cleaned_data["extra_days"],
            extra_hours=form.cleaned_data["extra_hours"],
        ),
        _("연장을 요청했습니다."),
    ),
}


@coordinator_required
def episode_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of an episode, posted from its page; a refusal shows the page with the form
    and the service's messages on their fields."""
    if step not in STEPS:
        raise Http404
    episode = get_object_or_404(selectors.episode_detail_queryset(user=request.user), pk=pk)
    if request.method != "POST":
        return redirect("coordinator:episodes:detail", pk=pk)
    make_form, call, done = STEPS[step]
    form = make_form(request.POST, episode)
    form.auto_id = STEP_FIELD_ID.format(step=step)  # before validation names the errors' ids
    if form.is_valid():
        try:
            call(form, actor=request.user, episode=episode, source_ip=client_ip(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("coordinator:episodes:detail", pk=pk)
    context = _detail_context(request, episode)
    context["forms"][step] = form
    context["open_step"] = step
    _log_views(request, [episode.recipient])
    return render(request, "care/episodes/detail.html", context, status=400)


@coordinator_required
@require_POST
def extension_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404
    extension = get_object_or_404(ExtensionRequest.objects.select_related("episode"), pk=pk)
    form = ExtensionDecisionForm(request.POST)
    form.is_valid()
    try:
        services.extension_decide(
            actor=request.user,  # type: ignore[arg-type]
            extension=extension,
            approve=decision == "approve",
            note=form.cleaned_data.get("note", ""),
            source_ip=client_ip(request),
        )
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(
            request,
            _("연장을 승인했습니다.") if decision == "approve" else _("연장을 반려했습니다."),
        )
    return redirect("coordinator:episodes:detail", pk=extension.episode_id)


@coordinator_required
@require_POST
def aftercare_record(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(AfterCareCheck.objects.select_related("episode"), pk=pk)
    form = AfterCareForm(request.POST)
    if form.is_valid():
        try:
            services.aftercare_record(
                actor=request.user,  # type: ignore[arg-type]
                check=check,
                source_ip=client_ip(request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("사후관리 결과를 기록했습니다."))
            return redirect("coordinator:episodes:detail", pk=check.episode_id)
    messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    return redirect("coordinator:episodes:detail", pk=check.episode_id)


@coordinator_required
def referral_new(request: HttpRequest, recipient_pk: int) -> HttpResponse:
    """A new episode for a registered person, from the recipient's page (의뢰 접수)."""
    recipient = get_object_or_404(Recipient.objects.visible_to(request.user), pk=recipient_pk)
    form = ReferralForm(
        request.POST or None, initial={"emergency_reason": recipient.emergency_reason}
    )
    if request.method == "POST" and form.is_valid():
        try:
            episode = services.episode_refer(
                actor=request.user,  # type: ignore[arg-type]
                recipient=recipient,
                source_ip=client_ip(request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("새 돌봄 회차를 의뢰로 등록했습니다."))
            return redirect("coordinator:episodes:detail", pk=episode.pk)
    _log_views(request, [recipient])
    return render(
        request, "care/episodes/referral_form.html", {"form": form, "recipient": recipient}
    )
