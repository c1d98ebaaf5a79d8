"""A program of the tests' own, with rules, criteria and fees, and episodes in every state.

The tests use their own program so that the migrated rules and criteria of the real programs
(care 0014) can change without changing what these tests mean.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from base.models import Program
from care.models import (
    EligibilityAnswer,
    EligibilityCriterion,
    Episode,
    IncomeBracket,
    ProgramRules,
    Recipient,
)
from tests.factories import (
    EligibilityCriterionFactory,
    EpisodeFactory,
    FeeRuleFactory,
    IncomeBracketFactory,
    ProgramRulesFactory,
    RecipientFactory,
)

State = Episode.State


@pytest.fixture
def care_program(db: Any) -> Program:
    """시험 돌봄: 30 days, 72 hours, one extension of 15 days and 36 hours, after-care 14 days;
    two yes/no criteria (one a check of other services) and an income criterion."""
    program = Program.objects.create(code="test_care", name="시험 돌봄")
    ProgramRulesFactory(program=program)
    low = IncomeBracketFactory(code="t_low", name="중위 50% 이하", sort_order=1)
    mid = IncomeBracketFactory(code="t_mid", name="중위 100% 이하", sort_order=2)
    IncomeBracketFactory(code="t_high", name="중위 100% 초과", sort_order=3)
    FeeRuleFactory(program=program, income_bracket=low, copay_percent=0, basis="저소득 무료")
    FeeRuleFactory(program=program, income_bracket=mid, copay_percent=20, basis="조례 제5조")
    EligibilityCriterionFactory(
        program=program, code="no_carer", question="돌볼 사람이 없음", eligible_answer="yes"
    )
    EligibilityCriterionFactory(
        program=program,
        code="no_ltc",
        question="장기요양 미이용",
        eligible_answer="no",
        other_service=True,
    )
    EligibilityCriterionFactory(
        program=program,
        code="income",
        question="소득 구간",
        answer_kind=EligibilityCriterion.AnswerKind.INCOME_BRACKET,
        eligible_answer="",
    )
    return program


def rules_of(program: Program) -> ProgramRules:
    return ProgramRules.objects.get(program=program)


def good_answers(**overrides: str) -> list[dict[str, Any]]:
    """Answers that make a person eligible, each with its source and date."""
    answers = {"no_carer": "yes", "no_ltc": "no", "income": "t_mid", **overrides}
    return [
        {
            "criterion": code,
            "answer": answer,
            "source": "system_check" if code == "no_ltc" else "self_report",
            "checked_on": timezone.localdate(),
            "note": "행복e음 조회: 장기요양 등급 없음" if code == "no_ltc" else "",
        }
        for code, answer in answers.items()
    ]


def assessment(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "needs": [],
        "risk_level": Recipient.RiskLevel.HIGH,
        "living_situation": Episode.LivingSituation.ALONE,
        "carer_situation": "딸이 입원하여 돌볼 사람 없음",
        "income_bracket": IncomeBracket.objects.get(code="t_mid"),
        "answers": good_answers(),
    }
    fields.update(overrides)
    return fields


def episode_in(state: str, program: Program, **fields: Any) -> Episode:
    """An episode of ``program`` in ``state``, with what that state needs (answers when
    assessed, period and limits from today when approved or later)."""
    today = timezone.localdate()
    values: dict[str, Any] = {
        "recipient": fields.pop("recipient", None) or RecipientFactory(),
        "program": program,
        "state": state,
        "referred_on": today - dt.timedelta(days=5),
    }
    if state in (State.APPROVED, State.ACTIVE, State.CLOSED):
        values.update(
            starts_on=today - dt.timedelta(days=2),
            planned_end_on=today + dt.timedelta(days=27),
            max_days=30,
            max_hours=Decimal("72"),
        )
    if state == State.CLOSED:
        values.update(closed_on=today, closure_reason=Episode.ClosureReason.RECOVERED)
    if state == State.DECLINED:
        values["decision_reason"] = "소득 기준 초과"
    if state != State.REFERRED:
        values["income_bracket"] = IncomeBracket.objects.get(code="t_mid")
    values.update(fields)
    episode = EpisodeFactory(**values)
    if state != State.REFERRED:
        criteria = {c.code: c for c in EligibilityCriterion.objects.filter(program=program)}
        EligibilityAnswer.objects.bulk_create(
            EligibilityAnswer(
                episode=episode,
                criterion=criteria[entry["criterion"]],
                answer=entry["answer"],
                source=entry["source"],
                checked_on=entry["checked_on"],
                note=entry["note"],
            )
            for entry in good_answers()
        )
    return episode
