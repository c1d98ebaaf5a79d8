"""Reads of satisfaction surveys: the questionnaires, the responses a user may read, the
episodes waiting for a survey, and the results per program, 시·군 or corps member.

The results are aggregates in SQL (counts and means per group and per question): no loop
over responses in Python. They never carry free text, so managers may read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Avg, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from base.models import Program, Region
from care.episodes.models import AfterCareCheck, Episode
from care.satisfaction.models import (
    Question,
    Questionnaire,
    SatisfactionAnswer,
    SatisfactionResponse,
)
from care.satisfaction.services import CAREGIVER_DAYS_AFTER_CLOSURE
from volunteers.models import CorpsMember

GROUPINGS = ("program", "region", "corps_member")


def questionnaire_list() -> QuerySet[Questionnaire]:
    """Published versions with their questions (what a client needs to ask and to score)."""
    return (
        Questionnaire.objects.published()
        .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("order")))
        .order_by("code", "-version")
    )


def response_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[SatisfactionResponse]:
    """The responses a user may read, with their episode, person and answers."""
    return (
        SatisfactionResponse.objects.visible_to(user)
        .select_related(
            "episode__recipient__region", "episode__program", "questionnaire", "asked_by"
        )
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=SatisfactionAnswer.objects.select_related("question").order_by(
                    "question__order"
                ),
            )
        )
        .order_by("-answered_on", "-id")
    )


def _surveyed(occasion: str) -> Exists:
    return Exists(
        SatisfactionResponse.objects.filter(episode=OuterRef("episode_id"), occasion=occasion)
    )


def aftercare_without_survey(on: date | None = None) -> QuerySet[AfterCareCheck]:
    """After-care calls due (or done) whose survey is not recorded yet: the desk's queue."""
    on = on or timezone.localdate()
    return (
        AfterCareCheck.objects.filter(due_on__lte=on)
        .filter(Q(done_at__isnull=True) | Q(done_at__gte=timezone.now() - timedelta(days=14)))
        .exclude(_surveyed(SatisfactionResponse.Occasion.AFTERCARE))
        .select_related("episode__recipient__region", "episode__program")
        .order_by("due_on", "id")
    )


def closures_without_survey(on: date | None = None, days: int = 30) -> QuerySet[Episode]:
    """Episodes closed in the last ``days`` whose closure survey is not recorded yet."""
    on = on or timezone.localdate()
    surveyed = SatisfactionResponse.objects.filter(
        episode=OuterRef("pk"), occasion=SatisfactionResponse.Occasion.CLOSURE
    )
    return (
        Episode.objects.filter(state=Episode.State.CLOSED, closed_on__gte=on - timedelta(days=days))
        .exclude(Exists(surveyed))
        .select_related("recipient__region", "program")
        .order_by("-closed_on", "pk")
    )


def caregiver_episodes_to_survey(
    *, user: AbstractBaseUser | AnonymousUser, on: date | None = None
) -> QuerySet[Episode]:
    """The caregiver's own recipients' episodes that may take the closure survey: active, or
    closed lately, without it yet."""
    if not user.is_authenticated:
        return Episode.objects.none()
    on = on or timezone.localdate()
    since = on - timedelta(days=CAREGIVER_DAYS_AFTER_CLOSURE)
    surveyed = SatisfactionResponse.objects.filter(
        episode=OuterRef("pk"), occasion=SatisfactionResponse.Occasion.CLOSURE
    )
    mine = Episode.objects.filter(assignments__corps_member__user=user).values("pk")
    return (
        Episode.objects.filter(pk__in=mine)
        .filter(Q(state=Episode.State.ACTIVE) | Q(state=Episode.State.CLOSED, closed_on__gte=since))
        .exclude(Exists(surveyed))
        .select_related("recipient", "program")
        .order_by("-closed_on", "recipient__name", "pk")
    )


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    code: str
    text: str
    version: int
    scale_min: int
    scale_max: int
    answers: int
    mean: Decimal | None


@dataclass
class GroupResult:
    key: str
    label: str
    responses: int
    overall: Decimal | None
    questions: list[QuestionResult] = field(default_factory=list)


@dataclass
class Results:
    year: int
    month: int | None
    by: str
    total: GroupResult
    groups: list[GroupResult]


def _round(value: Any, places: str = "0.1") -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def period_bounds(year: int, month: int | None) -> tuple[date, date]:
    """First day and the day after the last of a month, or of the year (Seoul dates)."""
    if month is None:
        return date(year, 1, 1), date(year + 1, 1, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year, month, 1), end


def responses_in(year: int, month: int | None) -> QuerySet[SatisfactionResponse]:
    start, end = period_bounds(year, month)
    return SatisfactionResponse.objects.filter(answered_on__gte=start, answered_on__lt=end)


