"""Program rules as data, and the first release's rows moved into episodes without loss.

1. **Program rules** (``ProgramRules``), income brackets, fee rules and eligibility criteria,
   for every program that has none. Rows that exist are never overwritten: an edit made in
   admin survives a re-run. ``load`` does only this part, so that tests can put the rows back
   after a flush (tests/conftest.py).
2. **Episodes from history** (``backfill``): each recipient's assignments, sorted by start,
   are merged into runs of help, and every run becomes one episode:

   - Two assignments belong to the same episode when they overlap or the second starts
     within ``MERGE_GAP_DAYS`` (14) days after the first ends. Fourteen days is the program's
     after-care delay: a person who needed help again before the after-care check was due is
     still in the same run of help (a weekend off, a change of caregiver, a short readmission
     to hospital), while a return months later is a new episode with a new referral.
   - program = the first assignment's; starts_on = the first start; planned_end_on = the
     last end (or start + max_days - 1 while open). The episode is active when an assignment
     is still open today, else closed (reason ``period_ended``, closed on the last end).
   - Limits are max(program rules, what the history actually used), so that migrated
     episodes do not raise hours-limit exceptions for care given before limits existed.
   - A recipient with no open episode afterwards keeps its place in the queues: status
     referred → a referred episode; status active → an approved episode (or, when it has
     visits but never had an assignment, an active episode from its first visit). A closed
     recipient gets nothing more, unless it has visits and no episode at all: then one
     closed episode spanning its visits.
   - Every visit goes to the episode whose period covers its Seoul-time date, else to the
     recipient's nearest episode by date (ties to the earlier one); every assignment to the
     episode its dates made.
   - Each episode gets one transition "기존 배정 기록에서 이전" by no user; the reverse
     deletes exactly the episodes carrying it and sets the foreign keys back to null.

   No after-care checks are created for migrated closed episodes: the history closed before
   this release had no after-care rule, and a list of hundreds of overdue checks on the first
   morning would bury the real ones.

Written set-based (bulk_create, bulk_update in batches): it runs once on production data.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import migrations
from django.utils import timezone

SEOUL = ZoneInfo("Asia/Seoul")
# See the module docstring: the after-care delay, the longest break that is still one episode.
MERGE_GAP_DAYS = 14
MIGRATED_REASON = "기존 배정 기록에서 이전"
# Rows per INSERT / UPDATE: a bulk_update of 1,000 visits is one statement with a CASE of
# 1,000 branches, well under PostgreSQL's parameter limit and quick to plan.
BATCH_SIZE = 1000
OPEN_STATES = ("referred", "assessed", "approved", "active")

# Hourly unit cost (원 per delivered hour): the demo's assumption. No published 2023 단가 of
# the institute's emergency care could be sourced here; 20,000원 is a round figure of the
# order of an hour of home-visit care. Set the real 단가 in admin (사업 기준).
DEMO_UNIT_COST_WON = 20_000

# 사업 기준 per program code. The seed (4-1 돌봄체계 구축 및 운영) prints one 사업비 for all of
# 4-1: 80,000천원, 국비 40,000 and 도비 40,000. It is carried on 긴급돌봄, the lead program;
# the other 4-1 programs carry 0 so that the programs' budgets add up to the seed's, not to a
# multiple of it. The 4-2 budget (400,000천원, 도비 only) builds the whole welfare-resource
# platform, not care hours, so 돌봄종합정보상담 carries none either; its share is 도비 only.
RULES: dict[str, dict] = {
    # The figures: 30 days, 72 hours, one extension (15 days, 36 hours) approved by
    # a coordinator, warnings at 80 %, after-care after 14 days.
    "emergency_care": {
        "max_days": 30, "max_hours": Decimal("72"), "extensions_allowed": 1,
        "extension_days": 15, "extension_hours": Decimal("36"),
        "aftercare_days": 14, "budget_thousand_won": 80_000, "national_share_percent": 50,
    },
    # 틈새돌봄 runs the same short episodes in 읍·면, where travel takes longer.
    "rural_gap_care": {
        "max_days": 30, "max_hours": Decimal("72"), "extensions_allowed": 1,
        "extension_days": 15, "extension_hours": Decimal("36"),
        "aftercare_days": 14, "budget_thousand_won": 0, "national_share_percent": 50,
    },
    # A repair or clean-up job: fewer hours over a longer window (materials, weather), and a
    # later after-care check to see that the work held.
    "home_environment": {
        "max_days": 60, "max_hours": Decimal("24"), "extensions_allowed": 1,
        "extension_days": 30, "extension_hours": Decimal("8"),
        "aftercare_days": 30, "budget_thousand_won": 0, "national_share_percent": 50,
    },
    # Counseling: a few visits over up to three months, no extension.
    "outreach_counseling": {
        "max_days": 90, "max_hours": Decimal("12"), "extensions_allowed": 0,
        "extension_days": 0, "extension_hours": Decimal("0"),
        "aftercare_days": 30, "budget_thousand_won": 0, "national_share_percent": 50,
    },
    "care_info_counseling": {
        "max_days": 30, "max_hours": Decimal("6"), "extensions_allowed": 0,
        "extension_days": 0, "extension_hours": Decimal("0"),
        "aftercare_days": 14, "budget_thousand_won": 0, "national_share_percent": 0,
    },
}  # fmt: skip
# A program added in admin before this release: the emergency care figures, no budget.
DEFAULT_RULES = {**RULES["emergency_care"], "budget_thousand_won": 0}

INCOME_BRACKETS = [
    ("basic_livelihood", "국민기초생활수급"),
    ("near_poverty", "차상위계층"),
    ("median_160_or_less", "기준중위소득 160% 이하"),
    ("median_over_160", "기준중위소득 160% 초과"),
]
# 본인부담률 (%) per bracket, in the order above: the demo's assumption, not a sourced rule.
# It follows the usual grading of social-service vouchers (free for 수급·차상위, a share
# rising with income); set the program's real rates in admin. Counseling is free for all.
FEE_PERCENTS: dict[str, tuple[int, int, int, int]] = {
    "emergency_care": (0, 0, 10, 30),
    "rural_gap_care": (0, 0, 10, 30),
    "home_environment": (0, 0, 10, 30),
    "outreach_counseling": (0, 0, 0, 0),
    "care_info_counseling": (0, 0, 0, 0),
}
DEFAULT_FEE_PERCENTS = FEE_PERCENTS["emergency_care"]
FEE_BASIS = "데모 기준(사업별 본인부담 기준을 관리자 화면에서 정하세요)"

# (code, question, answer_kind, eligible_answer, other_service)
CRITERIA = [
    ("no_other_carer", "돌봐 줄 가족 등 다른 돌봄자가 없습니까?", "yes_no", "yes", False),
    ("long_term_care", "노인장기요양 재가급여를 이미 받고 있습니까?", "yes_no", "no", True),
    ("customized_elderly_care", "노인맞춤돌봄서비스를 이미 받고 있습니까?", "yes_no", "no", True),
    ("disability_support", "장애인활동지원 서비스를 이미 받고 있습니까?", "yes_no", "no", True),
    ("income_bracket", "소득 구간", "income_bracket", "", False),
]
# Counseling is open to anyone: its programs ask no eligibility questions.
NO_CRITERIA_PROGRAMS = ("outreach_counseling", "care_info_counseling")


def load(apps, schema_editor) -> None:
    """Rules, brackets, fees and criteria for every program that lacks them; never an update."""
    Program = apps.get_model("base", "Program")
    ProgramRules = apps.get_model("care", "ProgramRules")
    IncomeBracket = apps.get_model("care", "IncomeBracket")
    FeeRule = apps.get_model("care", "FeeRule")
    EligibilityCriterion = apps.get_model("care", "EligibilityCriterion")

    brackets = []
    for order, (code, name) in enumerate(INCOME_BRACKETS, start=1):
        bracket, _created = IncomeBracket.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
        brackets.append(bracket)
    for program in Program.objects.all():
        rules = RULES.get(program.code, DEFAULT_RULES)
        ProgramRules.objects.get_or_create(
            program=program,
            defaults={
                **rules,
                "extension_approver": "coordinator",
                "warn_percent": 80,
                "unit_cost_won": DEMO_UNIT_COST_WON,
            },
        )
        percents = FEE_PERCENTS.get(program.code, DEFAULT_FEE_PERCENTS)
        for bracket, percent in zip(brackets, percents, strict=True):
            FeeRule.objects.get_or_create(
                program=program,
                income_bracket=bracket,
                defaults={"copay_percent": percent, "basis": FEE_BASIS},
            )
        if program.code in NO_CRITERIA_PROGRAMS:
            continue
        for order, (code, question, kind, eligible, other) in enumerate(CRITERIA, start=1):
            EligibilityCriterion.objects.get_or_create(
                program=program,
                code=code,
                defaults={
                    "question": question,
                    "answer_kind": kind,
                    "eligible_answer": eligible,
                    "other_service": other,
                    "sort_order": order,
                },
            )


@dataclass
class _Draft:
    """An episode being built for one recipient, before it is inserted."""

    recipient_id: int
    program_id: int
    state: str
    starts_on: date | None = None
    # The last assignment's end; None while an assignment is open.
    last_end: date | None = None
    closed_on: date | None = None
    assignment_ids: list[int] = field(default_factory=list)
    visit_ids: list[int] = field(default_factory=list)
    minutes: int = 0
    referred_on: date | None = None
    existing_id: int | None = None  # an episode made after the release (re-run only)

    def period(self, today: date) -> tuple[date, date]:
        """The dates this episode covers, for finding a visit's episode."""
        start = self.starts_on or date.max
        if self.state == "closed":
            return start, self.closed_on or start
        if self.state == "active" or self.starts_on is None:
            return start, date.max
        return start, self.last_end or date.max


