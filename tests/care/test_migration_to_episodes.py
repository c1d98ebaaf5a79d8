"""The first release's recipients, assignments and visits move into episodes without loss.

Two data sets: the demo (what ``make run`` loads), taken back to the first release's shape,
and a hand-built one with the shapes the merge rule must get right. Both are migrated with
the real migrations (care 0014 and 0015) on the test database.

Transactional, like tests/care/test_migration_to_base.py: a migration cannot run inside the
test's transaction. tests/conftest.py puts the migrated reference data back after the flush.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, F
from django.utils import timezone

from base.models import Program
from care.episodes.models import Episode, EpisodeTransition
from care.models import Assignment, Visit

SEOUL = ZoneInfo("Asia/Seoul")
BEFORE_EPISODES = ("care", "0013_episodes_and_schedule")
MIGRATED_REASON = "기존 배정 기록에서 이전"

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    # A fresh executor: the first one's loader still knows the applied set of before.
    return MigrationExecutor(connection)


def migrate_to_latest() -> None:
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def historical_apps(executor: MigrationExecutor) -> Apps:
    return executor.loader.project_state([BEFORE_EPISODES]).apps


def strip_episodes(apps: Apps) -> None:
    """What the first release had: no episodes, and rows that point at none."""
    apps.get_model("care", "Visit").objects.update(episode=None)
    apps.get_model("care", "Assignment").objects.update(episode=None)
    apps.get_model("care", "Episode").objects.all().delete()


@pytest.fixture
def before_episodes() -> Iterator[MigrationExecutor]:
    """The database as the first release left it; migrated forward again afterwards, whatever
    the test did, so that the next tests find today's schema."""
    executor = migrate([BEFORE_EPISODES])
    try:
        yield executor
    finally:
        migrate_to_latest()


def seoul_day(moment: datetime) -> date:
    return moment.astimezone(SEOUL).date()


def kpi_figures_2023() -> dict[str, Any]:
    from kpi.metrics import METRICS, year_figures

    return {code: year_figures(code, 2023) for code in METRICS}


def assert_every_row_in_an_episode_of_its_own_recipient() -> None:
    assert not Visit.objects.filter(episode__isnull=True).exists()
    assert not Assignment.objects.filter(episode__isnull=True).exists()
    assert not Visit.objects.exclude(episode__recipient_id=F("recipient_id")).exists()
    assert not Assignment.objects.exclude(episode__recipient_id=F("recipient_id")).exists()


def assert_no_recipient_has_two_open_episodes() -> None:
    doubled = Episode.objects.open().values("recipient_id").annotate(n=Count("pk")).filter(n__gt=1)
    assert not doubled.exists()


def span(episode: Episode) -> tuple[date, date] | None:
    if episode.starts_on is None:
        return None
    end = episode.closed_on if episode.state == Episode.State.CLOSED else date.max
    return episode.starts_on, end or episode.starts_on


def distance(day: date, period: tuple[date, date] | None) -> int:
    if period is None:
        return 10**6
    start, end = period
    if start <= day <= end:
        return 0
    return (start - day).days if day < start else (day - end).days


def assert_visits_within_or_nearest_their_episode() -> None:
    episodes: dict[int, list[Episode]] = {}
    for episode in Episode.objects.order_by("starts_on", "pk"):
        episodes.setdefault(episode.recipient_id, []).append(episode)
    for visit in Visit.objects.only("pk", "recipient_id", "episode_id", "started_at"):
        day = seoul_day(visit.started_at)
        own = next(e for e in episodes[visit.recipient_id] if e.pk == visit.episode_id)
        best = min(distance(day, span(e)) for e in episodes[visit.recipient_id])
        assert distance(day, span(own)) == best, (visit.pk, day)


# --- the demo data set ---------------------------------------------------------------------

# What identifies an episode 0014 made, whichever run made it.
HISTORY_FIELDS = (
    "recipient_id", "program_id", "state", "referred_on", "starts_on", "planned_end_on",
    "max_days", "max_hours", "closed_on", "closure_reason", "emergency_reason", "referral_note",
)  # fmt: skip


def migrated_episodes() -> set[tuple]:
    return set(
        Episode.objects.filter(transitions__reason=MIGRATED_REASON).values_list(*HISTORY_FIELDS)
    )


def rows() -> dict[str, set[tuple]]:
    """Every visit and assignment, with the episode's recipient they point at."""
    return {
        "visits": set(
            Visit.objects.values_list("pk", "recipient_id", "started_at", "episode__recipient_id")
        ),
        "assignments": set(
            Assignment.objects.values_list(
                "pk", "recipient_id", "starts_on", "ends_on", "episode__recipient_id"
            )
        ),
    }


