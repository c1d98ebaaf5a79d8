"""Results per program, 시·군 and corps member: counts and means from SQL aggregates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from base.models import Program
from care.models import Assignment
from care.satisfaction.selectors import satisfaction_results
from tests.care.satisfaction.factories import a_response, closed_episode
from tests.factories import CorpsMemberFactory, ProgramRulesFactory

pytestmark = pytest.mark.django_db

D = Decimal


def test_results_per_program_give_counts_overall_and_question_means() -> None:
    rural = Program.objects.get(code="rural_gap_care")
    ProgramRulesFactory(program=rural)
    a_response(closed_episode(), 5, 5, 5, 5, 5)  # 100
    a_response(closed_episode(), 3, 5, 1, 5, 5)  # 50, 100, 0, 100, 100 → 70
    a_response(closed_episode(program=rural), 2, 2, 2, 2, 2)  # 25

    found = satisfaction_results(year=2023, month=2, by="program")

    assert found.total.responses == 3 and found.total.overall == D("65.0")
    by_key = {group.key: group for group in found.groups}
    assert by_key["emergency_care"].responses == 2
    assert by_key["emergency_care"].overall == D("85.0")
    assert by_key["rural_gap_care"].overall == D("25.0")
    timeliness = {q.code: q.mean for q in by_key["emergency_care"].questions}["timeliness"]
    assert timeliness == D("3.00")  # (5 + 1) ÷ 2 on its own 1–5 scale
    assert [q.code for q in found.total.questions] == [
        "service", "kindness", "timeliness", "outcome", "recommend",
    ]  # fmt: skip


def test_a_response_counts_once_for_each_main_corps_member_of_its_episode() -> None:
    # given an episode with two corps members, one of them assigned twice
    kim, lee = CorpsMemberFactory(name="김단원"), CorpsMemberFactory(name="이단원")
    shared = closed_episode(member=kim)
    Assignment.objects.create(
        recipient=shared.recipient,
        corps_member=kim,
        episode=shared,
        program=shared.program,
        starts_on=shared.closed_on,
        ends_on=shared.closed_on,
    )
    Assignment.objects.create(
        recipient=shared.recipient,
        corps_member=lee,
        episode=shared,
        program=shared.program,
        starts_on=shared.starts_on,
        ends_on=shared.closed_on,
    )
    a_response(shared, 4, 4, 4, 4, 4)  # 75
    a_response(closed_episode(member=kim), 5, 5, 5, 5, 5)  # 100

    found = satisfaction_results(year=2023, by="corps_member")

    by_name = {group.label: (group.responses, group.overall) for group in found.groups}
    assert by_name == {"김단원": (2, D("87.5")), "이단원": (1, D("75.0"))}
    assert found.total.responses == 2


def test_results_keep_to_the_period() -> None:
    a_response(closed_episode(), 5, 5, 5, 5, 5, answered_on=dt.date(2023, 1, 31))
    a_response(closed_episode(), 1, 1, 1, 1, 1, answered_on=dt.date(2023, 2, 1))

    january = satisfaction_results(year=2023, month=1, by="region")
    year = satisfaction_results(year=2023, by="region")

    assert (january.total.responses, january.total.overall) == (1, D("100.0"))
    assert (year.total.responses, year.total.overall) == (2, D("50.0"))
    assert satisfaction_results(year=2022, by="region").groups == []
