"""The job's state machine and the rules the database holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from care.repairs import services
from care.repairs.models import RepairItem, RepairJob, RepairJobTransition
from tests.care.repairs.factories import RepairJobFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

State = RepairJob.State


@pytest.fixture
def actor() -> Any:
    return UserFactory(roles=["coordinator"])


@pytest.mark.parametrize(
    ("state", "to_state"),
    [
        (State.SURVEY, State.IN_PROGRESS),
        (State.SURVEY, State.COMPLETED),
        (State.QUOTED, State.COMPLETED),
        (State.COMPLETED, State.CANCELLED),
        (State.CANCELLED, State.QUOTED),
    ],
)
def test_a_move_the_table_does_not_allow_is_refused(actor: Any, state: str, to_state: str) -> None:
    job = RepairJobFactory(state=state)
    job.started_on = job.started_on or job.surveyed_on
    job.completed_on = job.completed_on or job.surveyed_on

    with pytest.raises(ValidationError) as refused:
        services.job_transition(actor=actor, job=job, to_state=to_state)

    assert "state" in refused.value.message_dict
    assert RepairJob.objects.get(pk=job.pk).state == state


def test_every_move_is_recorded_with_who_made_it(actor: Any) -> None:
    job = RepairJobFactory(state=State.COMPLETED, actor=actor)

    moves = list(
        RepairJobTransition.objects.filter(job=job).values_list("from_state", "to_state", "by")
    )

    assert moves == [
        ("", "survey", actor.pk),
        ("survey", "quoted", actor.pk),
        ("quoted", "in_progress", actor.pk),
        ("in_progress", "completed", actor.pk),
    ]


def test_a_new_quote_replaces_the_old_one_before_the_work_starts(actor: Any) -> None:
    job = RepairJobFactory(state=State.QUOTED)

    job = services.job_quote(
        actor=actor,
        job=job,
        quoted_on=job.quoted_on,
        contractor=job.contractor,
        quote_amount=70000,
    )

    assert (job.state, job.quote_amount) == (State.QUOTED, 70000)


def test_the_database_refuses_a_completed_job_without_a_completion_date() -> None:
    job = RepairJobFactory(state=State.IN_PROGRESS)

    with pytest.raises(IntegrityError), transaction.atomic():
        RepairJob.objects.filter(pk=job.pk).update(state=State.COMPLETED)


def test_the_database_refuses_a_sign_off_before_completion() -> None:
    job = RepairJobFactory(state=State.IN_PROGRESS)

    with pytest.raises(IntegrityError), transaction.atomic():
        RepairJob.objects.filter(pk=job.pk).update(
            signed_on=dt.date(2024, 3, 20), signed_by_name="김순자", signed_by_relation="self"
        )


def test_the_database_refuses_a_negative_unit_cost() -> None:
    job = RepairJobFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        RepairItem.objects.filter(job=job).update(unit_cost=-1)


def test_a_sign_off_is_given_once(actor: Any) -> None:
    job = RepairJobFactory(state=State.COMPLETED, signed=True)

    with pytest.raises(ValidationError) as refused:
        services.job_sign_off(
            actor=actor,
            job=job,
            signed_by_name="다른 사람",
            signed_by_relation="child",
            signed_on=job.completed_on,
        )

    assert "signed_on" in refused.value.message_dict


def test_items_of_a_completed_job_cannot_change(actor: Any) -> None:
    job = RepairJobFactory(state=State.COMPLETED)

    with pytest.raises(ValidationError):
        services.item_add(actor=actor, job=job, item="추가", quantity=1, unit_cost=1000)

    assert job.items.count() == 1


def test_an_item_amount_is_rounded_half_up_to_the_won() -> None:
    from decimal import Decimal

    assert services.item_amount(Decimal("0.5"), 3) == 2
    assert services.item_amount(Decimal("2.25"), 10001) == 22502