@pytest.fixture
def demo() -> Iterator[None]:
    from care.demo import demo_data_load

    demo_data_load(seed=2023)
    try:
        yield
    finally:
        migrate_to_latest()


def test_demo_data_set_migrates_into_episodes_without_loss_back_and_forth(demo: None) -> None:
    # Given the demo: its 2023 as 0014 made it from the first release, and today's caseload
    # made through the services
    before = rows()
    kpi = kpi_figures_2023()
    history = migrated_episodes()
    caseload = set(Episode.objects.exclude(transitions__reason=MIGRATED_REASON).values_list("pk"))
    assert len(history) > 50 and len(caseload) > 30

    # When it is migrated back to before the episodes, the reverse removes only what 0014 made
    executor = migrate([BEFORE_EPISODES])
    old = historical_apps(executor)
    assert set(old.get_model("care", "Episode").objects.values_list("pk")) == caseload
    assert old.get_model("care", "Visit").objects.filter(episode__isnull=True).exists()

    # and forward again gives the same episodes back, with every row in its place
    migrate_to_latest()
    assert migrated_episodes() == history
    assert rows() == before

    # When everything is taken back to the first release's shape, no episode at all
    executor = migrate([BEFORE_EPISODES])
    strip_episodes(historical_apps(executor))
    migrate_to_latest()

    # Then no visit or assignment is lost or changed, each in an episode of its own recipient
    after = rows()
    assert {row[:-1] for row in after["visits"]} == {row[:-1] for row in before["visits"]}
    assert {row[:-1] for row in after["assignments"]} == {row[:-1] for row in before["assignments"]}
    assert_every_row_in_an_episode_of_its_own_recipient()
    assert_no_recipient_has_two_open_episodes()
    assert_visits_within_or_nearest_their_episode()
    # and the goal tracker's 2023 reads the same
    assert kpi_figures_2023() == kpi
    # and each episode says where it came from
    assert Episode.objects.filter(transitions__reason=MIGRATED_REASON).count() == (
        Episode.objects.count()
    )


# --- hand-built shapes ---------------------------------------------------------------------


class FirstRelease:
    """Rows written through the historical models of care 0013 (the first release's shape)."""

    def __init__(self, apps: Apps) -> None:
        self.apps = apps
        self.Recipient = apps.get_model("care", "Recipient")
        self.Assignment = apps.get_model("care", "Assignment")
        self.Visit = apps.get_model("care", "Visit")
        Region = apps.get_model("base", "Region")
        Program = apps.get_model("base", "Program")
        self.region = Region.objects.get(code="jeonju")
        self.program = Program.objects.get(code="emergency_care")
        self.rural = Program.objects.get(code="rural_gap_care")
        self.member = apps.get_model("volunteers", "CorpsMember").objects.create(
            name="김단원", phone="010-1000-2000", region=self.region, joined_on=date(2022, 1, 1)
        )
        self.made = 0

    def recipient(self, name: str, status: str = "active") -> Any:
        return self.Recipient.objects.create(
            name=name,
            birth_date=date(1940, 1, 1),
            sex="F",
            address="전북특별자치도 전주시 효자동 효자로 1",
            region=self.region,
            admin_unit="효자동",
            category="elderly",
            emergency_reason="sudden_illness",
            referral_source="읍면동 행정복지센터",
            consent_date=date(2022, 12, 1),
            consent_scope="긴급돌봄 제공",
            status=status,
        )

    def assignment(
        self, recipient: Any, starts_on: date, ends_on: date | None, program: Any = None
    ) -> Any:
        return self.Assignment.objects.create(
            recipient=recipient,
            corps_member=self.member,
            program=program or self.program,
            starts_on=starts_on,
            ends_on=ends_on,
        )

    def visit(self, recipient: Any, day: date, hours: int = 1, at: time = time(10)) -> Any:
        import uuid

        self.made += 1
        started = datetime.combine(day, at, tzinfo=SEOUL)
        return self.Visit.objects.create(
            client_uuid=uuid.uuid4(),
            recipient=recipient,
            corps_member=self.member,
            program=self.program,
            started_at=started,
            ended_at=started + timedelta(hours=hours),
            status="verified",
        )


def episodes_of(recipient: Any) -> list[Episode]:
    return list(Episode.objects.filter(recipient_id=recipient.pk).order_by("starts_on", "pk"))