def _distance(day: date, period: tuple[date, date]) -> int:
    start, end = period
    if start <= day <= end:
        return 0
    if start == date.max:
        return 10**6  # not started: only when nothing else is there
    return (start - day).days if day < start else (day - end).days


def _merged_runs(assignments: list[tuple]) -> list[dict]:
    """Assignments (id, program_id, starts_on, ends_on) sorted by start → runs of help."""
    runs: list[dict] = []
    for pk, program_id, starts_on, ends_on in assignments:
        run = runs[-1] if runs else None
        joins = run is not None and (
            run["end"] is None or (starts_on - run["end"]).days - 1 <= MERGE_GAP_DAYS
        )
        if not joins:
            runs.append({"program_id": program_id, "start": starts_on, "end": ends_on, "ids": [pk]})
            continue
        run["ids"].append(pk)
        run["end"] = None if run["end"] is None or ends_on is None else max(run["end"], ends_on)
    return runs


def backfill(apps, schema_editor) -> None:
    Recipient = apps.get_model("care", "Recipient")
    Assignment = apps.get_model("care", "Assignment")
    Visit = apps.get_model("care", "Visit")
    Episode = apps.get_model("care", "Episode")
    ProgramRules = apps.get_model("care", "ProgramRules")

    today = timezone.now().astimezone(SEOUL).date()
    rules = {r.program_id: r for r in ProgramRules.objects.all()}
    default_program_id = (
        apps.get_model("base", "Program")
        .objects.order_by("sort_order", "code")
        .values_list("pk", flat=True)
        .first()
    )

    assignments: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        Assignment.objects.filter(episode__isnull=True)
        .order_by("recipient_id", "starts_on", "id")
        .values_list("recipient_id", "id", "program_id", "starts_on", "ends_on")
        .iterator(chunk_size=5000)
    ):
        assignments[row[0]].append(row[1:])
    visits: dict[int, list[tuple]] = defaultdict(list)
    for recipient_id, pk, program_id, started_at, ended_at, status in (
        Visit.objects.filter(episode__isnull=True)
        .order_by("recipient_id", "started_at", "id")
        .values_list("recipient_id", "id", "program_id", "started_at", "ended_at", "status")
        .iterator(chunk_size=5000)
    ):
        # Service minutes = check-out − check-in; void visits never count (DESIGN §3).
        minutes = 0
        if ended_at is not None and status != "void":
            minutes = int((ended_at - started_at).total_seconds() // 60)
        visits[recipient_id].append((pk, program_id, started_at.astimezone(SEOUL).date(), minutes))

    # Episodes made after the release (only when this runs again after its reverse): the
    # history's rows may join them, and they count as the person's open episode.
    existing: dict[int, list[_Draft]] = defaultdict(list)
    for row in Episode.objects.values(
        "id", "recipient_id", "program_id", "state", "starts_on", "planned_end_on", "closed_on"
    ):
        existing[row["recipient_id"]].append(
            _Draft(
                recipient_id=row["recipient_id"],
                program_id=row["program_id"],
                state=row["state"],
                starts_on=row["starts_on"],
                last_end=row["planned_end_on"],
                closed_on=row["closed_on"],
                existing_id=row["id"],
            )
        )

    wanted = (
        set(assignments)
        | set(visits)
        | set(
            Recipient.objects.filter(status__in=("referred", "active")).values_list("pk", flat=True)
        )
    )
    drafts: list[_Draft] = []
    for recipient in (
        Recipient.objects.filter(pk__in=wanted)
        .order_by("pk")
        .only("pk", "status", "created_at")
        .iterator(chunk_size=2000)
    ):
        rid, status = recipient.pk, recipient.status
        own_visits = visits.get(rid, [])
        mine: list[_Draft] = []
        for run in _merged_runs(assignments.get(rid, [])):
            draft = _Draft(rid, run["program_id"], "active", run["start"], run["end"])
            draft.assignment_ids = run["ids"]
            open_today = run["end"] is None or run["end"] >= today
            if status == "closed" and open_today:
                # The person was closed but the assignment never ended: the care ended with
                # its last visit.
                draft.state = "closed"
                draft.closed_on = max(
                    [run["start"], *(day for _v, _p, day, _m in own_visits if day >= run["start"])]
                )
            elif open_today and run["start"] > today:
                draft.state = "approved"  # starts later: decided, not yet under way
            elif not open_today:
                draft.state = "closed"
                draft.closed_on = run["end"]
            mine.append(draft)

        current = [d for d in (*existing.get(rid, []), *mine) if d.state in OPEN_STATES]
        joined = existing.get(rid, [])
        if len(current) > 1:
            # An episode made after the release is already open: the history's open run
            # joins it instead of opening a second one.
            target = next(d for d in current if d.existing_id)
            for draft in current:
                if draft is not target and draft.existing_id is None:
                    target.assignment_ids += draft.assignment_ids
                    mine.remove(draft)
        elif not current and status in ("referred", "active"):
            program_id = (mine[-1].program_id if mine else None) or (
                own_visits[-1][1] if own_visits else default_program_id
            )
            if status == "referred":
                mine.append(_Draft(rid, program_id, "referred"))
            elif own_visits and not mine and not joined:
                # Care given without an assignment: active from its first visit.
                mine.append(_Draft(rid, program_id, "active", own_visits[0][2]))
            else:
                mine.append(_Draft(rid, program_id, "approved"))
        if own_visits and not mine and not joined:
            first, last = own_visits[0][2], own_visits[-1][2]
            mine.append(_Draft(rid, own_visits[-1][1], "closed", first, last, closed_on=last))

        candidates = [*joined, *mine]
        for pk, _program, day, minutes in own_visits:
            nearest = min(
                candidates,
                key=lambda d: (_distance(day, d.period(today)), d.starts_on or date.max),
            )
            nearest.visit_ids.append(pk)
            nearest.minutes += minutes
        _referral_dates(mine, recipient.created_at.astimezone(SEOUL).date(), today)
        drafts += mine
        # Rows joining an episode made after the release keep that episode's id.
        for draft in joined:
            _link(Assignment, draft.existing_id, draft.assignment_ids)
            _link(Visit, draft.existing_id, draft.visit_ids)

    _episodes_create(apps, drafts, rules, today)


def _referral_dates(drafts: list[_Draft], created_on: date, today: date) -> None:
    """The first episode was referred when the person was registered (or when care began, if
    that was earlier); a later one when it began, or, not begun, after the one before it."""
    previous = created_on
    for index, draft in enumerate(drafts):
        if index == 0:
            draft.referred_on = min(created_on, draft.starts_on or created_on)
        else:
            draft.referred_on = draft.starts_on or min(today, max(created_on, previous))
        previous = draft.closed_on or draft.last_end or draft.starts_on or previous


def _link(model, episode_id: int, ids: list[int]) -> None:
    for start in range(0, len(ids), BATCH_SIZE):
        model.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).update(episode_id=episode_id)


