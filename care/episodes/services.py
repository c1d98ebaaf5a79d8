"""Writes of episodes (돌봄 회차): referral, assessment, decision, start, extension, closure.

Every change of state goes through ``episode_transition``, the one place that knows the
allowed moves and records who made each, when and why. Each action is one transaction that
locks the episode row first, so two coordinators pressing "approve" and "withdraw" at once
leave one of the two, never a mixture.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog, Program, Region
from base.roles import has_role
from base.services import access_log_record
from care.consent import texts
from care.consent.services import consent_refuse_if_withdrawn, consent_require_collection
from care.episodes.models import (
    AfterCareCheck,
    EligibilityAnswer,
    EligibilityCriterion,
    Episode,
    EpisodeTransition,
    ExtensionRequest,
    FeeRule,
    IncomeBracket,
    ProgramRules,
)
from care.models import Assignment, Recipient
from care.schedule.services import schedule_cancel_future

State = Episode.State

# Every allowed move, and the only place that says so. An approved episode that never started
# is withdrawn, not closed: "closed" means care was given and ended, and counts as such.
ALLOWED_MOVES: dict[str, frozenset[str]] = {
    "": frozenset({State.REFERRED}),
    State.REFERRED: frozenset({State.ASSESSED, State.DECLINED, State.WITHDRAWN}),
    # Re-assessing before the decision corrects the answers; it is recorded like any move.
    State.ASSESSED: frozenset({State.ASSESSED, State.APPROVED, State.DECLINED, State.WITHDRAWN}),
    State.APPROVED: frozenset({State.ACTIVE, State.WITHDRAWN}),
    State.ACTIVE: frozenset({State.CLOSED}),
    State.CLOSED: frozenset(),
    State.DECLINED: frozenset(),
    State.WITHDRAWN: frozenset(),
}

YES_NO = ("yes", "no")


def _log(actor: AbstractBaseUser, action: str, recipient: Recipient, source_ip: str | None) -> None:
    access_log_record(
        actor=actor, action=action, recipients=[recipient], source_ip=source_ip, path="episodes"
    )


def _locked(episode: Episode) -> Episode:
    """The episode's row, locked for this transaction, with what the rules need."""
    return (
        Episode.objects.select_for_update(of=("self",))
        .select_related("recipient", "program", "income_bracket")
        .get(pk=episode.pk)
    )


def _rules(program: Program, field: str = "program") -> ProgramRules:
    rules = ProgramRules.objects.filter(program=program).first()
    if rules is None:
        raise ValidationError(
            {field: [_("이 사업에는 회차 기준(최대 일수·시간)이 등록되어 있지 않습니다.")]}
        )
    return rules


def _recipient_status_follow(recipient: Recipient, state: str) -> None:
    """Keep Recipient.status in step with the person's episodes.

    Referred when a new episode is referred, active while one is active, closed when the last
    one ends and none is open. The recipient row is locked: its status is written by intake too.
    """
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if state == State.REFERRED:
        wanted = Recipient.Status.REFERRED
    elif state == State.ACTIVE:
        wanted = Recipient.Status.ACTIVE
    elif state in (State.CLOSED, State.DECLINED, State.WITHDRAWN):
        if Episode.objects.filter(recipient=recipient).open().exists():
            return
        wanted = Recipient.Status.CLOSED
    else:
        return
    if recipient.status == wanted:
        return
    recipient.status = wanted
    try:
        recipient.full_clean()
        if wanted == Recipient.Status.ACTIVE:
            consent_require_collection(recipient=recipient, field="recipient")
    except ValidationError as exc:
        # Consent is checked again here: care may not start for a person who has not agreed.
        raise ValidationError({"recipient": exc.messages}) from exc
    recipient.save(update_fields=["status", "updated_at"])


