"""The records the fuzzing run finds in the database: one of each kind an endpoint answers
with, in the states whose optional fields are empty (a visit nobody reviewed, an open
exception, an open month, a run nobody asked for, an organization without email or website),
so that the answers are checked against the schema with those fields null or blank.

Every table's first seeded row gets the id ``SEED_ID`` (the tables' sequences are moved there
for the seeding and put back afterwards), which the run's schema gives as the example of
every ``{id}`` of a read: each detail read is called once on a real record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from care.models import Episode, Visit, VisitException
from kpi import rollups
from kpi.goals import goals_load
from kpi.models import Period, RollupRun
from tests.care.schedule_factories import scheduled_visit
from tests.care.visit_factories import VisitExceptionFactory, VisitFactory
from tests.consultations.consultation_factories import (
    ConsultationFactory,
    OrganizationFactory,
    ReferralFactory,
    WelfareResourceFactory,
)
from tests.factories import (
    AssignmentFactory,
    CorpsMemberFactory,
    ExtensionRequestFactory,
    RecipientFactory,
    UserFactory,
    episode_of,
)

SEED_ID = 7_000_001


@contextmanager
def sequences_from(first: int) -> Iterator[None]:
    """Every table's next id is ``first`` inside the block; each sequence is put back as it
    was afterwards (``setval`` is not undone by a rollback)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        )
        names = [row[0] for row in cursor.fetchall()]
        saved = []
        for name in names:
            cursor.execute(f"SELECT last_value, is_called FROM {name}")  # noqa: S608
            saved.append((name, *cursor.fetchone()))
        for name in names:
            cursor.execute("SELECT setval(%s, %s, false)", [name, first])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, last_value, is_called in saved:
                cursor.execute("SELECT setval(%s, %s, %s)", [name, last_value, is_called])


def seed_records() -> None:
    coordinator = UserFactory(username="fuzz-seed-coordinator", roles=["coordinator"])
    recipient = RecipientFactory()
    member = CorpsMemberFactory()
    AssignmentFactory(recipient=recipient, corps_member=member)
    episode = episode_of(recipient)
    ExtensionRequestFactory(episode=episode)

    # a visit nobody has reviewed yet (reviewed_by, reviewed_at null) with an open exception
    # (resolved_by, resolved_at null)
    visit = VisitFactory(
        recipient=recipient, corps_member=member, episode=episode, recorded_by=coordinator
    )
    VisitExceptionFactory(visit=visit, kind=VisitException.Kind.OVERLAP)
    assert visit.reviewed_by is None and visit.status == Visit.Status.SUBMITTED
    scheduled_visit(
        corps_member=member,
        recipient=recipient,
        starts_at=timezone.now() + dt.timedelta(days=1),
    )

    # an organization with neither email nor website, a resource of it, a consultation
    # referred to it
    organization = OrganizationFactory(email="", website="")
    resource = WelfareResourceFactory(organization=organization)
    ConsultationFactory(counselor=coordinator)
    ReferralFactory(
        consultation=ConsultationFactory(counselor=coordinator, share_consent_at=timezone.now()),
        resource=resource,
        created_by=coordinator,
    )

    # the goals, and last month rolled up by the schedule: a run nobody requested
    # (requested_by null) of a month still open (closed_by null)
    goals_load()
    year, month = rollups.previous_month()
    run = rollups.rollup_month(year=year, month=month, trigger=RollupRun.Trigger.SCHEDULE)
    assert run.requested_by_id is None and run.state == RollupRun.State.SUCCEEDED
    assert Period.objects.get(year=year, month=month).closed_by_id is None
    assert Episode.objects.filter(pk=episode.pk, closure_reason="").exists()
