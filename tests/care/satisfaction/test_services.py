"""Recording a response: the overall score, the checks against the questionnaire version,
one response per episode and occasion, nothing half-written."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from care.models import Question, SatisfactionAnswer, SatisfactionResponse
from care.satisfaction import services
from tests.care.satisfaction.factories import (
    COMMENT,
    a_response,
    answers,
    closed_episode,
    questionnaire,
    questions,
)
from tests.factories import EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db

Occasion = SatisfactionResponse.Occasion


def record(episode, answer_rows, **fields):  # noqa: ANN001, ANN003, ANN201
    values = {
        "actor": UserFactory(username="coord", roles=["coordinator"]),
        "episode": episode,
        "occasion": Occasion.CLOSURE,
        "channel": "phone",
        "respondent": "person",
        "answers": answer_rows,
        "answered_on": dt.date(2023, 2, 15),
    }
    values.update(fields)
    return services.satisfaction_response_record(**values)


def test_the_seeded_questionnaire_asks_five_scale_questions_and_a_comment() -> None:
    found = questions()

    assert [q.code for q in found] == [
        "service", "kindness", "timeliness", "outcome", "recommend", "comments",
    ]  # fmt: skip
    assert {(q.scale_min, q.scale_max) for q in found[:5]} == {(1, 5)}
    assert found[5].kind == Question.Kind.TEXT and not found[5].required


def test_the_overall_score_is_the_mean_of_the_scale_answers_on_100() -> None:
    # given answers 5, 4, 3, 5, 1 on 1–5: 100, 75, 50, 100 and 0 points
    response = a_response(closed_episode(), 5, 4, 3, 5, 1, comment=COMMENT)

    # then the overall score is their mean, 65 points; the comment is kept but not scored
    assert response.overall_score == Decimal("65.00")
    assert response.answers.count() == 6


def test_an_answer_outside_its_scale_is_refused_naming_the_field_and_nothing_is_written() -> None:
    with pytest.raises(ValidationError) as refused:
        record(closed_episode(), answers(5, 4, 6, 5, 5))

    assert "answers[2].score" in refused.value.message_dict
    assert not SatisfactionResponse.objects.exists()
    assert not SatisfactionAnswer.objects.exists()


def test_a_required_question_left_unanswered_is_refused() -> None:
    rows = answers(5, 4, 3, 5, 5)[:4]

    with pytest.raises(ValidationError) as refused:
        record(closed_episode(), rows)

    assert "answers" in refused.value.message_dict
    assert "권하시겠습니까" in refused.value.message_dict["answers"][0]


def test_an_answer_to_a_question_of_another_version_is_refused() -> None:
    # given version 2, a draft copy of version 1
    draft = services.questionnaire_revise(questionnaire=questionnaire())
    rows = answers(5, 5, 5, 5, 5)
    rows[1]["question"] = draft.questions.get(code="kindness").pk

    with pytest.raises(ValidationError) as refused:
        record(closed_episode(), rows)

    assert "answers[1].question" in refused.value.message_dict


def test_one_response_per_episode_and_occasion() -> None:
    episode = closed_episode(aftercare=True)
    a_response(episode)

    with pytest.raises(ValidationError) as refused:
        a_response(episode)
    after = a_response(episode, occasion=Occasion.AFTERCARE)

    assert "__all__" in refused.value.message_dict
    # the after-care survey is its own, linked to the after-care check
    assert after.aftercare == episode.aftercare
    assert SatisfactionResponse.objects.filter(episode=episode).count() == 2


def test_a_family_member_answering_needs_the_relation() -> None:
    with pytest.raises(ValidationError) as refused:
        record(closed_episode(), answers(), respondent="family")

    assert refused.value.message_dict
    response, _created = record(
        closed_episode(), answers(), respondent="family", respondent_relation="딸"
    )
    assert response.respondent_relation == "딸"


def test_a_resident_registration_number_in_a_comment_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        record(closed_episode(), answers(comment="제 번호는 450101-2345678 입니다"))

    assert "answers[5].text" in refused.value.message_dict
    assert not SatisfactionResponse.objects.exists()


def test_a_retry_with_the_same_client_uuid_returns_the_stored_response() -> None:
    key = uuid.uuid4()
    user = UserFactory(username="coord", roles=["coordinator"])
    first, created = record(closed_episode(), answers(), client_uuid=key, actor=user)
    again, created_again = record(first.episode, answers(), client_uuid=key, actor=user)

    assert created and not created_again and again.pk == first.pk


def test_an_episode_still_referred_takes_no_survey() -> None:
    episode = EpisodeFactory(state="referred")

    with pytest.raises(ValidationError) as refused:
        record(episode, answers())

    assert "episode" in refused.value.message_dict


def test_a_published_questionnaire_is_never_edited_a_change_is_a_new_version() -> None:
    published = questionnaire()
    question = published.questions.get(code="service")
    question.text = "바뀐 문항"

    with pytest.raises(ValidationError):
        question.full_clean()

    draft = services.questionnaire_revise(questionnaire=published)
    changed = draft.questions.get(code="service")
    changed.text = "바뀐 문항"
    changed.full_clean()
    changed.save()
    services.questionnaire_publish(questionnaire=draft)

    published.refresh_from_db()
    assert draft.version == 2 and not published.is_active
    assert published.questions.get(code="service").text != "바뀐 문항"
    assert questionnaire().pk == draft.pk