def episode_transition(
    *, actor: AbstractBaseUser, episode: Episode, to_state: str, reason: str = ""
) -> EpisodeTransition:
    """Move a (locked) episode to ``to_state``; refuse a move the state machine does not allow.

    The caller has set the fields the new state needs; this checks the move, validates and
    saves the episode, records the transition and keeps the recipient's status in step.
    """
    from_state = episode.state if episode.pk else ""
    if to_state not in ALLOWED_MOVES.get(from_state, frozenset()):
        raise ValidationError(
            {
                "state": [
                    _("%(from)s 상태의 회차는 %(to)s(으)로 바꿀 수 없습니다.")
                    % {
                        "from": State(from_state).label if from_state else "-",
                        "to": State(to_state).label,
                    }
                ]
            }
        )
    episode.state = to_state
    episode.full_clean()
    episode.save()
    transition = EpisodeTransition.objects.create(
        episode=episode, from_state=from_state, to_state=to_state, by=actor, reason=reason.strip()
    )
    _recipient_status_follow(episode.recipient, to_state)
    return transition


# --- referral -----------------------------------------------------------------------------


@transaction.atomic
def episode_refer(
    *,
    actor: AbstractBaseUser,
    recipient: Recipient,
    program: Program,
    referral_source: str,
    emergency_reason: str,
    referred_on: date | None = None,
    referral_organization: Any = None,
    referral_region: Region | None = None,
    referrer_name: str = "",
    referrer_contact: str = "",
    referral_note: str = "",
    source_ip: str | None = None,
) -> Episode:
    """Open an episode for a person (의뢰). Never two open episodes for one person."""
    # The recipient's lock serializes referrals of one person; the partial unique constraint
    # episode_one_open_per_recipient is the last word if anything bypasses this service.
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if Episode.objects.filter(recipient=recipient).open().exists():
        raise ValidationError({"recipient": [_("이 대상자에게는 이미 진행 중인 회차가 있습니다.")]})
    _rules(program)
    referred_on = referred_on or timezone.localdate()
    if referred_on > timezone.localdate():
        raise ValidationError({"referred_on": [_("의뢰일이 오늘보다 늦을 수 없습니다.")]})
    episode = Episode(
        recipient=recipient,
        program=program,
        referred_on=referred_on,
        referral_source=referral_source,
        referral_organization=referral_organization,
        referral_region=referral_region,
        referrer_name=referrer_name.strip(),
        referrer_contact=referrer_contact.strip(),
        emergency_reason=emergency_reason,
        referral_note=referral_note.strip(),
        created_by=actor,
    )
    if referral_source == Episode.ReferralSource.PARTNER and referral_organization is None:
        raise ValidationError(
            {"referral_organization": [_("협약기관 의뢰는 의뢰 기관을 고르세요.")]}
        )
    episode_transition(actor=actor, episode=episode, to_state=State.REFERRED)
    _log(actor, AccessLog.Action.CREATE, recipient, source_ip)
    return episode


# --- assessment ---------------------------------------------------------------------------


def _criterion_met(criterion: EligibilityCriterion, answer: str) -> bool:
    if criterion.answer_kind == EligibilityCriterion.AnswerKind.YES_NO:
        return not criterion.eligible_answer or answer == criterion.eligible_answer
    # An income-bracket criterion lists the eligible bracket codes, comma-separated (or none:
    # every bracket is eligible and only the fee differs).
    allowed = {code.strip() for code in criterion.eligible_answer.split(",") if code.strip()}
    return not allowed or answer in allowed


