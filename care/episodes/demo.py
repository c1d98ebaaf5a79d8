"""The demo's episodes (돌봄 회차), care plans and schedule. DEMO ONLY.

Called by ``care.demo.demo_data_load``, which has made the people. Two eras:

- **2023**, the year of the seed's goals: the first release's assignments and weekly visits,
  as care migration 0014 moved them into episodes: one closed episode per assignment (ended
  31 Dec 2023, "period ended"), limits raised to what was used, one transition "기존 배정
  기록에서 이전" by no user. The goal tracker's 2023 comes from these visits alone, whatever
  the day the demo is loaded; and tests/care/test_migration_to_episodes.py migrates them back
  and forth and finds the same episodes.
- **Today's caseload**, made through the services a coordinator uses, relative to the day
  the demo is loaded (``STORIES``): episodes in every state, extension requests, an episode
  near its day limit and one near its hour limit, closures with their after-care checks, care
  plans, and a schedule from each episode's start to two weeks ahead: the past done (a visit
  recorded for it) or missed, substitutions, a cancellation, today's and tomorrow's planned.
  The demo caregiver (``caregiver``) has visits every day, today and tomorrow included.

Two closures are linked to a long-term service from the directory (장기요양, 노인맞춤돌봄),
which ``consultations`` loads after this: until then those episodes stay active with a closure
note, and ``consultations.demo`` closes them through ``demo_linked_closures_close``.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.utils import timezone

from base import roles
from base.models import Program
from care.episodes.models import (
    AfterCareCheck,
    EligibilityCriterion,
    Episode,
    EpisodeTransition,
    ExtensionRequest,
    IncomeBracket,
    ProgramRules,
)
from care.episodes.services import (
    aftercare_record,
    episode_assess,
    episode_close,
    episode_decide,
    episode_refer,
    episode_start,
    episode_withdraw,
    extension_decide,
    extension_request,
)
from care.models import Assignment, Recipient, Visit
from care.schedule.models import ScheduledVisit
from care.schedule.services import (
    plan_entry_create,
    schedule_generate,
    schedule_mark_missed,
    scheduled_visit_cancel,
    scheduled_visit_reassign,
    scheduled_visits_match,
    scheduled_visits_reassign_day,
    substitute_suggestions,
)
from care.services import assignment_create
from volunteers.models import CorpsMember

State = Episode.State
Reason = Episode.ClosureReason
Source = Episode.ReferralSource

# The words care migration 0014 writes on the episodes it makes from the first release.
MIGRATED_REASON = "기존 배정 기록에서 이전"
MIGRATED_FEE_BASIS = "1차 운영 기간 이용(본인부담 없음)"

# --- 2023: the first release's records, as migrated ----------------------------------------


@dataclass(frozen=True)
class HistoryAssignment:
    recipient: Recipient
    corps_member: CorpsMember
    program: Program
    starts_on: date


def history_create(
    rows: Sequence[HistoryAssignment], *, ends_on: date, assigned_by: AbstractBaseUser
) -> list[Assignment]:
    """The 2023 assignments (ended ``ends_on``) and the closed episodes 0014 made of them.

    Inserted in bulk, as the migration does; ``history_limits_settle`` raises the hour limits
    once the visits are in."""
    rules = {r.program_id: r for r in ProgramRules.objects.all()}
    episodes = []
    for row in rows:
        program_rules = rules[row.program.pk]
        days = (ends_on - row.starts_on).days + 1
        episodes.append(
            Episode(
                recipient=row.recipient,
                program=row.program,
                state=State.CLOSED,
                referred_on=row.starts_on,
                referral_source=Source.OTHER,
                emergency_reason=row.recipient.emergency_reason,
                referral_note=row.recipient.referral_source,
                risk_level=row.recipient.risk_level,
                decision_reason=MIGRATED_REASON,
                fee_class=Episode.FeeClass.FREE,
                fee_basis=MIGRATED_FEE_BASIS,
                national_share_percent=program_rules.national_share_percent,
                starts_on=row.starts_on,
                planned_end_on=ends_on,
                max_days=max(program_rules.max_days, days),
                max_hours=program_rules.max_hours,
                closed_on=ends_on,
                closure_reason=Reason.PERIOD_ENDED,
                closure_note=MIGRATED_REASON,
            )
        )
    Episode.objects.bulk_create(episodes, batch_size=500)
    Needs = Episode.needs.through
    needs = Recipient.needs.through.objects.filter(
        recipient_id__in=[row.recipient.pk for row in rows]
    ).values_list("recipient_id", "servicetype_id")
    by_recipient: dict[int, list[int]] = defaultdict(list)
    for recipient_id, service_type_id in needs:
        by_recipient[recipient_id].append(service_type_id)
    Needs.objects.bulk_create(
        Needs(episode_id=episode.pk, servicetype_id=service_type_id)
        for episode in episodes
        for service_type_id in by_recipient[episode.recipient_id]
    )
    EpisodeTransition.objects.bulk_create(
        EpisodeTransition(episode=episode, to_state=State.CLOSED, reason=MIGRATED_REASON)
        for episode in episodes
    )
    return Assignment.objects.bulk_create(
        Assignment(
            recipient=row.recipient,
            corps_member=row.corps_member,
            episode=episode,
            program=row.program,
            starts_on=row.starts_on,
            ends_on=ends_on,
            assigned_by=assigned_by,
        )
        for row, episode in zip(rows, episodes, strict=True)
    )


def history_limits_settle(episode_ids: Sequence[int]) -> None:
    """Raise each history episode's hour limit to the hours its visits used, rounded up to the
    tenth, as 0014 does: care given before limits existed raises no alarm."""
    minutes: dict[int, int] = defaultdict(int)
    for episode_id, started_at, ended_at in (
        Visit.objects.counted()
        .filter(episode_id__in=episode_ids, ended_at__isnull=False)
        .values_list("episode_id", "started_at", "ended_at")
    ):
        minutes[episode_id] += int((ended_at - started_at).total_seconds() // 60)
    raised = []
    for episode in Episode.objects.filter(pk__in=list(minutes)):
        used = Decimal(math.ceil(minutes[episode.pk] / 6)) / 10
        if used > episode.max_hours:
            episode.max_hours = used
            raised.append(episode)
    Episode.objects.bulk_update(raised, ["max_hours"])


# --- today's caseload ------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """One episode of today's caseload; days are counted from the day the demo is loaded."""

    state: str
    referred: int
    start: int | None = None
    close: int | None = None
    # The closure reason, or the reason of a decline or a withdrawal.
    reason: str = ""
    # The after-care outcome, when the check was already made.
    aftercare: str = ""
    extension: str = ""  # "pending" or "approved"
    # "weekly" (two to four visits a week), "daily" (every day, ``minutes`` long),
    # "caregiver" (the demo caregiver's week), or "" (no plan yet).
    plan: str = "weekly"
    minutes: int = 0
    source: str = Source.MUNICIPAL_OFFICE
    # Closed by the directory's demo, linked to this long-term service.
    linked: str = ""
    note: str = ""
    program: str = ""  # by default: rural gap care in a 읍·면, else emergency care
    missed: bool = True  # whether a past visit may have been missed
    assess: bool = True  # declined or withdrawn after an assessment, or before one