# Where a response's group is: the episode's program, the person's 시·군, or the episode's
# main corps members (those assigned to it; a response counts once for each of them).
GROUP_FIELDS = {
    "program": "episode__program_id",
    "region": "episode__recipient__region_id",
    "corps_member": "episode__assignments__corps_member_id",
}


def _pairs(responses: QuerySet[SatisfactionResponse], by: str) -> tuple[str, tuple]:
    """SQL of the distinct (response, group) pairs: a corps member assigned twice to one
    episode still counts its response once."""
    pairs = (
        responses.filter(**{f"{GROUP_FIELDS[by]}__isnull": False})
        .order_by()
        .values(kpi_response=F("pk"), kpi_group=F(GROUP_FIELDS[by]))
        .distinct()
    )
    return pairs.query.sql_with_params()


def _fetch(sql: str, params: tuple) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _labels(by: str, keys: set[int]) -> dict[int, tuple[str, str]]:
    """Group id → (code, name): one query."""
    if by == "program":
        rows = Program.objects.filter(pk__in=keys).values_list("pk", "code", "name")
    elif by == "region":
        rows = Region.objects.filter(pk__in=keys).values_list("pk", "code", "name")
    else:
        rows = (
            CorpsMember.objects.filter(pk__in=keys)
            .annotate(code=F("pk"))
            .values_list("pk", "code", "name")
        )
    return {pk: (str(code), name) for pk, code, name in rows}


def satisfaction_results(*, year: int, month: int | None = None, by: str = "program") -> Results:
    """Responses and mean scores (overall on 0–100, each question on its own scale) in the
    period, in total and per group: five grouped queries whatever the number of rows."""
    if by not in GROUPINGS:
        raise ValueError(by)
    responses = responses_in(year, month)
    quote = connection.ops.quote_name
    response_table = quote(SatisfactionResponse._meta.db_table)
    answer_table = quote(SatisfactionAnswer._meta.db_table)

    # The total: the responses' count and mean, and each question's.
    total = responses.aggregate(n=Count("pk"), mean=Avg("overall_score"))
    total_questions = (
        SatisfactionAnswer.objects.filter(response__in=responses, score__isnull=False)
        .order_by()
        .values("question_id")
        .annotate(n=Count("pk"), mean=Avg("score"))
        .values_list("question_id", "n", "mean")
    )
    # Per group, over the distinct (response, group) pairs.
    pairs_sql, params = _pairs(responses, by)
    grouped = _fetch(
        f"SELECT p.kpi_group, COUNT(*), AVG(r.overall_score) FROM ({pairs_sql}) p "  # noqa: S608
        f"JOIN {response_table} r ON r.id = p.kpi_response GROUP BY p.kpi_group",
        params,
    )
    grouped_questions = _fetch(
        f"SELECT p.kpi_group, a.question_id, COUNT(*), AVG(a.score) FROM ({pairs_sql}) p "  # noqa: S608
        f"JOIN {answer_table} a ON a.response_id = p.kpi_response "
        "WHERE a.score IS NOT NULL GROUP BY p.kpi_group, a.question_id",
        params,
    )
    question_ids = {row[0] for row in total_questions}
    questions = {
        q.pk: q
        for q in Question.objects.filter(pk__in=question_ids).select_related("questionnaire")
    }
    labels = _labels(by, {row[0] for row in grouped})

    def question_results(rows: list[tuple[int, int, Any]]) -> list[QuestionResult]:
        found = [
            QuestionResult(
                question_id=qid,
                code=questions[qid].code,
                text=questions[qid].text,
                version=questions[qid].questionnaire.version,
                scale_min=questions[qid].scale_min or 0,
                scale_max=questions[qid].scale_max or 0,
                answers=n,
                mean=_round(mean, "0.01"),
            )
            for qid, n, mean in rows
            if qid in questions
        ]
        return sorted(found, key=lambda q: (q.version, questions[q.question_id].order))

    per_group: dict[int, list[tuple[int, int, Any]]] = {}
    for group, qid, n, mean in grouped_questions:
        per_group.setdefault(group, []).append((qid, n, mean))
    groups = [
        GroupResult(
            key=labels.get(group, (str(group), ""))[0],
            label=labels.get(group, ("", str(group)))[1],
            responses=n,
            overall=_round(mean),
            questions=question_results(per_group.get(group, [])),
        )
        for group, n, mean in grouped
    ]
    groups.sort(key=lambda g: (g.label, g.key))
    return Results(
        year=year,
        month=month,
        by=by,
        total=GroupResult(
            key="",
            label="",
            responses=total["n"],
            overall=_round(total["mean"]),
            questions=question_results(list(total_questions)),
        ),
        groups=groups,
    )