def _answers_checked(
    episode: Episode, answers: Sequence[dict[str, Any]], actor: AbstractBaseUser
) -> list[EligibilityAnswer]:
    criteria = {
        criterion.code: criterion
        for criterion in EligibilityCriterion.objects.filter(
            program=episode.program_id, is_active=True
        )
    }
    brackets = set(IncomeBracket.objects.values_list("code", flat=True))
    problems: list[str] = []
    rows: dict[str, EligibilityAnswer] = {}
    today = timezone.localdate()
    for entry in answers:
        given = entry.get("criterion")
        code = given.code if isinstance(given, EligibilityCriterion) else str(given or "")
        criterion = criteria.get(code)
        if criterion is None:
            problems.append(_("이 사업의 선정 기준이 아닙니다: %s") % code)
            continue
        if code in rows:
            problems.append(_("같은 기준에 답이 두 번 있습니다: %s") % criterion.question)
            continue
        answer = str(entry.get("answer") or "").strip()
        valid = answer in (
            YES_NO if criterion.answer_kind == EligibilityCriterion.AnswerKind.YES_NO else brackets
        )
        if not valid:
            problems.append(_("답이 올바르지 않습니다: %s") % criterion.question)
            continue
        checked_on = entry.get("checked_on") or today
        if checked_on > today:
            problems.append(_("확인일이 오늘보다 늦을 수 없습니다: %s") % criterion.question)
            continue
        row = EligibilityAnswer(
            episode=episode,
            criterion=criterion,
            answer=answer,
            source=entry.get("source") or "",
            checked_on=checked_on,
            checked_by=actor,
            note=str(entry.get("note") or "").strip(),
        )
        if criterion.other_service and not row.note:
            # For 장기요양·노인맞춤돌봄·장애인활동지원 the audit asks what check was made.
            problems.append(
                _("타 서비스 확인은 확인한 내용을 적어 주세요: %s") % criterion.question
            )
            continue
        try:
            row.full_clean(exclude={"episode"}, validate_constraints=False)
        except ValidationError as exc:
            problems.extend(f"{criterion.question}: {message}" for message in exc.messages)
            continue
        rows[code] = row
    missing = [c.question for code, c in criteria.items() if code not in rows]
    if missing and not problems:
        problems.append(_("답하지 않은 선정 기준이 있습니다: %s") % ", ".join(missing))
    if problems:
        raise ValidationError({"answers": problems})
    return list(rows.values())


@transaction.atomic
def episode_assess(
    *,
    actor: AbstractBaseUser,
    episode: Episode,
    needs: Iterable[Any],
    risk_level: str,
    living_situation: str,
    carer_situation: str,
    income_bracket: IncomeBracket | None,
    answers: Sequence[dict[str, Any]],
    assessment_note: str = "",
    source_ip: str | None = None,
) -> Episode:
    """Record the assessment (사정) and one answer per active eligibility criterion.

    Each answer carries its source and date, and for the checks against other public services
    the check made, so that the decision that follows can be defended at audit.
    """
    episode = _locked(episode)
    if episode.state not in (State.REFERRED, State.ASSESSED):
        raise ValidationError({"state": [_("의뢰 또는 사정 상태의 회차만 사정할 수 있습니다.")]})
    # An assessment records the person's health (illness, discharge, disability): not after
    # they withdrew the sensitive item (개인정보 보호법 제23조).
    consent_refuse_if_withdrawn(recipient_id=episode.recipient_id, item=texts.SENSITIVE)
    errors: dict[str, list[str]] = {}
    if not risk_level:
        errors["risk_level"] = [_("위험도를 고르세요.")]
    if not living_situation:
        errors["living_situation"] = [_("거주 형태를 고르세요.")]
    if not carer_situation.strip():
        errors["carer_situation"] = [_("주돌봄자 상황을 적어 주세요.")]
    try:
        rows = _answers_checked(episode, answers, actor)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    episode.risk_level = risk_level
    episode.living_situation = living_situation
    episode.carer_situation = carer_situation.strip()
    episode.income_bracket = income_bracket
    episode.assessment_note = assessment_note.strip()
    episode.assessed_at = timezone.now()
    episode.assessed_by = actor
    episode_transition(
        actor=actor,
        episode=episode,
        to_state=State.ASSESSED,
        reason=_("재사정") if episode.state == State.ASSESSED else "",
    )
    episode.needs.set(needs)
    EligibilityAnswer.objects.filter(episode=episode).delete()
    EligibilityAnswer.objects.bulk_create(rows)
    _log(actor, AccessLog.Action.CHANGE, episode.recipient, source_ip)
    return episode


# --- decision -----------------------------------------------------------------------------


