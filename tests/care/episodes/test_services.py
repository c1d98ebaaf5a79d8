"""Episodes' services: the state machine, the decision, extensions, closure, after-care."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from base.models import AccessLog, Program
from care.episodes import services
from care.episodes.services import ALLOWED_MOVES
from care.models import (
    AfterCareCheck,
    Assignment,
    EligibilityAnswer,
    EligibilityCriterion,
    Episode,
    EpisodeTransition,
    ExtensionRequest,
    IncomeBracket,
    Recipient,
)
from care.schedule.models import ScheduledVisit
from tests.care.episodes.conftest import assessment, episode_in, good_answers, rules_of
from tests.care.schedule import helpers as schedule
from tests.factories import (
    AssignmentFactory,
    CorpsMemberFactory,
    EpisodeFactory,
    RecipientFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

State = Episode.State


@pytest.fixture
def coordinator(db: Any) -> Any:
    return UserFactory(username="coord", roles=["coordinator"])


def today() -> dt.date:
    return timezone.localdate()


# --- the state machine --------------------------------------------------------------------

STATES = [State.REFERRED, State.ASSESSED, State.APPROVED, State.ACTIVE, State.CLOSED,
          State.DECLINED, State.WITHDRAWN]  # fmt: skip


def _move(to_state: str) -> Callable[[Any, Episode], Episode]:
    """The service call that moves an episode to ``to_state``, with good input."""

    def assess(actor: Any, episode: Episode) -> Episode:
        return services.episode_assess(actor=actor, episode=episode, **assessment())

    def approve(actor: Any, episode: Episode) -> Episode:
        return services.episode_decide(actor=actor, episode=episode, approve=True)

    def decline(actor: Any, episode: Episode) -> Episode:
        return services.episode_decide(
            actor=actor, episode=episode, approve=False, reason="다른 서비스 이용 중"
        )

    def start(actor: Any, episode: Episode) -> Episode:
        return services.episode_start(actor=actor, episode=episode)

    def close(actor: Any, episode: Episode) -> Episode:
        return services.episode_close(
            actor=actor, episode=episode, reason=Episode.ClosureReason.RECOVERED
        )

    def withdraw(actor: Any, episode: Episode) -> Episode:
        return services.episode_withdraw(actor=actor, episode=episode, reason="본인이 거절")

    return {
        State.ASSESSED: assess,
        State.APPROVED: approve,
        State.DECLINED: decline,
        State.ACTIVE: start,
        State.CLOSED: close,
        State.WITHDRAWN: withdraw,
    }[to_state]


MOVES = [(a, b) for a in STATES for b in STATES if b != State.REFERRED]


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [move for move in MOVES if move[1] in ALLOWED_MOVES[move[0]]],
    ids=lambda state: str(state),
)
def test_allowed_move_changes_the_state_and_records_who_when_why(
    care_program: Program, coordinator: Any, from_state: str, to_state: str
) -> None:
    # given an episode in from_state
    episode = episode_in(from_state, care_program)

    # when the service for to_state is called
    _move(to_state)(coordinator, episode)

    # then the episode is in to_state and the move is recorded
    episode.refresh_from_db()
    assert episode.state == to_state
    transition = EpisodeTransition.objects.get(episode=episode)
    assert (transition.from_state, transition.to_state, transition.by) == (
        from_state,
        to_state,
        coordinator,
    )


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [move for move in MOVES if move[1] not in ALLOWED_MOVES[move[0]]],
    ids=lambda state: str(state),
)
def test_refused_move_is_a_validation_error_and_changes_nothing(
    care_program: Program, coordinator: Any, from_state: str, to_state: str
) -> None:
    episode = episode_in(from_state, care_program)

    with pytest.raises(ValidationError) as refused:
        _move(to_state)(coordinator, episode)

    assert "state" in refused.value.message_dict
    episode.refresh_from_db()
    assert episode.state == from_state
    assert not EpisodeTransition.objects.filter(episode=episode).exists()


def test_approved_episode_cannot_be_closed_only_withdrawn() -> None:
    assert State.CLOSED not in ALLOWED_MOVES[State.APPROVED]
    assert State.WITHDRAWN in ALLOWED_MOVES[State.APPROVED]


# --- referral -----------------------------------------------------------------------------


def test_referral_opens_an_episode_and_marks_the_recipient_referred(
    care_program: Program, coordinator: Any
) -> None:
    recipient = RecipientFactory(status=Recipient.Status.CLOSED)

    episode = services.episode_refer(
        actor=coordinator,
        recipient=recipient,
        program=care_program,
        referral_source=Episode.ReferralSource.HOSPITAL,
        emergency_reason=Recipient.EmergencyReason.AFTER_DISCHARGE,
        referrer_name="전북대병원 의료사회복지팀",
    )

    assert episode.state == State.REFERRED
    assert episode.transitions.get().to_state == State.REFERRED
    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.REFERRED
    assert AccessLog.objects.filter(subject_id=recipient.pk, action="create").exists()


def test_second_open_episode_is_refused_by_the_service(
    care_program: Program, coordinator: Any
) -> None:
    open_one = episode_in(State.ACTIVE, care_program)

    with pytest.raises(ValidationError) as refused:
        services.episode_refer(
            actor=coordinator,
            recipient=open_one.recipient,
            program=care_program,
            referral_source=Episode.ReferralSource.FAMILY,
            emergency_reason=Recipient.EmergencyReason.CARER_ABSENT,
        )

    assert "recipient" in refused.value.message_dict
    assert Episode.objects.filter(recipient=open_one.recipient).count() == 1


def test_second_open_episode_is_refused_by_the_database(care_program: Program) -> None:
    open_one = episode_in(State.REFERRED, care_program)

    with pytest.raises(IntegrityError), transaction.atomic():
        EpisodeFactory(recipient=open_one.recipient, program=care_program, state=State.ASSESSED)


def test_a_new_episode_after_a_closed_one_is_accepted(
    care_program: Program, coordinator: Any
) -> None:
    closed = episode_in(State.CLOSED, care_program)

    episode = services.episode_refer(
        actor=coordinator,
        recipient=closed.recipient,
        program=care_program,
        referral_source=Episode.ReferralSource.SELF,
        emergency_reason=Recipient.EmergencyReason.SUDDEN_ILLNESS,
    )

    assert episode.state == State.REFERRED


def test_referral_to_a_program_without_rules_is_refused(coordinator: Any) -> None:
    program = Program.objects.create(code="no_rules", name="기준 없음")

    with pytest.raises(ValidationError) as refused:
        services.episode_refer(
            actor=coordinator,
            recipient=RecipientFactory(),
            program=program,
            referral_source=Episode.ReferralSource.SELF,
            emergency_reason=Recipient.EmergencyReason.OTHER,
        )

    assert "program" in refused.value.message_dict


# --- assessment ---------------------------------------------------------------------------


def test_assessment_records_one_answer_per_criterion_with_source_and_date(
    care_program: Program, coordinator: Any
) -> None:
    episode = episode_in(State.REFERRED, care_program)

    services.episode_assess(actor=coordinator, episode=episode, **assessment())

    episode.refresh_from_db()
    assert episode.risk_level == Recipient.RiskLevel.HIGH
    assert episode.assessed_by == coordinator
    answers = {a.criterion.code: a for a in EligibilityAnswer.objects.filter(episode=episode)}
    assert set(answers) == {"no_carer", "no_ltc", "income"}
    assert answers["no_ltc"].source == "system_check"
    assert answers["no_ltc"].note.startswith("행복e음")
    assert answers["no_ltc"].checked_by == coordinator
    assert answers["no_ltc"].checked_on == today()


@pytest.mark.parametrize(
    ("answers", "why"),
    [
        (good_answers()[:2], "a criterion left unanswered"),
        (
            [*good_answers()[:1], {**good_answers()[1], "note": ""}, good_answers()[2]],
            "an other-service check without the check made",
        ),
        (good_answers(no_carer="maybe"), "an answer that is not yes or no"),
        (good_answers(income="unknown_bracket"), "an unknown income bracket"),
        (
            [*good_answers(), {**good_answers()[0], "criterion": "not_ours"}],
            "a criterion of another program",
        ),
    ],  # fmt: skip
)
def test_bad_assessment_answers_are_refused_and_nothing_is_written(
    care_program: Program, coordinator: Any, answers: list[dict[str, Any]], why: str
) -> None:
    episode = episode_in(State.REFERRED, care_program)

    with pytest.raises(ValidationError) as refused:
        services.episode_assess(actor=coordinator, episode=episode, **assessment(answers=answers))

    assert "answers" in refused.value.message_dict, why
    episode.refresh_from_db()
    assert episode.state == State.REFERRED
    assert not EligibilityAnswer.objects.filter(episode=episode).exists()


def test_assessment_without_carer_situation_names_the_field(
    care_program: Program, coordinator: Any
) -> None:
    episode = episode_in(State.REFERRED, care_program)

    with pytest.raises(ValidationError) as refused:
        services.episode_assess(
            actor=coordinator, episode=episode, **assessment(carer_situation=" ")
        )

    assert "carer_situation" in refused.value.message_dict


# --- decision -----------------------------------------------------------------------------


def test_approval_snapshots_limits_fee_and_funding(care_program: Program, coordinator: Any) -> None:
    episode = episode_in(State.ASSESSED, care_program)
    start = today() + dt.timedelta(days=1)

    services.episode_decide(actor=coordinator, episode=episode, approve=True, starts_on=start)

    episode.refresh_from_db()
    assert episode.state == State.APPROVED
    assert (episode.max_days, episode.max_hours) == (30, Decimal("72"))
    assert episode.starts_on == start
    assert episode.planned_end_on == start + dt.timedelta(days=29)
    assert (episode.fee_class, episode.copay_percent, episode.fee_basis) == (
        Episode.FeeClass.COPAY,
        20,
        "조례 제5조",
    )
    assert episode.national_share_percent == 50
    assert episode.decided_by == coordinator


def test_a_later_change_of_the_rules_does_not_rewrite_a_decision(
    care_program: Program, coordinator: Any
) -> None:
    episode = episode_in(State.ASSESSED, care_program)
    services.episode_decide(actor=coordinator, episode=episode, approve=True)

    rules = rules_of(care_program)
    rules.max_days = 60
    rules.save()

    episode.refresh_from_db()
    assert episode.max_days == 30


def test_low_income_bracket_is_free(care_program: Program, coordinator: Any) -> None:
    episode = episode_in(
        State.ASSESSED, care_program, income_bracket=IncomeBracket.objects.get(code="t_low")
    )

    services.episode_decide(actor=coordinator, episode=episode, approve=True)

    episode.refresh_from_db()
    assert (episode.fee_class, episode.copay_percent) == (Episode.FeeClass.FREE, 0)


def test_approval_of_an_ineligible_person_needs_a_reason(
    care_program: Program, coordinator: Any
) -> None:
    episode = episode_in(State.ASSESSED, care_program)
    EligibilityAnswer.objects.filter(episode=episode, criterion__code="no_ltc").update(answer="yes")

    with pytest.raises(ValidationError) as refused:
        services.episode_decide(actor=coordinator, episode=episode, approve=True)

    assert "answers" in refused.value.message_dict
    episode.refresh_from_db()
    assert episode.state == State.ASSESSED
    assert episode.max_days is None


def test_approval_with_an_override_reason_records_the_exception(
    care_program: Program, coordinator: Any
) -> None:
    episode = episode_in(State.ASSESSED, care_program)
    EligibilityAnswer.objects.filter(episode=episode, criterion__code="no_ltc").update(answer="yes")

    services.episode_decide(
        actor=coordinator, episode=episode, approve=True, reason="등급 판정 대기 중 공백"
    )

    episode.refresh_from_db()
    assert episode.state == State.APPROVED
    assert "장기요양 미이용" in episode.transitions.get().reason


def test_approval_with_a_criterion_added_after_the_assessment_is_refused(
    care_program: Program, coordinator: Any
) -> None:
    episode = episode_in(State.ASSESSED, care_program)
    EligibilityCriterion.objects.create(
        program=care_program, code="new_rule", question="새 기준", eligible_answer="yes"
    )

    with pytest.raises(ValidationError) as refused:
        services.episode_decide(actor=coordinator, episode=episode, approve=True)

    assert "answers" in refused.value.message_dict


def test_decline_needs_a_reason(care_program: Program, coordinator: Any) -> None:
    episode = episode_in(State.ASSESSED, care_program)

    with pytest.raises(ValidationError) as refused:
        services.episode_decide(actor=coordinator, episode=episode, approve=False, reason="")

    assert "reason" in refused.value.message_dict


# --- start and the recipient's status -----------------------------------------------------


def test_recipient_status_follows_the_episode(care_program: Program, coordinator: Any) -> None:
    recipient = RecipientFactory(status=Recipient.Status.CLOSED)
    episode = services.episode_refer(
        actor=coordinator,
        recipient=recipient,
        program=care_program,
        referral_source=Episode.ReferralSource.FAMILY,
        emergency_reason=Recipient.EmergencyReason.CARER_ABSENT,
    )
    services.episode_assess(actor=coordinator, episode=episode, **assessment())
    services.episode_decide(actor=coordinator, episode=episode, approve=True)
    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.REFERRED

    services.episode_start(actor=coordinator, episode=episode)
    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.ACTIVE

    services.episode_close(
        actor=coordinator, episode=episode, reason=Episode.ClosureReason.RECOVERED
    )
    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.CLOSED


def test_start_without_consent_is_refused(care_program: Program, coordinator: Any) -> None:
    recipient = RecipientFactory(
        status=Recipient.Status.REFERRED, consent_date=None, consent_scope=""
    )
    episode = episode_in(State.APPROVED, care_program, recipient=recipient)

    with pytest.raises(ValidationError) as refused:
        services.episode_start(actor=coordinator, episode=episode)

    assert "recipient" in refused.value.message_dict
    episode.refresh_from_db()
    assert episode.state == State.APPROVED


# --- extensions ---------------------------------------------------------------------------


def test_approved_extension_raises_the_limits_and_the_planned_end(
    care_program: Program, coordinator: Any
) -> None:
    episode = episode_in(State.ACTIVE, care_program)
    planned_end = episode.planned_end_on

    extension = services.extension_request(
        actor=coordinator, episode=episode, reason="퇴원 후 회복이 늦음"
    )
    services.extension_decide(actor=coordinator, extension=extension, approve=True)

    episode.refresh_from_db()
    assert (episode.max_days, episode.max_hours) == (45, Decimal("108"))
    assert episode.planned_end_on == planned_end + dt.timedelta(days=15)
    assert episode.extensions_granted == 1
    extension.refresh_from_db()
    assert extension.state == ExtensionRequest.State.APPROVED


def test_extension_past_the_allowance_is_refused(care_program: Program, coordinator: Any) -> None:
    episode = episode_in(State.ACTIVE, care_program, extensions_granted=1)

    with pytest.raises(ValidationError) as refused:
        services.extension_request(actor=coordinator, episode=episode, reason="한 번 더")

    assert "episode" in refused.value.message_dict
    assert not ExtensionRequest.objects.exists()


def test_extension_without_a_reason_is_refused(care_program: Program, coordinator: Any) -> None:
    episode = episode_in(State.ACTIVE, care_program)

    with pytest.raises(ValidationError) as refused:
        services.extension_request(actor=coordinator, episode=episode, reason="  ")

    assert "reason" in refused.value.message_dict


def test_extension_is_approved_only_by_the_role_the_program_names(
    care_program: Program, coordinator: Any
) -> None:
    rules = rules_of(care_program)
    rules.extension_approver = "manager"
    rules.save()
    episode = episode_in(State.ACTIVE, care_program)
    extension = services.extension_request(actor=coordinator, episode=episode, reason="회복 지연")

    with pytest.raises(PermissionDenied):
        services.extension_decide(actor=coordinator, extension=extension, approve=True)
    services.extension_decide(
        actor=UserFactory(roles=["manager"]), extension=extension, approve=True
    )

    episode.refresh_from_db()
    assert episode.extensions_granted == 1


def test_rejected_extension_needs_a_note_and_leaves_the_limits(
    care_program: Program, coordinator: Any
) -> None:
    episode = episode_in(State.ACTIVE, care_program)
    extension = services.extension_request(actor=coordinator, episode=episode, reason="회복 지연")

    with pytest.raises(ValidationError) as refused:
        services.extension_decide(actor=coordinator, extension=extension, approve=False)
    assert "note" in refused.value.message_dict
    services.extension_decide(
        actor=coordinator, extension=extension, approve=False, note="가족 복귀 예정"
    )

    episode.refresh_from_db()
    assert (episode.max_days, episode.extensions_granted) == (30, 0)


# --- closure and after-care ---------------------------------------------------------------


def test_closure_ends_assignments_books_aftercare_and_cancels_the_future_schedule(
    care_program: Program, coordinator: Any
) -> None:
    # given an active episode with an open assignment and a plan with a visit tomorrow
    episode = episode_in(State.ACTIVE, care_program)
    member = schedule.member()
    assignment = AssignmentFactory(
        recipient=episode.recipient,
        corps_member=member,
        program=care_program,
        episode=episode,
        starts_on=episode.starts_on,
    )
    entry = schedule.entry(episode, member, weekday=0)
    tomorrow = schedule.occurrence(entry, today() + dt.timedelta(days=1))

    # when the coordinator closes it
    services.episode_close(
        actor=coordinator,
        episode=episode,
        reason=Episode.ClosureReason.RECOVERED,
        note="스스로 생활 가능",
    )

    # then the assignment ends today, tomorrow's visit is cancelled, after-care is due in 14 days
    assignment.refresh_from_db()
    assert assignment.ends_on == today()
    tomorrow.refresh_from_db()
    assert tomorrow.state == ScheduledVisit.State.CANCELLED
    check = AfterCareCheck.objects.get(episode=episode)
    assert check.due_on == today() + dt.timedelta(days=14)
    episode.refresh_from_db()
    assert (episode.state, episode.closed_on, episode.closed_by) == (
        State.CLOSED,
        today(),
        coordinator,
    )


def test_closure_needs_a_reason_from_the_list(care_program: Program, coordinator: Any) -> None:
    episode = episode_in(State.ACTIVE, care_program)

    with pytest.raises(ValidationError) as refused:
        services.episode_close(actor=coordinator, episode=episode, reason="")

    assert "reason" in refused.value.message_dict
    episode.refresh_from_db()
    assert episode.state == State.ACTIVE
    assert not AfterCareCheck.objects.exists()


def test_linked_closure_needs_the_service_it_was_linked_to(
    care_program: Program, coordinator: Any
) -> None:
    episode = episode_in(State.ACTIVE, care_program)

    with pytest.raises(ValidationError) as refused:
        services.episode_close(
            actor=coordinator, episode=episode, reason=Episode.ClosureReason.LINKED
        )

    assert "linked_resource" in refused.value.message_dict


def test_linked_closure_names_the_organization(care_program: Program, coordinator: Any) -> None:
    from consultations.models import Organization

    organization = Organization.objects.create(name="국민건강보험공단 전주지사")
    episode = episode_in(State.ACTIVE, care_program)

    services.episode_close(
        actor=coordinator,
        episode=episode,
        reason=Episode.ClosureReason.LINKED,
        linked_organization=organization,
    )

    episode.refresh_from_db()
    assert episode.linked_organization == organization


def test_aftercare_outcome_is_recorded_once(care_program: Program, coordinator: Any) -> None:
    episode = episode_in(State.ACTIVE, care_program)
    services.episode_close(
        actor=coordinator, episode=episode, reason=Episode.ClosureReason.RECOVERED
    )
    check = AfterCareCheck.objects.get(episode=episode)

    services.aftercare_record(
        actor=coordinator, check=check, outcome="stable", note="전화 확인, 잘 지내심"
    )
    with pytest.raises(ValidationError) as refused:
        services.aftercare_record(actor=coordinator, check=check, outcome="stable")

    check.refresh_from_db()
    assert (check.outcome, check.done_by) == ("stable", coordinator)
    assert "outcome" in refused.value.message_dict


def test_withdrawal_of_an_approved_episode_removes_assignments_not_yet_begun(
    care_program: Program, coordinator: Any
) -> None:
    episode = episode_in(
        State.APPROVED, care_program, starts_on=today() + dt.timedelta(days=3),
        planned_end_on=today() + dt.timedelta(days=32),
    )  # fmt: skip
    AssignmentFactory(
        recipient=episode.recipient,
        episode=episode,
        program=care_program,
        corps_member=CorpsMemberFactory(),
        starts_on=episode.starts_on,
    )

    services.episode_withdraw(actor=coordinator, episode=episode, reason="가족이 돌보기로 함")

    assert not Assignment.objects.filter(episode=episode).exists()