STORIES: tuple[Story, ...] = (
    # Referred (의뢰), waiting for an assessment.
    Story(State.REFERRED, -1, note="행정복지센터 의뢰: 홀로 사는 어르신 낙상 후 거동 불편"),
    Story(State.REFERRED, 0, source=Source.HOSPITAL, note="퇴원 예정, 퇴원 후 식사·병원 동행 필요"),
    Story(State.REFERRED, -2, source=Source.FAMILY, note="딸 전화: 주돌봄자인 어머니 입원"),
    # Assessed (사정 완료), waiting for the decision.
    Story(State.ASSESSED, -4, note="배우자 수술로 2주간 돌봄 공백"),
    Story(State.ASSESSED, -3, source=Source.SELF, note="허리 통증으로 가사 어려움"),
    # Approved (선정): one starts tomorrow with its plan, one in three days with none yet.
    Story(State.APPROVED, -3, start=1, note="보호자 입원 기간 돌봄"),
    Story(State.APPROVED, -2, start=3, plan="", source=Source.HOSPITAL, note="퇴원 후 돌봄"),
    # Active (서비스 중): the demo caregiver's four.
    Story(State.ACTIVE, -14, start=-12, plan="caregiver", missed=False),
    Story(State.ACTIVE, -11, start=-9, plan="caregiver", missed=False),
    Story(State.ACTIVE, -6, start=-5, plan="caregiver", missed=False),
    Story(State.ACTIVE, -4, start=-3, plan="caregiver", missed=False),
    # Near the day limit (day 27 of 30), with an extension waiting for the coordinator.
    Story(State.ACTIVE, -28, start=-26, extension="pending", note="퇴원 후 재활 중"),
    # Near the day limit too, its extension also waiting.
    Story(State.ACTIVE, -25, start=-23, extension="pending", note="골절 치료 중"),
    # Its planned end is today: a closure due.
    Story(State.ACTIVE, -31, start=-29, note="보호자 입원"),
    # Near the hour limit: three and a half hours every day for 17 days.
    Story(State.ACTIVE, -19, start=-17, plan="daily", minutes=210, missed=False),
    # Extended once already (45 days).
    Story(State.ACTIVE, -35, start=-33, extension="approved", note="장기요양 등급 판정 대기"),
    # No plan yet: two early visits, then nothing (the 7-day no-visit rule still applies).
    Story(State.ACTIVE, -16, start=-14, plan="", note="계획 수립 전"),
    *(
        Story(State.ACTIVE, start - 2, start=start)
        for start in (-20, -18, -15, -13, -11, -10, -8, -7, -6, -4, -2)
    ),
    # Closed (종결), with their after-care checks: overdue, due, later, and done.
    Story(State.CLOSED, -47, start=-45, close=-20, reason=Reason.RECOVERED),
    Story(State.CLOSED, -42, start=-40, close=-15, reason=Reason.CARER_RETURNED),
    Story(State.CLOSED, -44, start=-42, close=-14, reason=Reason.LINKED, linked="long_term_care"),
    Story(
        State.CLOSED, -64, start=-62, close=-35, reason=Reason.LINKED,
        linked="customized_elderly_care", aftercare=AfterCareCheck.Outcome.SERVICE_CONTINUES,
    ),
    Story(
        State.CLOSED, -62, start=-60, close=-38, reason=Reason.ADMITTED,
        aftercare=AfterCareCheck.Outcome.OTHER,
    ),
    Story(
        State.CLOSED, -52, start=-50, close=-30, reason=Reason.DIED,
        aftercare=AfterCareCheck.Outcome.OTHER,
    ),
    Story(State.CLOSED, -32, start=-30, close=-5, reason=Reason.MOVED),
    Story(State.CLOSED, -22, start=-20, close=-8, reason=Reason.REFUSED),
    Story(State.CLOSED, -33, start=-31, close=-2, reason=Reason.PERIOD_ENDED),
    # Declined (미선정) and withdrawn (철회).
    Story(State.DECLINED, -10, reason="장기요양 재가급여 이용 중(보충성 기준 미충족)"),
    Story(State.DECLINED, -6, reason="긴급성 없음: 노인맞춤돌봄서비스 신청 안내", assess=False),
    Story(State.WITHDRAWN, -7, reason="본인이 서비스를 원하지 않음", assess=False),
    Story(State.WITHDRAWN, -5, start=2, reason="서비스 시작 전 요양병원 입원"),
)  # fmt: skip