def _unmet_criteria(episode: Episode) -> list[str]:
    answers = {
        answer.criterion_id: answer
        for answer in EligibilityAnswer.objects.filter(episode=episode).select_related("criterion")
    }
    unmet = []
    for criterion in EligibilityCriterion.objects.filter(
        program=episode.program_id, is_active=True
    ):
        answer = answers.get(criterion.pk)
        if answer is None:
            unmet.append(_("%s (답 없음)") % criterion.question)
        elif not _criterion_met(criterion, answer.answer):
            unmet.append(criterion.question)
    return unmet


def _fee_snapshot(episode: Episode) -> None:
    """Fix the fee class, rate and basis of the episode from the program's fee rules."""
    has_rules = FeeRule.objects.filter(program=episode.program_id).exists()
    if not has_rules:
        episode.fee_class = Episode.FeeClass.FREE
        episode.copay_percent = 0
        episode.fee_basis = _("본인부담 기준 없음(무료)")
        return
    if episode.income_bracket_id is None:
        raise ValidationError(
            {"income_bracket": [_("본인부담을 정하려면 소득 구간이 필요합니다.")]}
        )
    rule = FeeRule.objects.filter(
        program=episode.program_id, income_bracket=episode.income_bracket_id
    ).first()
    if rule is None:
        raise ValidationError(
            {"income_bracket": [_("이 소득 구간의 본인부담 기준이 등록되어 있지 않습니다.")]}
        )
    episode.copay_percent = rule.copay_percent
    episode.fee_class = Episode.FeeClass.FREE if rule.copay_percent == 0 else Episode.FeeClass.COPAY
    episode.fee_basis = rule.basis or str(rule)


@transaction.atomic
def episode_decide(
    *,
    actor: AbstractBaseUser,
    episode: Episode,
    approve: bool,
    reason: str = "",
    starts_on: date | None = None,
    source_ip: str | None = None,
) -> Episode:
    """Approve (선정) or decline (미선정) an episode.

    Approval needs every active criterion answered and met, or a reason that explains the
    exception; it fixes the limits, the fee and the funding shares as they are today, so a
    later change of the program's rules never rewrites a decision already made.
    """
    episode = _locked(episode)
    reason = reason.strip()
    if not approve:
        if not reason:
            raise ValidationError({"reason": [_("미선정 사유를 적어 주세요.")]})
        episode.decided_at = timezone.now()
        episode.decided_by = actor
        episode.decision_reason = reason
        episode_transition(actor=actor, episode=episode, to_state=State.DECLINED, reason=reason)
        _log(actor, AccessLog.Action.CHANGE, episode.recipient, source_ip)
        return episode
    if episode.state != State.ASSESSED:
        raise ValidationError({"state": [_("사정을 마친 회차만 선정할 수 있습니다.")]})
    unmet = _unmet_criteria(episode)
    if unmet and not reason:
        raise ValidationError(
            {
                "answers": [
                    _("선정 기준을 충족하지 않습니다: %s. 예외로 선정하려면 사유를 적으세요.")
                    % ", ".join(unmet)
                ]
            }
        )
    rules = _rules(episode.program)
    starts_on = starts_on or timezone.localdate()
    if starts_on < episode.referred_on:
        raise ValidationError({"starts_on": [_("시작일은 의뢰일보다 빠를 수 없습니다.")]})
    _fee_snapshot(episode)
    episode.national_share_percent = rules.national_share_percent
    episode.max_days = rules.max_days
    episode.max_hours = rules.max_hours
    episode.starts_on = starts_on
    episode.planned_end_on = starts_on + timedelta(days=rules.max_days - 1)
    episode.decided_at = timezone.now()
    episode.decided_by = actor
    episode.decision_reason = reason
    if unmet:
        reason = _("선정 기준 예외(%(unmet)s): %(reason)s") % {
            "unmet": ", ".join(unmet),
            "reason": reason,
        }
    episode_transition(actor=actor, episode=episode, to_state=State.APPROVED, reason=reason)
    _log(actor, AccessLog.Action.CHANGE, episode.recipient, source_ip)
    return episode


