"""Writes of satisfaction surveys: a response with its answers (one transaction), and new
versions of a questionnaire (a published one is never edited)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog
from base.roles import has_role
from base.services import access_log_record
from care.episodes.models import AfterCareCheck, Episode
from care.satisfaction.models import (
    Question,
    Questionnaire,
    SatisfactionAnswer,
    SatisfactionResponse,
)

# The questionnaire asked when the caller names none (seeded by care/migrations/0021).
DEFAULT_QUESTIONNAIRE = "emergency_care"
# How long after closure a caregiver may still record the closure survey on the tablet.
CAREGIVER_DAYS_AFTER_CLOSURE = 14


def caregiver_may_survey(user: AbstractBaseUser, episode: Episode, today: date) -> bool:
    """A caregiver asks their own recipient at closure: an episode they were assigned to,
    active or closed in the last ``CAREGIVER_DAYS_AFTER_CLOSURE`` days."""
    if not episode.assignments.filter(corps_member__user=user).exists():
        return False
    if episode.state == Episode.State.ACTIVE:
        return True
    return (
        episode.state == Episode.State.CLOSED
        and episode.closed_on is not None
        and episode.closed_on >= today - timedelta(days=CAREGIVER_DAYS_AFTER_CLOSURE)
    )


def _may_record(actor: AbstractBaseUser, episode: Episode, occasion: str, today: date) -> bool:
    if has_role(actor, "coordinator", "administrator"):
        return True
    return (
        has_role(actor, "caregiver")
        and occasion == SatisfactionResponse.Occasion.CLOSURE
        and caregiver_may_survey(actor, episode, today)
    )


def _occasion_check(episode: Episode, occasion: str) -> None:
    if occasion not in SatisfactionResponse.Occasion.values:
        raise ValidationError({"occasion": [_("조사 시점을 고르세요.")]})
    allowed = (
        (Episode.State.ACTIVE, Episode.State.CLOSED)
        if occasion == SatisfactionResponse.Occasion.CLOSURE
        else (Episode.State.CLOSED,)
    )
    if episode.state not in allowed:
        raise ValidationError(
            {"episode": [_("종결하는 회차나 종결한 회차에만 만족도를 조사합니다.")]}
        )


def _questionnaire_of(questionnaire: Questionnaire | None) -> Questionnaire:
    if questionnaire is None:
        questionnaire = Questionnaire.objects.current(DEFAULT_QUESTIONNAIRE)
        if questionnaire is None:
            raise ValidationError({"questionnaire": [_("사용 중인 설문지가 없습니다.")]})
    if not questionnaire.is_published:
        raise ValidationError({"questionnaire": [_("게시하지 않은 설문지입니다.")]})
    return questionnaire


def _answers_checked(
    questions: dict[int, Question], answers: Sequence[Mapping[str, Any]]
) -> list[SatisfactionAnswer]:
    """Each answer against its question: of this version, once, in its scale (a score) or
    text; every required question answered. Errors are keyed ``answers[i].field``."""
    errors: dict[str, list[str]] = {}
    rows: list[SatisfactionAnswer] = []
    seen: set[int] = set()
    for i, answer in enumerate(answers):
        key = f"answers[{i}]"
        question = questions.get(_question_id(answer.get("question")))
        if question is None:
            errors[f"{key}.question"] = [_("이 설문지 판의 문항이 아닙니다.")]
            continue
        if question.pk in seen:
            errors[f"{key}.question"] = [_("같은 문항에 두 번 답했습니다.")]
            continue
        seen.add(question.pk)
        score, text = answer.get("score"), (answer.get("text") or "").strip()
        if question.kind == Question.Kind.SCALE:
            if score is None:
                if question.required:
                    errors[f"{key}.score"] = [_("점수를 고르세요.")]
                continue
            if not question.scale_min <= score <= question.scale_max:  # type: ignore[operator]
                errors[f"{key}.score"] = [
                    _("%(min)d–%(max)d 사이의 점수로 답하세요.")
                    % {"min": question.scale_min, "max": question.scale_max}
                ]
                continue
            if text:
                errors[f"{key}.text"] = [_("척도 문항에는 점수로만 답합니다.")]
                continue
            rows.append(SatisfactionAnswer(question=question, score=score))
        else:
            if score is not None:
                errors[f"{key}.score"] = [_("서술 문항에는 점수가 없습니다.")]
                continue
            if not text:
                if question.required:
                    errors[f"{key}.text"] = [_("응답을 적으세요.")]
                continue
            rows.append(SatisfactionAnswer(question=question, text=text))
    missing = [
        question for question in questions.values() if question.required and question.pk not in seen
    ]
    if missing:
        errors["answers"] = [
            _("필수 문항에 답하지 않았습니다: %(questions)s")
            % {"questions": ", ".join(f"{q.order}. {q.text}" for q in missing)}
        ]
    if errors:
        raise ValidationError(errors)
    return rows


def _question_id(value: Any) -> int | None:
    if isinstance(value, Question):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def overall_score(answers: Sequence[SatisfactionAnswer]) -> Decimal | None:
    """The mean of the scale answers counted in the overall score, each on 0–100."""
    points = [
        answer.question.points(answer.score)
        for answer in answers
        if answer.score is not None and answer.question.in_overall
    ]
    if not points:
        return None
    mean = sum(points, Decimal(0)) / len(points)
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def satisfaction_response_record(
    *,
    actor: AbstractBaseUser,
    episode: Episode,
    occasion: str,
    channel: str,
    respondent: str,
    answers: Sequence[Mapping[str, Any]],
    respondent_relation: str = "",
    questionnaire: Questionnaire | None = None,
    answered_on: date | None = None,
    client_uuid: uuid.UUID | None = None,
    source_ip: str | None = None,
) -> tuple[SatisfactionResponse, bool]:
    """만족도 조사 기록: the response and its answers, all or nothing; (response, created).

    A retry with a ``client_uuid`` already stored returns the stored response. One response
    per episode and occasion; an after-care response is linked to the episode's after-care
    check. The overall score is fixed here (a response is never edited).
    """
    stored = _stored(actor, client_uuid)
    if stored is not None:
        return stored, False
    today = timezone.localdate()
    # The episode's row lock makes two surveys of one episode at once wait for each other:
    # the second then meets the unique (episode, occasion) rule as a 400, not a 500.
    episode = (
        Episode.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .get(pk=episode.pk)
    )
    # A retry that raced the first request here waited for the lock: it finds that one now.
    stored = _stored(actor, client_uuid)
    if stored is not None:
        return stored, False
    if not _may_record(actor, episode, occasion, today):
        raise ValidationError({"episode": [_("이 회차의 만족도를 기록할 수 없습니다.")]})
    _occasion_check(episode, occasion)
    questionnaire = _questionnaire_of(questionnaire)
    questions = {q.pk: q for q in questionnaire.questions.all()}
    rows = _answers_checked(questions, answers)
    answered_on = answered_on or today
    if answered_on > today:
        raise ValidationError({"answered_on": [_("응답일은 오늘 이후일 수 없습니다.")]})
    aftercare = None
    if occasion == SatisfactionResponse.Occasion.AFTERCARE:
        aftercare = AfterCareCheck.objects.filter(episode=episode).first()
    response = SatisfactionResponse(
        episode=episode,
        occasion=occasion,
        aftercare=aftercare,
        channel=channel,
        respondent=respondent,
        respondent_relation=respondent_relation.strip(),
        questionnaire=questionnaire,
        answered_on=answered_on,
        asked_by=actor,
        overall_score=overall_score(rows),
        client_uuid=client_uuid,
    )
    response.full_clean()
    response.save()
    errors: dict[str, list[str]] = {}
    for row in rows:
        row.response = response
        try:
            row.full_clean(exclude={"response", "question"}, validate_unique=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"answers[{_index_of(answers, row.question)}].{field}"] = messages
    if errors:
        raise ValidationError(errors)
    SatisfactionAnswer.objects.bulk_create(rows)
    access_log_record(
        actor=actor,
        action=AccessLog.Action.CHANGE,
        recipients=[episode.recipient],
        source_ip=source_ip,
        path="satisfaction",
    )
    return response, True


def _stored(actor: AbstractBaseUser, client_uuid: uuid.UUID | None) -> SatisfactionResponse | None:
    """The response already stored under ``client_uuid``, if the actor may have it back."""
    if client_uuid is None:
        return None
    stored = SatisfactionResponse.objects.filter(client_uuid=client_uuid).first()
    if stored is None:
        return None
    if stored.asked_by_id != actor.pk and not has_role(actor, "coordinator", "administrator"):
        raise ValidationError({"client_uuid": [_("이미 쓰인 기록 ID입니다.")]})
    return stored


def _index_of(answers: Sequence[Mapping[str, Any]], question: Question) -> int:
    for i, answer in enumerate(answers):
        if _question_id(answer.get("question")) == question.pk:
            return i
    return 0


@transaction.atomic
def questionnaire_revise(*, questionnaire: Questionnaire) -> Questionnaire:
    """A new draft version with the same questions, to be changed and then published; the
    published version stays as it was, with the answers given to it."""
    latest = (
        Questionnaire.objects.select_for_update()
        .filter(code=questionnaire.code)
        .order_by("-version")
        .first()
    )
    assert latest is not None
    draft = Questionnaire(
        code=questionnaire.code,
        version=latest.version + 1,
        title=questionnaire.title,
        description=questionnaire.description,
    )
    draft.full_clean()
    draft.save()
    Question.objects.bulk_create(
        Question(
            questionnaire=draft,
            order=q.order,
            code=q.code,
            text=q.text,
            kind=q.kind,
            scale_min=q.scale_min,
            scale_max=q.scale_max,
            min_label=q.min_label,
            max_label=q.max_label,
            required=q.required,
            in_overall=q.in_overall,
        )
        for q in questionnaire.questions.all()
    )
    return draft


@transaction.atomic
def questionnaire_publish(*, questionnaire: Questionnaire) -> Questionnaire:
    """게시: the version becomes the one asked; the code's other versions stop being asked."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.is_published and questionnaire.is_active:
        return questionnaire
    if not questionnaire.questions.exists():
        raise ValidationError({"questions": [_("문항이 없는 설문지는 게시할 수 없습니다.")]})
    Questionnaire.objects.filter(code=questionnaire.code, is_active=True).exclude(
        pk=questionnaire.pk
    ).update(is_active=False)
    questionnaire.published_at = questionnaire.published_at or timezone.now()
    questionnaire.is_active = True
    questionnaire.full_clean()
    questionnaire.save()
    return questionnaire
