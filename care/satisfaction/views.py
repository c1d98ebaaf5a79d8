"""Satisfaction pages: the coordinators' results and survey queue (/coordinator/satisfaction/),
the phone survey form of an episode (at closure or at the after-care call), and the
caregivers' tablet survey at closure (/tablet/satisfaction/; online only, rendered here).

Reads through ``care.satisfaction.selectors``, writes through
``care.satisfaction.services``; pages that show people write the access log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from base.roles import has_role
from care.coordinator_views import _log_views, coordinator_required
from care.episodes.models import Episode
from care.satisfaction import selectors, services
from care.satisfaction.forms import ResultsFilterForm, SurveyForm
from care.satisfaction.models import Questionnaire, SatisfactionAnswer, SatisfactionResponse
from care.tablet_views import _page as tablet_page
from config.api import client_ip

QUEUE_ROWS = 20
COMMENT_ROWS = 50


@coordinator_required
def results(request: HttpRequest) -> HttpResponse:
    """만족도 결과: responses and means per program, 시·군 or corps member for a month or a
    year, the period's comments, and the surveys waiting (closures and after-care calls)."""
    today = timezone.localdate()
    form = ResultsFilterForm(request.GET or {"year": today.year, "month": "", "by": "program"})
    found = comments = None
    if form.is_valid():
        data = form.cleaned_data
        found = selectors.satisfaction_results(
            year=data["year"], month=data["month"], by=data["by"]
        )
        comments = list(
            SatisfactionAnswer.objects.filter(
                response__in=selectors.responses_in(data["year"], data["month"])
            )
            .exclude(text="")
            .select_related(
                "question", "response__episode__recipient", "response__episode__program"
            )
            .order_by("-response__answered_on", "-response_id")[:COMMENT_ROWS]
        )
    aftercare = list(selectors.aftercare_without_survey(today)[:QUEUE_ROWS])
    closures = list(selectors.closures_without_survey(today)[:QUEUE_ROWS])
    _log_views(
        request,
        [
            *(answer.response.episode.recipient for answer in comments or []),
            *(check.episode.recipient for check in aftercare),
            *(episode.recipient for episode in closures),
        ],
    )
    return render(
        request,
        "care/satisfaction/results.html",
        {
            "form": form,
            "results": found,
            "comments": comments,
            "aftercare": aftercare,
            "closures": closures,
        },
    )


def _questionnaire() -> Questionnaire:
    questionnaire = Questionnaire.objects.current(services.DEFAULT_QUESTIONNAIRE)
    if questionnaire is None:
        raise Http404
    return questionnaire


def _record(
    request: HttpRequest,
    episode: Episode,
    occasion: str,
    *,
    channels: list[str] | None,
    template: str,
    done: str,
    success_url: str,
    context: dict[str, Any],
    page: Any = render,
) -> HttpResponse:
    """Record on POST (the response, or the form with its errors); the blank form on GET."""
    form = SurveyForm(request.POST or None, questionnaire=_questionnaire(), channels=channels)
    if request.method == "POST" and form.is_valid():
        try:
            services.satisfaction_response_record(
                actor=request.user,  # type: ignore[arg-type]
                episode=episode,
                occasion=occasion,
                source_ip=client_ip(request),
                **form.service_fields(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, done)
            return redirect(success_url)
    response = page(request, template, {**context, "form": form, "episode": episode})
    if request.method == "POST":
        response.status_code = 400
    return response


@coordinator_required
def survey(request: HttpRequest, pk: int, occasion: str) -> HttpResponse:
    """A phone (or in-person) survey of one episode, at closure or at the after-care call."""
    if occasion not in SatisfactionResponse.Occasion.values:
        raise Http404
    episode = get_object_or_404(
        Episode.objects.select_related("recipient__region", "program"), pk=pk
    )
    _log_views(request, [episode.recipient])
    existing = SatisfactionResponse.objects.filter(episode=episode, occasion=occasion).first()
    if existing is not None:
        messages.info(request, _("이 시점의 만족도 조사는 이미 기록했습니다."))
        return redirect("coordinator:episodes:detail", pk=episode.pk)
    return _record(
        request,
        episode,
        occasion,
        channels=[
            SatisfactionResponse.Channel.PHONE,
            SatisfactionResponse.Channel.IN_PERSON,
        ],
        template="care/satisfaction/survey.html",
        done=_("만족도 조사를 기록했습니다."),
        success_url=reverse("coordinator:episodes:detail", args=[episode.pk]),
        context={"occasion_label": SatisfactionResponse.Occasion(occasion).label},
    )


# --- tablet -----------------------------------------------------------------------------------


def _caregiver_only(request: HttpRequest) -> None:
    if not has_role(request.user, "caregiver"):
        raise Http404


@never_cache
@login_required
def tablet_list(request: HttpRequest) -> HttpResponse:
    """The caregiver's recipients whose closure survey can be taken now."""
    _caregiver_only(request)
    episodes = list(selectors.caregiver_episodes_to_survey(user=request.user))
    _log_views(request, [episode.recipient for episode in episodes])
    return tablet_page(request, "care/satisfaction/tablet_list.html", {"episodes": episodes})


@never_cache
@login_required
def tablet_survey(request: HttpRequest, pk: int) -> HttpResponse:
    """The closure survey on the tablet, for the caregiver's own recipient (online only)."""
    _caregiver_only(request)
    episode = get_object_or_404(selectors.caregiver_episodes_to_survey(user=request.user), pk=pk)
    _log_views(request, [episode.recipient])
    return _record(
        request,
        episode,
        SatisfactionResponse.Occasion.CLOSURE,
        channels=[SatisfactionResponse.Channel.TABLET, SatisfactionResponse.Channel.IN_PERSON],
        template="care/satisfaction/tablet_survey.html",
        done=_("만족도 조사를 기록했습니다. 감사합니다."),
        success_url=reverse("tablet:satisfaction"),
        context={},
        page=tablet_page,
    )
