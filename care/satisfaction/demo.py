"""Demo satisfaction surveys (DEMO ONLY): phone surveys of the demo's closed episodes, so that
the desk's results and the goal tracker's 만족도 figure have something to show for 2023 and for
the recent months. Called by ``manage.py load_demo`` after the demo data set; a second run
adds nothing."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from care.demo import DEMO_MARK
from care.episodes.models import Episode
from care.satisfaction.models import Question, Questionnaire, SatisfactionResponse
from care.satisfaction.services import DEFAULT_QUESTIONNAIRE, satisfaction_response_record

# Nobody is asked after a death, or after refusing the service.
NOT_ASKED = (Episode.ClosureReason.DIED, Episode.ClosureReason.REFUSED)
# Most people are asked (some cannot be reached).
ASKED_SHARE = 0.8
SCORES = ((5, 50), (4, 35), (3, 11), (2, 3), (1, 1))
COMMENTS = (
    "단원 선생님이 친절하게 대해 주셔서 큰 힘이 되었습니다.",
    "퇴원하고 막막했는데 식사와 청소를 도와주셔서 고마웠어요.",
    "방문 시간이 조금 더 길었으면 좋겠습니다.",
    "딸이 입원한 동안 어머니를 잘 돌봐 주셔서 감사합니다.",
    "처음에 연락이 늦어 며칠 기다렸습니다.",
)


def _score(rng: random.Random) -> int:
    values, weights = zip(*SCORES, strict=True)
    return rng.choices(values, weights=weights)[0]


@transaction.atomic
def satisfaction_demo_load(*, seed: int = 2023) -> int:
    """Record the closure survey of most closed demo episodes, on their closure day, by the
    demo coordinator; the number recorded (0 when the demo's surveys are already there)."""
    demo_episodes = Episode.objects.filter(recipient__notes__startswith=DEMO_MARK)
    if SatisfactionResponse.objects.filter(episode__in=demo_episodes).exists():
        return 0
    coordinator = get_user_model().objects.filter(username="coordinator").first()
    questionnaire = Questionnaire.objects.current(DEFAULT_QUESTIONNAIRE)
    if coordinator is None or questionnaire is None:
        return 0
    questions = list(questionnaire.questions.order_by("order"))
    rng = random.Random(seed)
    today = timezone.localdate()
    recorded = 0
    closed = (
        demo_episodes.filter(state=Episode.State.CLOSED, closed_on__lte=today)
        .exclude(closure_reason__in=NOT_ASKED)
        .order_by("closed_on", "pk")
    )
    for episode in closed:
        if rng.random() > ASKED_SHARE:
            continue
        family = rng.random() < 0.3
        answers = [
            {"question": q.pk, "score": _score(rng)}
            if q.kind == Question.Kind.SCALE
            else {"question": q.pk, "text": rng.choice(COMMENTS) if rng.random() < 0.3 else ""}
            for q in questions
        ]
        satisfaction_response_record(
            actor=coordinator,
            episode=episode,
            occasion=SatisfactionResponse.Occasion.CLOSURE,
            channel=rng.choice(
                [SatisfactionResponse.Channel.PHONE] * 3 + [SatisfactionResponse.Channel.IN_PERSON]
            ),
            respondent=(
                SatisfactionResponse.Respondent.FAMILY
                if family
                else SatisfactionResponse.Respondent.PERSON
            ),
            respondent_relation=rng.choice(["딸", "아들", "배우자", "며느리"]) if family else "",
            questionnaire=questionnaire,
            answers=answers,
            answered_on=episode.closed_on,
        )
        recorded += 1
    return recorded