LINKED_NOTES = {
    "long_term_care": "장기요양 재가서비스로 연계 예정(등급 판정 완료)",
    "customized_elderly_care": "노인맞춤돌봄서비스로 연계 예정",
}
AFTERCARE_NOTES = {
    AfterCareCheck.Outcome.SERVICE_CONTINUES: "노인맞춤돌봄 생활지원사가 주 2회 방문 중",
    AfterCareCheck.Outcome.STABLE: "전화 확인, 일상생활 가능",
}
CLOSURE_NOTES = {
    Reason.RECOVERED: "골절 회복, 혼자 외출 가능",
    Reason.CARER_RETURNED: "배우자 퇴원, 가족 돌봄 재개",
    Reason.ADMITTED: "요양병원 입원",
    Reason.DIED: "병원에서 별세, 유족에게 애도 전화",
    Reason.MOVED: "자녀 집(타 시도)으로 이사",
    Reason.REFUSED: "본인이 방문을 원하지 않음",
    Reason.PERIOD_ENDED: "제공 기간 만료, 상태 호전",
}
# What a caregiver writes after a visit (both eras).
VISIT_NOTES = (
    "식사 준비와 설거지, 컨디션 양호",
    "안부 확인, 복약 확인함",
    "병원 동행(내과), 다음 진료 예약 안내",
    "청소와 빨래, 보호자와 통화함",
    "장보기 동행, 식재료 정리",
    "거동이 불편하여 실내 이동 도움",
)