@transaction.atomic
def episode_start(
    *,
    actor: AbstractBaseUser,
    episode: Episode,
    starts_on: date | None = None,
    source_ip: str | None = None,
) -> Episode:
    """Care begins (서비스 시작). A start on another day than approved moves the planned end."""
    episode = _locked(episode)
    if episode.state != State.APPROVED:
        raise ValidationError({"state": [_("선정된 회차만 시작할 수 있습니다.")]})
    if starts_on is not None and starts_on != episode.starts_on:
        if starts_on < episode.referred_on:
            raise ValidationError({"starts_on": [_("시작일은 의뢰일보다 빠를 수 없습니다.")]})
        early = Assignment.objects.filter(episode=episode, starts_on__lt=starts_on)
        if early.exists():
            raise ValidationError({"starts_on": [_("시작일보다 먼저 시작하는 배정이 있습니다.")]})
        length = (episode.planned_end_on - episode.starts_on).days  # type: ignore[operator]
        episode.starts_on = starts_on
        episode.planned_end_on = starts_on + timedelta(days=length)
    episode_transition(actor=actor, episode=episode, to_state=State.ACTIVE)
    _log(actor, AccessLog.Action.CHANGE, episode.recipient, source_ip)
    return episode


# --- the end of an episode ----------------------------------------------------------------


def _assignments_end(episode: Episode, day: date) -> None:
    """End the episode's assignments on ``day``; those that had not begun are removed."""
    Assignment.objects.filter(episode=episode, starts_on__gt=day).delete()
    Assignment.objects.filter(episode=episode).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=day)
    ).update(ends_on=day)


@transaction.atomic
def episode_withdraw(
    *, actor: AbstractBaseUser, episode: Episode, reason: str, source_ip: str | None = None
) -> Episode:
    """철회: the episode ends before care began (the person or the team stepped back)."""
    episode = _locked(episode)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("철회 사유를 적어 주세요.")]})
    episode_transition(actor=actor, episode=episode, to_state=State.WITHDRAWN, reason=reason)
    _assignments_end(episode, timezone.localdate())
    schedule_cancel_future(episode=episode, actor=actor, reason=reason)
    _log(actor, AccessLog.Action.CHANGE, episode.recipient, source_ip)
    return episode


@transaction.atomic
def episode_close(
    *,
    actor: AbstractBaseUser,
    episode: Episode,
    reason: str,
    closed_on: date | None = None,
    note: str = "",
    linked_organization: Any = None,
    linked_resource: Any = None,
    source_ip: str | None = None,
) -> Episode:
    """종결: ends the assignments, cancels the future schedule, books the after-care check."""
    episode = _locked(episode)
    if episode.state != State.ACTIVE:
        raise ValidationError({"state": [_("서비스 중인 회차만 종결할 수 있습니다.")]})
    if reason not in Episode.ClosureReason.values:
        raise ValidationError({"reason": [_("종결 사유를 목록에서 고르세요.")]})
    if reason == Episode.ClosureReason.LINKED and not (linked_organization or linked_resource):
        raise ValidationError(
            {"linked_resource": [_("연계 종결에는 연계한 기관이나 서비스를 고르세요.")]}
        )
    if reason == Episode.ClosureReason.LINKED:
        # A linkage hands the person to an outside organization (제3자 제공, 제17조).
        consent_refuse_if_withdrawn(recipient_id=episode.recipient_id, item=texts.THIRD_PARTY)
    today = timezone.localdate()
    closed_on = closed_on or today
    if closed_on > today:
        raise ValidationError({"closed_on": [_("종결일이 오늘보다 늦을 수 없습니다.")]})
    if episode.starts_on and closed_on < episode.starts_on:
        raise ValidationError({"closed_on": [_("종결일은 시작일보다 빠를 수 없습니다.")]})
    rules = _rules(episode.program)
    episode.closed_on = closed_on
    episode.closed_by = actor
    episode.closure_reason = reason
    episode.closure_note = note.strip()
    if reason == Episode.ClosureReason.LINKED:
        episode.linked_organization = linked_organization
        episode.linked_resource = linked_resource
    label = Episode.ClosureReason(reason).label
    episode_transition(actor=actor, episode=episode, to_state=State.CLOSED, reason=str(label))
    _assignments_end(episode, closed_on)
    schedule_cancel_future(episode=episode, actor=actor, reason=str(label))
    check = AfterCareCheck(episode=episode, due_on=closed_on + timedelta(days=rules.aftercare_days))
    check.full_clean()
    check.save()
    _log(actor, AccessLog.Action.CHANGE, episode.recipient, source_ip)
    return episode