@pytest.fixture
def shapes(before_episodes: MigrationExecutor) -> dict[str, Any]:
    """Given, in the first release: one recipient per tricky shape."""
    today = timezone.localdate()
    old = FirstRelease(historical_apps(before_episodes))
    rows: dict[str, Any] = {}

    # Two assignments two days apart (10 Jan, then 13 Jan): one run of help; 80 hours given.
    rows["short_gap"] = person = old.recipient("짧은공백", status="closed")
    rows["short_gap_assignments"] = [
        old.assignment(person, date(2023, 1, 1), date(2023, 1, 10)),
        old.assignment(person, date(2023, 1, 13), date(2023, 1, 20), program=old.rural),
    ]
    for day in range(2, 12):
        old.visit(person, date(2023, 1, day), hours=8)

    # Two assignments sixty days apart, and a coordinator's visit between them, nearer the
    # first (10 days after it, 50 before the second).
    rows["long_gap"] = person = old.recipient("긴공백", status="closed")
    old.assignment(person, date(2023, 1, 1), date(2023, 1, 31))
    old.assignment(person, date(2023, 4, 1), date(2023, 4, 30))
    rows["between"] = old.visit(person, date(2023, 2, 10))
    old.visit(person, date(2023, 4, 3))

    # Still being served: an assignment open since ten days ago.
    rows["ongoing"] = person = old.recipient("이용중")
    old.assignment(person, today - timedelta(days=10), None)
    old.visit(person, today - timedelta(days=3))

    # Active, but the last assignment ended: waiting for the next caregiver.
    rows["returning"] = person = old.recipient("재배정대기")
    old.assignment(person, date(2023, 6, 1), date(2023, 6, 30))

    # Visits but never an assignment: an active person, and a closed one.
    rows["visits_only_active"] = person = old.recipient("방문만이용")
    old.visit(person, today - timedelta(days=20))
    old.visit(person, today - timedelta(days=6))
    rows["visits_only_closed"] = person = old.recipient("방문만종결", status="closed")
    old.visit(person, date(2023, 5, 2))
    old.visit(person, date(2023, 5, 9))

    # No assignment, no visit: referred, active and closed people.
    rows["referred"] = old.recipient("의뢰중", status="referred")
    rows["waiting"] = old.recipient("배정대기")
    rows["closed"] = old.recipient("종결됨", status="closed")
    rows["visits"] = old.made
    return rows


def test_assignments_merge_into_episodes_when_at_most_14_days_apart(
    shapes: dict[str, Any],
) -> None:
    today = timezone.localdate()

    # When the first release's rows are migrated
    migrate_to_latest()

    # Then two assignments two days apart are one closed episode, in the first one's program
    (episode,) = episodes_of(shapes["short_gap"])
    assert (episode.state, episode.closure_reason) == ("closed", "period_ended")
    assert (episode.starts_on, episode.planned_end_on, episode.closed_on) == (
        date(2023, 1, 1),
        date(2023, 1, 20),
        date(2023, 1, 20),
    )
    assert episode.program.code == "emergency_care"
    assert set(episode.assignments.values_list("pk", flat=True)) == {
        a.pk for a in shapes["short_gap_assignments"]
    }
    assert episode.visits.count() == 10
    # with room for the 80 hours it used against the 72-hour rule: no false alarm
    assert (episode.max_days, episode.max_hours) == (30, Decimal("80.0"))
    transition = EpisodeTransition.objects.get(episode=episode)
    assert (transition.from_state, transition.to_state, transition.by) == ("", "closed", None)
    assert transition.reason == MIGRATED_REASON

    # and sixty days apart are two, the visit between them going to the nearer, the first
    first, second = episodes_of(shapes["long_gap"])
    assert (first.starts_on, first.closed_on) == (date(2023, 1, 1), date(2023, 1, 31))
    assert (second.starts_on, second.closed_on) == (date(2023, 4, 1), date(2023, 4, 30))
    assert Visit.objects.get(pk=shapes["between"].pk).episode_id == first.pk
    assert second.visits.count() == 1
    # the second referred when it began, not when the person was registered
    assert second.referred_on == date(2023, 4, 1)

    # and an open assignment is an active episode with the program's limits
    (ongoing,) = episodes_of(shapes["ongoing"])
    assert (ongoing.state, ongoing.starts_on) == ("active", today - timedelta(days=10))
    assert (ongoing.max_days, ongoing.max_hours) == (30, Decimal("72.0"))
    assert ongoing.planned_end_on == ongoing.starts_on + timedelta(days=29)
    assert (ongoing.referral_source, ongoing.referral_note) == ("other", "읍면동 행정복지센터")
    assert ongoing.emergency_reason == "sudden_illness"