def _episodes_create(apps, drafts: list[_Draft], rules: dict, today: date) -> None:
    Recipient = apps.get_model("care", "Recipient")
    Assignment = apps.get_model("care", "Assignment")
    Visit = apps.get_model("care", "Visit")
    Episode = apps.get_model("care", "Episode")
    EpisodeTransition = apps.get_model("care", "EpisodeTransition")

    people = {
        r["pk"]: r
        for r in Recipient.objects.filter(pk__in={d.recipient_id for d in drafts}).values(
            "pk", "emergency_reason", "referral_source", "risk_level"
        )
    }
    now = timezone.now()
    episodes = []
    for draft in drafts:
        person = people[draft.recipient_id]
        program_rules = rules[draft.program_id]
        episode = Episode(
            recipient_id=draft.recipient_id,
            program_id=draft.program_id,
            state=draft.state,
            referred_on=draft.referred_on,
            referral_source="other",
            emergency_reason=person["emergency_reason"],
            referral_note=person["referral_source"],
            risk_level=person["risk_level"],
            decision_reason="" if draft.state == "referred" else MIGRATED_REASON,
            created_at=now,
        )
        if draft.state != "referred":
            # The first release charged no one and funded every hour from the program.
            episode.fee_class = "free"
            episode.fee_basis = "1차 운영 기간 이용(본인부담 없음)"
            episode.national_share_percent = program_rules.national_share_percent
            episode.max_days = program_rules.max_days
            # Hours delivered, rounded up to the tenth: the limit never sits below the care.
            used_hours = Decimal(math.ceil(draft.minutes / 6)) / 10
            episode.max_hours = max(program_rules.max_hours, used_hours)
        if draft.starts_on is not None:
            through = draft.closed_on if draft.state == "closed" else max(today, draft.starts_on)
            used_days = (through - draft.starts_on).days + 1
            if draft.state == "approved":
                used_days = 0
            episode.starts_on = draft.starts_on
            episode.max_days = max(program_rules.max_days, used_days)
            episode.planned_end_on = draft.last_end or (
                draft.starts_on + timedelta(days=episode.max_days - 1)
            )
            if draft.state == "closed":
                episode.planned_end_on = max(episode.planned_end_on, draft.starts_on)
        if draft.state == "closed":
            episode.closed_on = draft.closed_on
            episode.closure_reason = "period_ended"
            episode.closure_note = MIGRATED_REASON
        episodes.append(episode)
    Episode.objects.bulk_create(episodes, batch_size=BATCH_SIZE)

    # Needs as assessed on the recipient's card, copied to each of its episodes.
    Needs = Episode.needs.through
    RecipientNeeds = Recipient.needs.through
    needs: dict[int, list[int]] = defaultdict(list)
    for recipient_id, service_type_id in RecipientNeeds.objects.filter(
        recipient_id__in=people
    ).values_list("recipient_id", "servicetype_id"):
        needs[recipient_id].append(service_type_id)
    Needs.objects.bulk_create(
        (
            Needs(episode_id=episode.pk, servicetype_id=service_type_id)
            for episode in episodes
            for service_type_id in needs[episode.recipient_id]
        ),
        batch_size=BATCH_SIZE,
    )
    EpisodeTransition.objects.bulk_create(
        (
            EpisodeTransition(
                episode_id=episode.pk, from_state="", to_state=episode.state, at=now,
                by=None, reason=MIGRATED_REASON,
            )
            for episode in episodes
        ),
        batch_size=BATCH_SIZE,
    )  # fmt: skip

    assignment_rows = [
        Assignment(pk=pk, episode_id=episode.pk)
        for draft, episode in zip(drafts, episodes, strict=True)
        for pk in draft.assignment_ids
    ]
    Assignment.objects.bulk_update(assignment_rows, ["episode"], batch_size=BATCH_SIZE)
    visit_rows = [
        Visit(pk=pk, episode_id=episode.pk)
        for draft, episode in zip(drafts, episodes, strict=True)
        for pk in draft.visit_ids
    ]
    Visit.objects.bulk_update(visit_rows, ["episode"], batch_size=BATCH_SIZE)


def forward(apps, schema_editor) -> None:
    load(apps, schema_editor)
    backfill(apps, schema_editor)


def backward(apps, schema_editor) -> None:
    """Delete the episodes this migration made; their rows go back to no episode. The rules,
    brackets, fees and criteria stay: they may have been edited since, and a re-run keeps them."""
    Episode = apps.get_model("care", "Episode")
    EpisodeTransition = apps.get_model("care", "EpisodeTransition")
    made = list(
        EpisodeTransition.objects.filter(
            reason=MIGRATED_REASON, from_state="", by__isnull=True
        ).values_list("episode_id", flat=True)
    )
    for start in range(0, len(made), BATCH_SIZE):
        batch = made[start : start + BATCH_SIZE]
        apps.get_model("care", "Visit").objects.filter(episode_id__in=batch).update(episode=None)
        apps.get_model("care", "Assignment").objects.filter(episode_id__in=batch).update(
            episode=None
        )
        Episode.objects.filter(pk__in=batch).delete()


class Migration(migrations.Migration):
    dependencies = [("care", "0013_episodes_and_schedule")]
    operations = [migrations.RunPython(forward, backward)]
