"""Surveys for the satisfaction tests: the seeded questionnaire (care 0021), episodes closed
for a corps member, and responses recorded through the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from care.models import Assignment, Episode, Question, Questionnaire, SatisfactionResponse
from tests.factories import (
    AfterCareCheckFactory,
    CorpsMemberFactory,
    EpisodeFactory,
    RecipientFactory,
    UserFactory,
)
from volunteers.models import CorpsMember

COMMENT = "선생님이 친절하셨어요"


def questionnaire() -> Questionnaire:
    """The seeded 긴급돌봄 questionnaire, version 1: five 1–5 questions and a comment."""
    found = Questionnaire.objects.current("emergency_care")
    assert found is not None
    return found


def questions(of: Questionnaire | None = None) -> list[Question]:
    return list((of or questionnaire()).questions.order_by("order"))


def answers(
    *scores: int | None, comment: str = "", of: Questionnaire | None = None
) -> list[dict[str, Any]]:
    """Answers in question order: ``scores`` for the scale questions (5 of them by default
    all 5), then the comment."""
    found = questions(of)
    scale = [q for q in found if q.kind == Question.Kind.SCALE]
    scores = scores or tuple(5 for _q in scale)
    rows: list[dict[str, Any]] = [
        {"question": q.pk, "score": score} for q, score in zip(scale, scores, strict=True)
    ]
    text = [q for q in found if q.kind == Question.Kind.TEXT]
    if comment and text:
        rows.append({"question": text[0].pk, "text": comment})
    return rows


def closed_episode(
    *,
    member: CorpsMember | None = None,
    closed_on: dt.date = dt.date(2023, 2, 10),
    region: str = "jeonju",
    aftercare: bool = False,
    **fields: Any,
) -> Episode:
    """An episode closed on ``closed_on``, its corps member assigned to it."""
    from tests.factories import region as region_of

    recipient = RecipientFactory(region=region_of(region))
    episode = EpisodeFactory(
        recipient=recipient,
        state=Episode.State.CLOSED,
        starts_on=closed_on - dt.timedelta(days=20),
        closed_on=closed_on,
        **fields,
    )
    Assignment.objects.create(
        recipient=recipient,
        corps_member=member or CorpsMemberFactory(),
        episode=episode,
        program=episode.program,
        starts_on=episode.starts_on,
        ends_on=closed_on,
    )
    if aftercare:
        AfterCareCheckFactory(episode=episode)
    return episode


def a_response(
    episode: Episode,
    *scores: int | None,
    answered_on: dt.date = dt.date(2023, 2, 15),
    occasion: str = SatisfactionResponse.Occasion.CLOSURE,
    comment: str = "",
    by: AbstractBaseUser | None = None,
) -> SatisfactionResponse:
    from care.satisfaction.services import satisfaction_response_record

    response, _created = satisfaction_response_record(
        actor=by or UserFactory(username="surveyor", roles=["coordinator"]),
        episode=episode,
        occasion=occasion,
        channel=SatisfactionResponse.Channel.PHONE,
        respondent=SatisfactionResponse.Respondent.PERSON,
        answers=answers(*scores, comment=comment),
        answered_on=answered_on,
    )
    return response