# Start times of plan entries, and how long a weekly visit lasts.
PLAN_STARTS = (time(9, 0), time(10, 30), time(13, 0), time(14, 30), time(16, 0))
PLAN_MINUTES = (60, 90, 120)
# The demo caregiver's week: (weekdays, start, minutes) per recipient, so that every day has
# visits at different times (today and tomorrow always show some, in time order).
CAREGIVER_PLANS: tuple[tuple[tuple[int, ...], time, int], ...] = (
    ((0, 1, 2, 3, 4, 5, 6), time(9, 0), 60),
    ((0, 2, 4), time(11, 0), 90),
    ((1, 3, 5), time(11, 0), 90),
    ((0, 1, 2, 3, 4, 5, 6), time(14, 0), 120),
)
MISSED_SHARE = 0.06
# Within this many days a visit is still "submitted"; older ones a coordinator has verified.
VERIFY_AFTER_DAYS = 3


@dataclass
class _Booking:
    """A corps member's weekly plan, so that the demo never books one person twice."""

    slots: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))

    def free(self, weekday: int, start: time, minutes: int) -> bool:
        begin = start.hour * 60 + start.minute
        return all(end <= begin or begin + minutes <= other for other, end in self.slots[weekday])

    def book(self, weekday: int, start: time, minutes: int) -> None:
        begin = start.hour * 60 + start.minute
        self.slots[weekday].append((begin, begin + minutes))


@dataclass(frozen=True)
class CaseloadSummary:
    episodes: int
    scheduled_visits: int


def corps_accounts_ensure(members: Sequence[CorpsMember]) -> None:
    """A login for every active demo corps member but the demo caregiver (whose is
    ``caregiver``): a schedule reaches a caregiver on the tablet, so only members with an
    account can be planned or stand in. No usable password: an administrator sets one."""
    User = get_user_model()
    group = Group.objects.get(name=roles.CAREGIVER)
    for index, member in enumerate(members, start=1):
        if member.user_id is not None or member.status != CorpsMember.Status.ACTIVE:
            continue
        user, created = User.objects.get_or_create(username=f"caregiver{index:02d}")
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(group)
        member.user = user
        member.save(update_fields=["user", "updated_at"])


def caseload_create(
    rng: random.Random,
    *,
    coordinator: AbstractBaseUser,
    caregiver_member: CorpsMember,
    members: Sequence[CorpsMember],
    recipients: Sequence[Recipient],
) -> CaseloadSummary:
    """Today's caseload (``STORIES``), through the services; see the module docstring."""
    today = timezone.localdate()
    builder = _Caseload(rng, coordinator, caregiver_member, members, today)
    people = builder.people_for(recipients)
    episodes = [
        builder.episode(story, person) for story, person in zip(STORIES, people, strict=True)
    ]
    for story, episode in zip(STORIES, episodes, strict=True):
        builder.plan(story, episode)
    first = min(today + timedelta(days=s.start) for s in STORIES if s.start is not None)
    schedule_generate(today=first, days=(today - first).days + 14)
    builder.substitutions()
    builder.cancellation()
    builder.visits({e.pk: s for e, s in zip(episodes, STORIES, strict=True)})
    # The past days' planned visits nobody made are missed; today's stay as they are.
    schedule_mark_missed(now=timezone.make_aware(datetime.combine(today, time.min)))
    for story, episode in zip(STORIES, episodes, strict=True):
        builder.close(story, episode)
    stories: dict[int, Story] = {e.pk: s for e, s in zip(episodes, STORIES, strict=True)}
    # Referred people of the first release without a story: the queue of referrals.
    waiting = [r for r in builder.rest if r.status == Recipient.Status.REFERRED]
    for offset, person in enumerate(waiting):
        story = Story(State.REFERRED, -3 - offset % 7, source=Source.OTHER)
        episode = builder.episode(story, person)
        episodes.append(episode)
        stories[episode.pk] = story
    builder.backdate(stories)
    return CaseloadSummary(
        episodes=len(episodes),
        scheduled_visits=ScheduledVisit.objects.filter(episode__in=episodes).count(),
    )