@transaction.atomic
def aftercare_record(
    *,
    actor: AbstractBaseUser,
    check: AfterCareCheck,
    outcome: str,
    note: str = "",
    source_ip: str | None = None,
) -> AfterCareCheck:
    """사후관리 결과: the outcome of the follow-up after closure, recorded once."""
    check = (
        AfterCareCheck.objects.select_for_update(of=("self",))
        .select_related("episode__recipient")
        .get(pk=check.pk)
    )
    if check.done_at is not None:
        raise ValidationError({"outcome": [_("이미 결과를 기록한 사후관리입니다.")]})
    if outcome not in AfterCareCheck.Outcome.values:
        raise ValidationError({"outcome": [_("사후관리 결과를 고르세요.")]})
    check.outcome = outcome
    check.note = note.strip()
    check.done_at = timezone.now()
    check.done_by = actor
    check.full_clean()
    check.save()
    _log(actor, AccessLog.Action.CHANGE, check.episode.recipient, source_ip)
    return check


# --- extensions ---------------------------------------------------------------------------


def _allowance_check(episode: Episode, rules: ProgramRules) -> None:
    if episode.extensions_granted >= rules.extensions_allowed:
        raise ValidationError(
            {
                "episode": [
                    _("이 사업은 회차당 %(n)d회까지 연장할 수 있습니다.")
                    % {"n": rules.extensions_allowed}
                ]
            }
        )


@transaction.atomic
def extension_request(
    *,
    actor: AbstractBaseUser,
    episode: Episode,
    reason: str,
    extra_days: int | None = None,
    extra_hours: Decimal | None = None,
    source_ip: str | None = None,
) -> ExtensionRequest:
    """연장 요청: more days and hours, up to the number of extensions the program allows."""
    episode = _locked(episode)
    if episode.state not in (State.APPROVED, State.ACTIVE):
        raise ValidationError(
            {"episode": [_("선정되었거나 서비스 중인 회차만 연장할 수 있습니다.")]}
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("연장 사유를 적어 주세요.")]})
    rules = _rules(episode.program, "episode")
    _allowance_check(episode, rules)
    if ExtensionRequest.objects.filter(episode=episode, state="pending").exists():
        raise ValidationError({"episode": [_("이미 처리 대기 중인 연장 요청이 있습니다.")]})
    extension = ExtensionRequest(
        episode=episode,
        reason=reason,
        extra_days=rules.extension_days if extra_days is None else extra_days,
        extra_hours=rules.extension_hours if extra_hours is None else extra_hours,
        requested_by=actor,
    )
    if not extension.extra_days and not extension.extra_hours:
        raise ValidationError({"extra_days": [_("연장할 일수나 시간을 적어 주세요.")]})
    extension.full_clean()
    extension.save()
    _log(actor, AccessLog.Action.CHANGE, episode.recipient, source_ip)
    return extension


def may_decide_extension(user: AbstractBaseUser, rules: ProgramRules) -> bool:
    return has_role(user, rules.extension_approver)


