from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import F
from django.test import Client
from django.utils import timezone

from base import roles
from base.models import Region
from base.validators import contains_resident_registration_number
from care.demo import VISITS_UNTIL, DemoSummary, demo_data_load
from care.episodes.models import AfterCareCheck, Episode, ExtensionRequest
from care.episodes.selectors import delivered_minutes, episodes_near_limit
from care.models import Assignment, Recipient, Visit
from care.schedule.models import CarePlanEntry, ScheduledVisit
from care.schedule.selectors import caregiver_day
from volunteers.models import CorpsMember

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoSummary]:
    """The demo, loaded once for the module (through the services it takes many seconds), in
    a transaction rolled back at the end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_data_load(seed=2023)
        transaction.set_rollback(True)


@pytest.fixture
def summary(loaded: DemoSummary, db: None) -> DemoSummary:
    return loaded


def counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "corps_members": CorpsMember.objects.count(),
        "recipients": Recipient.objects.count(),
        "assignments": Assignment.objects.count(),
        "episodes": Episode.objects.count(),
        "plan_entries": CarePlanEntry.objects.count(),
        "scheduled_visits": ScheduledVisit.objects.count(),
        "visits": Visit.objects.count(),
    }


def test_loading_gives_25_corps_members_and_100_recipients_in_all_14_regions(
    summary: DemoSummary,
) -> None:
    assert CorpsMember.objects.count() == 25
    assert Recipient.objects.count() == 100
    assert Recipient.objects.values("region").distinct().count() == Region.objects.count() == 14
    assert (summary.corps_members, summary.recipients, summary.regions) == (25, 100, 14)


def test_loaded_recipients_live_in_both_rural_and_urban_areas(summary: DemoSummary) -> None:
    assert Recipient.objects.filter(is_rural=True).exists()
    assert Recipient.objects.filter(is_rural=False).exists()


def test_each_role_has_one_demo_login_in_its_group(summary: DemoSummary) -> None:
    User = get_user_model()
    for login in summary.logins:
        assert User.objects.filter(username=login.username, groups__name=login.role).exists()
    for role in set(roles.ROLES) - {roles.CAREGIVER}:
        assert User.objects.filter(groups__name=role).count() == 1
    assert {login.role for login in summary.logins} == set(roles.ROLES)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username="caregiver").is_staff


def test_demo_users_log_in_with_the_reported_passwords(summary: DemoSummary) -> None:
    User = get_user_model()
    for login in summary.logins:
        assert User.objects.get(username=login.username).check_password(login.password)


def test_caregiver_sees_exactly_the_recipients_assigned_to_their_corps_member(
    summary: DemoSummary,
) -> None:
    caregiver = get_user_model().objects.get(username="caregiver")
    assigned = set(
        Assignment.objects.active_on(timezone.localdate())
        .filter(corps_member__user=caregiver)
        .values_list("recipient_id", flat=True)
    )

    today = timezone.localdate()
    covering = set(
        ScheduledVisit.objects.filter(
            corps_member__user=caregiver,
            original_corps_member__isnull=False,
            occurrence_date__in=[today, today + timedelta(days=1)],
        )
        .exclude(state=ScheduledVisit.State.CANCELLED)
        .values_list("recipient_id", flat=True)
    )

    visible = set(Recipient.objects.visible_to(caregiver).values_list("pk", flat=True))

    # Their own caseload, and whoever they cover as a substitute today or tomorrow.
    assert visible == assigned | covering
    assert len(assigned) >= 1
    assert summary.caregiver_recipients == len(visible)


def test_loading_twice_changes_no_counts(summary: DemoSummary) -> None:
    before = counts()

    again = demo_data_load(seed=2023)

    assert counts() == before
    assert not again.created


def test_a_second_load_keeps_a_logged_in_session(summary: DemoSummary, client: Client) -> None:
    # given a caregiver working on the tablet
    client.force_login(get_user_model().objects.get(username="caregiver"))
    assert client.get("/tablet/").status_code == 200

    # when the demo is loaded again (a second `make run`)
    call_command("load_demo", stdout=StringIO())

    # then their session is still valid
    response = client.get("/tablet/")
    assert response.status_code == 200
    assert response.wsgi_request.user.get_username() == "caregiver"


def test_a_second_load_leaves_an_existing_login_alone(summary: DemoSummary) -> None:
    # given a coordinator who changed their password and lost the staff flag
    coordinator = get_user_model().objects.get(username="coordinator")
    coordinator.set_password("a-password-of-their-own")
    coordinator.is_staff = False
    coordinator.save()
    coordinator.groups.add(Group.objects.get(name=roles.COUNSELOR))

    # when
    demo_data_load(seed=2023)

    # then nothing about them changed
    coordinator.refresh_from_db()
    assert coordinator.check_password("a-password-of-their-own")
    assert not coordinator.is_staff
    assert set(coordinator.groups.values_list("name", flat=True)) == {
        roles.COORDINATOR,
        roles.COUNSELOR,
    }


def test_a_second_load_creates_a_missing_login_and_reports_the_others_unchanged(
    summary: DemoSummary,
) -> None:
    # given a demo login that is gone (renamed: the role change log keeps its user)
    get_user_model().objects.filter(username="manager").update(username="former-manager")
    out = StringIO()

    # when
    call_command("load_demo", stdout=out)

    # then it is back with its demo password, and the console says the others were kept
    manager = get_user_model().objects.get(username="manager")
    assert manager.check_password("demo-manager-2023")
    assert manager.groups.filter(name=roles.MANAGER).exists()
    printed: dict[str, str] = {}  # the first line that starts with each word: the logins table
    for line in out.getvalue().splitlines():
        if line.strip():
            printed.setdefault(line.split()[0], line)
    assert "demo-manager-2023" in printed["manager"]
    for username in ("caregiver", "coordinator", "counselor", "admin"):
        assert "unchanged" in printed[username]
        assert f"demo-{username}-2023" not in printed[username]


def test_no_recipient_field_looks_like_a_resident_registration_number(
    summary: DemoSummary,
) -> None:
    text_fields = [
        field.attname
        for field in Recipient._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
    ]
    for values in Recipient.objects.values_list(*text_fields):
        for value in values:
            assert not contains_resident_registration_number(value), value


def test_other_corps_members_have_caregiver_accounts_without_a_usable_password(
    summary: DemoSummary,
) -> None:
    # A schedule reaches a caregiver on the tablet: every active member can be planned.
    others = CorpsMember.objects.filter(status=CorpsMember.Status.ACTIVE).exclude(
        user__username="caregiver"
    )
    assert not others.filter(user__isnull=True).exists()
    for member in others.select_related("user"):
        assert member.user.groups.filter(name=roles.CAREGIVER).exists()
        assert not member.user.has_usable_password()


def test_every_episode_state_is_present(summary: DemoSummary) -> None:
    states = set(Episode.objects.values_list("state", flat=True))

    assert states == set(Episode.State.values)
    reasons = set(
        Episode.objects.filter(state=Episode.State.CLOSED).values_list("closure_reason", flat=True)
    )
    assert {"recovered", "carer_returned", "admitted", "moved", "refused", "period_ended"} <= (
        reasons
    )
    assert summary.episodes == Episode.objects.count()


def test_no_recipient_has_two_open_episodes_and_statuses_follow_them(
    summary: DemoSummary,
) -> None:
    open_episodes = Episode.objects.open()
    assert open_episodes.count() == open_episodes.values("recipient").distinct().count()
    active = set(
        Episode.objects.filter(state=Episode.State.ACTIVE).values_list("recipient", flat=True)
    )
    assert (
        set(Recipient.objects.filter(status=Recipient.Status.ACTIVE).values_list("pk", flat=True))
        == active
    )
    assert not Recipient.objects.filter(status=Recipient.Status.CLOSED, episodes__in=open_episodes)


def test_desk_has_extensions_limits_and_after_care_to_show(summary: DemoSummary) -> None:
    today = timezone.localdate()

    assert ExtensionRequest.objects.filter(state="pending").count() >= 2
    assert ExtensionRequest.objects.filter(state="approved").exists()
    near = [usage for _episode, usage in episodes_near_limit()]
    assert any(usage.warn_days and not usage.warn_hours for usage in near)
    assert any(usage.warn_hours for usage in near)
    checks = AfterCareCheck.objects.all()
    assert checks.filter(done_at__isnull=True, due_on__lte=today).exists()
    assert checks.filter(done_at__isnull=True, due_on__gt=today).exists()
    assert checks.filter(done_at__isnull=False).exclude(outcome="").exists()


def test_active_episodes_have_plans_and_a_schedule_around_today(summary: DemoSummary) -> None:
    today = timezone.localdate()
    active = Episode.objects.filter(state=Episode.State.ACTIVE)

    # Every active episode but one (waiting for its plan) has a plan.
    assert active.filter(plan_entries__isnull=True).count() == 1
    week = ScheduledVisit.objects.filter(
        occurrence_date__range=(today - timedelta(days=3), today + timedelta(days=3))
    )
    past, now = week.filter(occurrence_date__lt=today), week.filter(occurrence_date=today)
    assert past.filter(state="done", visit__isnull=False).exists()
    assert past.filter(state="missed").exists()
    assert not past.filter(state="planned").exists()
    assert now.filter(state__in=["planned", "late"]).exists()
    assert ScheduledVisit.objects.filter(state="cancelled").exclude(change_reason="").exists()
    assert ScheduledVisit.objects.filter(original_corps_member__isnull=False).exists()


def test_caregiver_has_scheduled_visits_today_and_tomorrow_in_time_order(
    summary: DemoSummary,
) -> None:
    caregiver = get_user_model().objects.get(username="caregiver")
    today = timezone.localdate()

    for day in (today, today + timedelta(days=1)):
        scheduled = caregiver_day(user=caregiver, day=day).scheduled
        assert len(scheduled) >= 2
        assert [v.starts_at for v in scheduled] == sorted(v.starts_at for v in scheduled)


def test_2023_visits_belong_to_the_episode_of_their_assignment(summary: DemoSummary) -> None:
    history = Visit.objects.filter(started_at__year=VISITS_UNTIL.year)
    assert history.count() > 1000
    assert not history.exclude(
        episode__assignments__corps_member=F("corps_member"),
        episode__starts_on__lte=F("started_at__date"),
    ).exists()
    # Limits as migration 0014 sets them: never below what the history used.
    history = Episode.objects.filter(closed_on=VISITS_UNTIL).annotate(minutes=delivered_minutes())
    assert history.count() > 50
    for episode in history:
        assert episode.max_hours * 60 >= round(episode.minutes)
        assert episode.max_days >= (episode.closed_on - episode.starts_on).days + 1


def test_directory_demo_closes_two_episodes_linked_to_long_term_services(
    summary: DemoSummary,
) -> None:
    from consultations.demo import consultations_demo_load

    consultations_demo_load(seed=2023)

    linked = Episode.objects.filter(closure_reason=Episode.ClosureReason.LINKED)
    assert linked.count() == 2
    assert not linked.filter(linked_resource__isnull=True).exists()
    assert set(linked.values_list("linked_resource__name", flat=True)) == {
        "장기요양 재가서비스 기관 안내",
        "노인맞춤돌봄서비스",
    }
    assert AfterCareCheck.objects.filter(episode__in=linked).count() == 2
    # and a second run closes nothing more
    consultations_demo_load(seed=2023)
    assert Episode.objects.filter(closure_reason=Episode.ClosureReason.LINKED).count() == 2


def test_load_demo_prints_the_second_factor_for_each_demo_login(summary: DemoSummary) -> None:
    out = StringIO()

    call_command("load_demo", stdout=out)

    printed = out.getvalue()
    assert "manage.py totp_code <username>" in printed
    for username in ("coordinator", "counselor", "manager", "admin"):
        assert sum(line.split()[:1] == [username] for line in printed.splitlines()) == 2
    assert "/tablet/enrol/" in printed