class _Caseload:
    def __init__(
        self,
        rng: random.Random,
        coordinator: AbstractBaseUser,
        caregiver_member: CorpsMember,
        members: Sequence[CorpsMember],
        today: date,
    ) -> None:
        self.rng = rng
        self.actor = coordinator
        self.caregiver_member = caregiver_member
        self.today = today
        self.members = [
            m
            for m in members
            if m.status == CorpsMember.Status.ACTIVE and m.pk != caregiver_member.pk
        ]
        self.member_types = {
            m.pk: set(m.service_types.values_list("pk", flat=True)) for m in members
        }
        self.programs = {p.code: p for p in Program.objects.all()}
        self.brackets = list(IncomeBracket.objects.order_by("sort_order"))
        self.bookings: dict[int, _Booking] = defaultdict(_Booking)
        self.load: dict[int, int] = defaultdict(int)
        self.assigned: dict[int, CorpsMember] = {}  # episode id -> its corps member
        self.caregiver_stories = 0

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def people_for(self, recipients: Sequence[Recipient]) -> list[Recipient]:
        """One person per story: the caregiver's from 전주, care only for those who consented,
        the referral queue from the people still referred."""
        consented = [r for r in recipients if r.consent_date is not None]
        mine = [r for r in consented if r.region_id == self.caregiver_member.region_id]
        others = [r for r in consented if r not in mine[:4]]
        self.rng.shuffle(others)
        referred = [r for r in recipients if r.status == Recipient.Status.REFERRED]
        taken: set[int] = set()
        people = []
        for story in STORIES:
            if story.plan == "caregiver":
                pool = mine
            elif story.start is None:
                pool = referred + others
            else:
                pool = others
            person = next(r for r in pool if r.pk not in taken)
            taken.add(person.pk)
            people.append(person)
        # The rest, in order: the people still referred among them join the referral queue.
        self.rest = [r for r in recipients if r.pk not in taken]
        return people

    def program_for(self, story: Story, person: Recipient) -> Program:
        if story.program:
            return self.programs[story.program]
        return self.programs["rural_gap_care" if person.is_rural else "emergency_care"]

    def answers(
        self, program: Program, bracket: IncomeBracket, checked_on: date, *, long_term_care: str
    ) -> list[dict[str, Any]]:
        """One answer per criterion, with its source and, for the other services, the check."""
        notes = {
            "long_term_care": "행복e음 조회: 장기요양 등급 없음"
            if long_term_care == "no"
            else "행복e음 조회: 장기요양 3등급, 방문요양 이용 중",
            "customized_elderly_care": "수행기관(노인복지관) 전화 확인: 이용 없음",
            "disability_support": "행복e음 조회: 활동지원 이용 없음",
        }
        answers = []
        for criterion in EligibilityCriterion.objects.filter(program=program, is_active=True):
            if criterion.answer_kind == EligibilityCriterion.AnswerKind.INCOME_BRACKET:
                answer, source = bracket.code, "document"
            elif criterion.code == "long_term_care":
                answer, source = long_term_care, "system_check"
            elif criterion.other_service:
                answer, source = "no", "agency"
            else:
                answer, source = criterion.eligible_answer or "yes", "family"
            answers.append(
                {
                    "criterion": criterion.code,
                    "answer": answer,
                    "source": source,
                    "checked_on": checked_on,
                    "note": notes.get(criterion.code, ""),
                }
            )
        return answers

    def episode(self, story: Story, person: Recipient) -> Episode:
        program = self.program_for(story, person)
        referred_on = self.day(story.referred)
        episode = episode_refer(
            actor=self.actor,
            recipient=person,
            program=program,
            referral_source=story.source,
            emergency_reason=person.emergency_reason,
            referred_on=referred_on,
            referrer_name="" if story.source == Source.SELF else "담당자",
            referrer_contact="063-000-0000" if story.source != Source.SELF else "",
            # Else the situation the person's card tells (its notes after the demo marker).
            referral_note=story.note or person.notes.split(". ", 1)[-1],
        )
        if story.state == State.REFERRED:
            return episode
        if story.state == State.DECLINED and not story.assess:
            return episode_decide(
                actor=self.actor, episode=episode, approve=False, reason=story.reason
            )
        if story.state == State.WITHDRAWN and not story.assess:
            return episode_withdraw(actor=self.actor, episode=episode, reason=story.reason)
        declined = story.state == State.DECLINED
        # Mostly 수급·차상위·중위소득 160 % 이하: the people emergency care reaches.
        bracket = self.rng.choice(self.brackets[:3])
        episode = episode_assess(
            actor=self.actor,
            episode=episode,
            needs=list(person.needs.all()),
            risk_level=person.risk_level,
            living_situation=self.rng.choice(
                [Episode.LivingSituation.ALONE, Episode.LivingSituation.WITH_SPOUSE]
            ),
            carer_situation=story.note or "주돌봄자 부재",
            income_bracket=bracket,
            answers=self.answers(
                program, bracket, referred_on, long_term_care="yes" if declined else "no"
            ),
        )
        if story.state == State.ASSESSED:
            return episode
        if declined:
            return episode_decide(
                actor=self.actor, episode=episode, approve=False, reason=story.reason
            )
        episode = episode_decide(
            actor=self.actor, episode=episode, approve=True, starts_on=self.day(story.start)
        )
        if story.state == State.WITHDRAWN:
            return episode_withdraw(actor=self.actor, episode=episode, reason=story.reason)
        if story.state == State.APPROVED:
            if story.plan:
                self.assign(story, episode)
            return episode
        episode = episode_start(actor=self.actor, episode=episode)
        if story.extension:
            extension = extension_request(
                actor=self.actor, episode=episode, reason=story.note or "회복이 늦어 연장 필요"
            )
            if story.extension == "approved":
                extension_decide(actor=self.actor, extension=extension, approve=True)
                episode.refresh_from_db()
        if story.linked:
            Episode.objects.filter(pk=episode.pk).update(closure_note=LINKED_NOTES[story.linked])
        self.assign(story, episode)
        return episode

    def assign(self, story: Story, episode: Episode) -> None:
        person = episode.recipient
        if story.plan == "caregiver":
            member = self.caregiver_member
        else:
            needs = set(person.needs.values_list("pk", flat=True))
            local = [m for m in self.members if m.region_id == person.region_id] or self.members
            member = min(
                local,
                key=lambda m: (-len(self.member_types[m.pk] & needs), self.load[m.pk], m.pk),
            )
        self.load[member.pk] += 1
        self.assigned[episode.pk] = member
        assignment_create(
            actor=self.actor,
            recipient=person,
            corps_member=member,
            program=episode.program,
            starts_on=episode.starts_on,
            episode=episode,
        )

    def plan(self, story: Story, episode: Episode) -> None:
        member = self.assigned.get(episode.pk)
        if member is None or not story.plan:
            return
        needs = set(episode.recipient.needs.values_list("pk", flat=True))
        given = sorted(self.member_types[member.pk] & needs) or sorted(self.member_types[member.pk])
        services = given[:2]
        valid_until = None
        if story.close is not None:
            valid_until = min(self.day(story.close), episode.planned_end_on)
        entries: list[tuple[int, time, int]] = []
        if story.plan == "caregiver":
            weekdays, start, minutes = CAREGIVER_PLANS[self.caregiver_stories]
            self.caregiver_stories += 1
            entries = [(weekday, start, minutes) for weekday in weekdays]
        elif story.plan == "daily":
            entries = [(weekday, time(9, 0), story.minutes) for weekday in range(7)]
        else:
            booking = self.bookings[member.pk]
            weekdays = sorted(self.rng.sample(range(6), self.rng.choice((2, 3, 3, 4))))
            for weekday in weekdays:
                minutes = self.rng.choice(PLAN_MINUTES)
                starts = [s for s in PLAN_STARTS if booking.free(weekday, s, minutes)]
                if starts:
                    entries.append((weekday, self.rng.choice(starts), minutes))
        for weekday, start, minutes in entries:
            self.bookings[member.pk].book(weekday, start, minutes)
            plan_entry_create(
                actor=self.actor,
                episode=episode,
                weekday=weekday,
                start_time=start,
                planned_minutes=minutes,
                service_types=services,
                corps_member=member,
                valid_from=episode.starts_on,
                valid_until=valid_until,
            )

    def substitutions(self) -> None:
        """A few days covered by someone else: one in the past (done by the substitute), a
        sick corps member's whole day today, and one of tomorrow's visits."""
        planned = ScheduledVisit.objects.filter(
            state=ScheduledVisit.State.PLANNED, episode__state=State.ACTIVE
        ).exclude(corps_member=self.caregiver_member)
        reason = "단원 병가로 대체 방문"
        past = planned.filter(occurrence_date=self.day(-2)).order_by("starts_at", "pk").first()
        tomorrow = planned.filter(occurrence_date=self.day(1)).order_by("starts_at", "pk")
        for occurrence in (past, *tomorrow[:1]):
            self._substitute(occurrence, reason)
        sick = (
            planned.filter(occurrence_date=self.today)
            .values_list("corps_member", flat=True)
            .order_by("corps_member")
            .first()
        )
        if sick is not None:
            substitutes = {}
            for occurrence in planned.filter(occurrence_date=self.today, corps_member=sick):
                best = substitute_suggestions(scheduled_visit=occurrence, limit=1)
                if best:
                    substitutes[occurrence.pk] = best[0].corps_member
            if substitutes:
                scheduled_visits_reassign_day(
                    actor=self.actor,
                    corps_member=CorpsMember.objects.get(pk=sick),
                    day=self.today,
                    substitutes=substitutes,
                    reason="단원 발열로 오늘 방문 대체",
                )

    def cancellation(self) -> None:
        """One visit in three days' time cancelled, with its reason."""
        later = (
            ScheduledVisit.objects.filter(
                state=ScheduledVisit.State.PLANNED,
                episode__state=State.ACTIVE,
                occurrence_date=self.day(3),
            )
            .exclude(corps_member=self.caregiver_member)
            .order_by("starts_at", "pk")
            .first()
        )
        if later is not None:
            scheduled_visit_cancel(
                actor=self.actor, scheduled_visit=later, reason="병원 진료 일정으로 이번 방문 취소"
            )

    def _substitute(self, occurrence: ScheduledVisit | None, reason: str) -> None:
        if occurrence is None:
            return
        best = substitute_suggestions(scheduled_visit=occurrence, limit=1)
        if best:
            scheduled_visit_reassign(
                actor=self.actor,
                scheduled_visit=occurrence,
                corps_member=best[0].corps_member,
                reason=reason,
            )

    def visits(self, stories: dict[int, Story]) -> None:
        """A visit for every past scheduled visit (a few missed), matched to it; two early
        visits for the episode without a plan."""
        start_of_today = timezone.make_aware(datetime.combine(self.today, time.min))
        past = (
            ScheduledVisit.objects.filter(
                episode_id__in=list(stories),
                starts_at__lt=start_of_today,
                state__in=ScheduledVisit.AWAITING,
            )
            .select_related("episode", "corps_member", "plan_entry")
            .prefetch_related("plan_entry__service_types")
            .order_by("starts_at", "pk")
        )
        visits, services, explicit = [], [], {}
        past = list(past)
        # A few missed at random, and always the latest that may be, for the desk's list.
        latest = [o.pk for o in past if stories[o.episode_id].missed][-1:]
        for occurrence in past:
            story = stories[occurrence.episode_id]
            if occurrence.pk in latest or (story.missed and self.rng.random() < MISSED_SHARE):
                continue
            late = self.rng.randint(-10, 15) if story.plan != "daily" else 0
            length = occurrence.planned_minutes + (
                self.rng.choice((-10, 0, 0, 5, 10)) if story.plan != "daily" else 0
            )
            visit = self._visit(
                occurrence.episode,
                occurrence.corps_member,
                occurrence.starts_at + timedelta(minutes=late),
                length,
            )
            visits.append(visit)
            services.append([st.pk for st in occurrence.plan_entry.service_types.all()])
            explicit[visit.client_uuid] = occurrence.pk
        for episode_id, story in stories.items():
            if story.state == State.ACTIVE and not story.plan:
                episode = Episode.objects.get(pk=episode_id)
                member = self.assigned[episode_id]
                for offset in (1, 3):
                    day = episode.starts_on + timedelta(days=offset)
                    start = timezone.make_aware(datetime.combine(day, time(10, 0)))
                    visits.append(self._visit(episode, member, start, 90))
                    services.append(sorted(self.member_types[member.pk])[:1])
        Visit.objects.bulk_create(visits, batch_size=500)
        through = Visit.service_types.through
        through.objects.bulk_create(
            through(visit_id=visit.pk, servicetype_id=service_type_id)
            for visit, ids in zip(visits, services, strict=True)
            for service_type_id in ids
        )
        scheduled_visits_match([v for v in visits if v.client_uuid in explicit], explicit=explicit)

    def _visit(
        self, episode: Episode, member: CorpsMember, started_at: datetime, minutes: int
    ) -> Visit:
        recent = timezone.localdate(started_at) > self.day(-VERIFY_AFTER_DAYS)
        return Visit(
            client_uuid=uuid.UUID(int=self.rng.getrandbits(128), version=4),
            recipient_id=episode.recipient_id,
            corps_member=member,
            episode=episode,
            program_id=episode.program_id,
            started_at=started_at,
            ended_at=started_at + timedelta(minutes=minutes),
            notes=self.rng.choice(VISIT_NOTES),
            status=Visit.Status.SUBMITTED if recent else Visit.Status.VERIFIED,
            recorded_by_id=member.user_id,
            created_at=started_at + timedelta(minutes=minutes + 20),
        )

    def close(self, story: Story, episode: Episode) -> None:
        if story.state != State.CLOSED or story.linked:
            return
        episode = episode_close(
            actor=self.actor,
            episode=episode,
            reason=story.reason,
            closed_on=self.day(story.close),
            note=CLOSURE_NOTES.get(story.reason, ""),
        )
        if story.aftercare:
            aftercare_record(
                actor=self.actor,
                check=episode.aftercare,
                outcome=story.aftercare,
                note=AFTERCARE_NOTES.get(story.aftercare, CLOSURE_NOTES.get(story.reason, "")),
            )

    def backdate(self, stories: dict[int, Story]) -> None:
        """Date each step on the day the story says it happened (the services stamp now)."""
        for episode in Episode.objects.filter(pk__in=list(stories)).prefetch_related(
            "transitions", "extensions"
        ):
            story = stories[episode.pk]
            referred = episode.referred_on
            assessed = min(referred + timedelta(days=1), self.today)
            starts = episode.starts_on or assessed
            decided = max(assessed, min(starts - timedelta(days=1), self.today))
            on = {
                State.REFERRED: referred,
                State.ASSESSED: assessed,
                State.APPROVED: decided,
                State.DECLINED: min(assessed + timedelta(days=1), self.today),
                State.ACTIVE: starts,
                State.CLOSED: episode.closed_on or self.today,
                State.WITHDRAWN: min(assessed + timedelta(days=1), self.today),
            }
            hours = {State.REFERRED: 10, State.ASSESSED: 15, State.APPROVED: 17, State.ACTIVE: 9}
            for transition in episode.transitions.all():
                moment = _at(on[transition.to_state], hours.get(transition.to_state, 16))
                EpisodeTransition.objects.filter(pk=transition.pk).update(at=moment)
            Episode.objects.filter(pk=episode.pk).update(
                created_at=_at(referred, 10),
                assessed_at=_at(assessed, 15) if episode.assessed_at else None,
                decided_at=_at(on[State.APPROVED], 17) if episode.decided_at else None,
            )
            if not story.extension or episode.starts_on is None:
                continue
            asked = min(self.today, episode.starts_on + timedelta(days=24))
            for extension in episode.extensions.all():
                ExtensionRequest.objects.filter(pk=extension.pk).update(
                    requested_at=_at(asked - timedelta(days=1), 11),
                    decided_at=_at(asked, 10) if extension.decided_at else None,
                )
        for check in AfterCareCheck.objects.filter(
            episode_id__in=list(stories), done_at__isnull=False
        ):
            AfterCareCheck.objects.filter(pk=check.pk).update(done_at=_at(check.due_on, 11))


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def demo_linked_closures_close(*, service_for: Callable[[str, Any], tuple[Any, Any]]) -> int:
    """Close the demo episodes waiting to be linked to a long-term service, now that the
    directory exists: ``service_for(kind, region)`` gives the (organization, resource) of the
    directory to link to. Called by ``consultations.demo``; a second call closes nothing."""
    today = timezone.localdate()
    actor = get_user_model().objects.get(username="coordinator")
    closed = 0
    waiting = Episode.objects.filter(
        state=State.ACTIVE, closure_note__in=list(LINKED_NOTES.values())
    ).select_related("recipient", "program")
    for episode in waiting.order_by("starts_on", "pk"):
        kind = next(k for k, note in LINKED_NOTES.items() if note == episode.closure_note)
        story = next(s for s in STORIES if s.linked == kind)
        organization, resource = service_for(kind, episode.recipient.region)
        if organization is None and resource is None:
            continue
        closed_on = today + timedelta(days=story.close)  # type: ignore[operator]
        episode = episode_close(
            actor=actor,
            episode=episode,
            reason=Reason.LINKED,
            closed_on=max(closed_on, episode.starts_on or closed_on),
            note=episode.closure_note.replace(" 예정", ""),
            linked_organization=organization,
            linked_resource=resource,
        )
        EpisodeTransition.objects.filter(episode=episode, to_state=State.CLOSED).update(
            at=_at(episode.closed_on, 16)
        )
        if story.aftercare:
            check = aftercare_record(
                actor=actor,
                check=episode.aftercare,
                outcome=story.aftercare,
                note=AFTERCARE_NOTES.get(story.aftercare, ""),
            )
            AfterCareCheck.objects.filter(pk=check.pk).update(done_at=_at(check.due_on, 11))
        closed += 1
    return closed