@transaction.atomic
def extension_decide(
    *,
    actor: AbstractBaseUser,
    extension: ExtensionRequest,
    approve: bool,
    note: str = "",
    source_ip: str | None = None,
) -> ExtensionRequest:
    """Approve or reject an extension; only the role the program's rules name may."""
    # Episode first, then the request: the same order as extension_request takes its locks.
    episode = _locked(extension.episode)
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    rules = _rules(episode.program, "episode")
    if not may_decide_extension(actor, rules):
        raise PermissionDenied(
            _("이 사업의 연장은 %(role)s이(가) 승인합니다.")
            % {"role": ProgramRules.Approver(rules.extension_approver).label}
        )
    if extension.state != ExtensionRequest.State.PENDING:
        raise ValidationError({"state": [_("이미 처리된 연장 요청입니다.")]})
    note = note.strip()
    if approve:
        if episode.state not in (State.APPROVED, State.ACTIVE):
            raise ValidationError({"episode": [_("진행 중인 회차만 연장할 수 있습니다.")]})
        _allowance_check(episode, rules)
        episode.max_days = (episode.max_days or 0) + extension.extra_days
        episode.max_hours = (episode.max_hours or Decimal("0")) + extension.extra_hours
        if episode.planned_end_on:
            episode.planned_end_on += timedelta(days=extension.extra_days)
        episode.extensions_granted += 1
        episode.full_clean()
        episode.save()
        extension.state = ExtensionRequest.State.APPROVED
    else:
        if not note:
            raise ValidationError({"note": [_("반려 사유를 적어 주세요.")]})
        extension.state = ExtensionRequest.State.REJECTED
    extension.decided_at = timezone.now()
    extension.decided_by = actor
    extension.decision_note = note
    extension.full_clean()
    extension.save()
    _log(actor, AccessLog.Action.CHANGE, episode.recipient, source_ip)
    return extension


# --- which episode a visit or an assignment belongs to -------------------------------------


@dataclass(frozen=True)
class EpisodeSpan:
    """What the choice of a visit's episode needs to know of one episode."""

    pk: int
    state: str
    starts_on: date | None
    end_on: date | None
    referred_on: date

    def covers(self, day: date) -> bool:
        return (
            self.starts_on is not None
            and self.starts_on <= day
            and (self.end_on is None or day <= self.end_on)
        )


def episode_spans(recipient_ids: Iterable[int]) -> dict[int, list[EpisodeSpan]]:
    """The episodes of these recipients, newest first, in one query."""
    spans: dict[int, list[EpisodeSpan]] = {}
    rows = (
        Episode.objects.filter(recipient_id__in=set(recipient_ids))
        .exclude(state__in=(State.DECLINED, State.WITHDRAWN))
        .order_by("-referred_on", "-id")
        .values_list("pk", "recipient_id", "state", "starts_on", "closed_on", "referred_on")
    )
    for pk, recipient_id, state, starts_on, closed_on, referred_on in rows:
        spans.setdefault(recipient_id, []).append(
            EpisodeSpan(pk, state, starts_on, closed_on, referred_on)
        )
    return spans


def episode_choose(spans: Sequence[EpisodeSpan], day: date) -> int | None:
    """A recipient's episode for a visit on ``day``: the one whose period covers the day, else
    the open one, else the latest. None when the person has no episode at all."""
    for span in spans:
        if span.covers(day):
            return span.pk
    for span in spans:
        if span.state in Episode.OPEN_STATES:
            return span.pk
    return spans[0].pk if spans else None


def episode_for_visit(recipient_id: int, day: date) -> Episode | None:
    pk = episode_choose(episode_spans([recipient_id]).get(recipient_id, []), day)
    return Episode.objects.get(pk=pk) if pk else None


def episode_for_assignment(recipient: Recipient, episode: Episode | None) -> Episode:
    """The episode an assignment serves: the given one, else the recipient's open one.

    Refused (on ``episode``) when there is none, or it is not yet approved or already over.
    """
    if episode is None:
        episode = Episode.objects.filter(recipient=recipient).open().first()
        if episode is None:
            raise ValidationError(
                {
                    "episode": [
                        _("이 대상자에게는 진행 중인 돌봄 회차가 없습니다. 먼저 의뢰·선정하세요.")
                    ]
                }
            )
    if episode.recipient_id != recipient.pk:
        raise ValidationError({"episode": [_("이 대상자의 회차가 아닙니다.")]})
    if episode.state not in (State.APPROVED, State.ACTIVE):
        raise ValidationError(
            {"episode": [_("선정되었거나 서비스 중인 회차에만 배정할 수 있습니다.")]}
        )
    return episode