def test_people_without_a_current_assignment_keep_their_place_in_the_queues(
    shapes: dict[str, Any],
) -> None:
    today = timezone.localdate()

    migrate_to_latest()

    # Visits without any assignment: an episode spanning them, active or closed
    (active,) = episodes_of(shapes["visits_only_active"])
    assert (active.state, active.starts_on) == ("active", today - timedelta(days=20))
    assert active.visits.count() == 2
    (closed,) = episodes_of(shapes["visits_only_closed"])
    assert (closed.state, closed.starts_on, closed.closed_on) == (
        "closed",
        date(2023, 5, 2),
        date(2023, 5, 9),
    )
    assert closed.visits.count() == 2
    # Referred: a referred episode; active without a caregiver: an approved one, not started
    (referred,) = episodes_of(shapes["referred"])
    assert (referred.state, referred.starts_on, referred.max_days) == ("referred", None, None)
    (waiting,) = episodes_of(shapes["waiting"])
    assert (waiting.state, waiting.starts_on, waiting.max_days) == ("approved", None, 30)
    # Active after an ended assignment: the closed history, then an approved episode
    states = set(Episode.objects.filter(recipient_id=shapes["returning"].pk).values_list("state"))
    assert states == {("closed",), ("approved",)}
    # Closed with nothing: nothing
    assert episodes_of(shapes["closed"]) == []


def test_the_reverse_removes_the_episodes_it_made_and_a_second_run_makes_them_again(
    shapes: dict[str, Any],
) -> None:
    # Given the hand-built rows migrated: none lost, each in an episode of its own recipient
    migrate_to_latest()
    made = Episode.objects.count()
    assert made == 10
    assert Visit.objects.count() == shapes["visits"]
    assert_every_row_in_an_episode_of_its_own_recipient()
    assert_no_recipient_has_two_open_episodes()
    assert_visits_within_or_nearest_their_episode()
    # closed history needs no after-care check: it closed before the rule existed
    assert not Episode.objects.filter(aftercare__isnull=False).exists()

    # When migrated back
    executor = migrate([BEFORE_EPISODES])

    # Then no episode is left and no row points at one
    old = historical_apps(executor)
    assert not old.get_model("care", "Episode").objects.exists()
    assert not old.get_model("care", "Visit").objects.filter(episode__isnull=False).exists()
    assert not old.get_model("care", "Assignment").objects.filter(episode__isnull=False).exists()

    # and forward again makes the same episodes
    migrate_to_latest()
    assert Episode.objects.count() == made
    assert_every_row_in_an_episode_of_its_own_recipient()


def test_program_rules_are_added_but_an_edited_rule_is_never_overwritten(
    before_episodes: MigrationExecutor,
) -> None:
    # Given an administrator's edit of emergency care's rules, kept through the reverse
    old = historical_apps(before_episodes)
    rules = old.get_model("care", "ProgramRules")
    program = old.get_model("base", "Program").objects.get(code="emergency_care")
    rules.objects.update_or_create(
        program=program, defaults={"max_days": 45, "max_hours": Decimal("90")}
    )

    migrate_to_latest()

    from care.episodes.models import EligibilityCriterion, FeeRule, IncomeBracket, ProgramRules

    emergency = ProgramRules.objects.get(program__code="emergency_care")
    assert (emergency.max_days, emergency.max_hours) == (45, Decimal("90.0"))
    rural = ProgramRules.objects.get(program__code="rural_gap_care")
    assert (rural.max_days, rural.max_hours, rural.extensions_allowed) == (30, Decimal("72.0"), 1)
    assert IncomeBracket.objects.count() == 4
    assert FeeRule.objects.filter(program__code="emergency_care").count() == 4
    assert set(
        EligibilityCriterion.objects.filter(program__code="emergency_care").values_list(
            "code", "answer_kind", "eligible_answer", "other_service"
        )
    ) == {
        ("no_other_carer", "yes_no", "yes", False),
        ("long_term_care", "yes_no", "no", True),
        ("customized_elderly_care", "yes_no", "no", True),
        ("disability_support", "yes_no", "no", True),
        ("income_bracket", "income_bracket", "", False),
    }
    # Every program has its rules.
    assert not Program.objects.filter(rules__isnull=True).exists()
