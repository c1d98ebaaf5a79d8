"""care_episodehours (care 0030): an episode's delivered service time, kept by the visits'
triggers, always equal to a recount of its counted, checked-out visits (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from care.episodes.selectors import episodes_near_limit, near_limit_ids
from care.models import Episode, EpisodeHours, Visit
from tests.care.visit_factories import VisitFactory, hours_ago
from tests.factories import EpisodeFactory, RecipientFactory
from tests.kpi.test_served_tables import _add_a_day_later, _dsn, _void

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers"),
]


def recount() -> dict[int, int]:
    """Every episode's microseconds, summed from its counted, checked-out visits."""
    totals = dict.fromkeys(Episode.objects.values_list("pk", flat=True), 0)
    for visit in Visit.objects.counted().filter(ended_at__isnull=False):
        delta = visit.ended_at - visit.started_at
        totals[visit.episode_id] += delta // timedelta(microseconds=1)
    return totals


def kept() -> dict[int, int]:
    return dict(EpisodeHours.objects.values_list("episode_id", "microseconds"))


def test_a_new_episode_starts_with_a_row_of_no_time() -> None:
    episode = EpisodeFactory(recipient=RecipientFactory())

    assert kept() == {episode.pk: 0}


def test_visits_written_in_every_way_keep_each_episode_equal_to_a_recount() -> None:
    now = timezone.now().replace(microsecond=0)
    first = VisitFactory(started_at=now - timedelta(hours=30))  # one hour each
    VisitFactory(recipient=first.recipient, started_at=now - timedelta(hours=20), ended_at=None)
    voided = VisitFactory(recipient=first.recipient, started_at=now - timedelta(hours=10))
    other = VisitFactory(
        started_at=now - timedelta(hours=8), ended_at=now - timedelta(hours=7, seconds=1.5)
    )
    assert kept() == recount()
    assert kept()[first.episode_id] == 2 * 3_600_000_000

    Visit.objects.filter(pk=voided.pk).update(status=Visit.Status.VOID, void_reason="중복")
    assert kept() == recount()
    Visit.objects.filter(pk=first.pk).update(ended_at=first.started_at + timedelta(minutes=30))
    assert kept() == recount()
    # a visit moved to another episode leaves one and reaches the other
    Visit.objects.filter(pk=other.pk).update(episode=first.episode)
    assert kept() == recount()
    assert kept()[other.episode_id] == 0
    Visit.objects.filter(pk=first.pk).delete()
    assert kept() == recount()
    Visit.objects.create(
        client_uuid=other.client_uuid.hex[::-1],
        recipient=other.recipient,
        corps_member=other.corps_member,
        episode=other.episode,
        program=other.program,
        started_at=now - timedelta(hours=50),
        ended_at=now - timedelta(hours=49),
        status=Visit.Status.VOID,
        void_reason="중복",
    )
    assert kept() == recount()


def test_the_desk_reads_the_kept_time_not_every_visit() -> None:
    episode = EpisodeFactory(
        recipient=RecipientFactory(), state=Episode.State.ACTIVE, max_hours=2, max_days=300
    )
    VisitFactory(recipient=episode.recipient, episode=episode, started_at=hours_ago(4))
    VisitFactory(recipient=episode.recipient, episode=episode, started_at=hours_ago(2))

    with CaptureQueriesContext(connection) as queries:
        ids = near_limit_ids()

    assert ids == [episode.pk]
    assert "care_visit" not in queries.captured_queries[0]["sql"]
    [(shown, usage)] = episodes_near_limit(ids=ids)
    assert (shown.pk, usage.minutes_delivered, usage.warn_hours) == (episode.pk, 120, True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["insert", "void"])
def test_an_insert_and_a_void_in_one_episode_at_once_leave_it_exact(first: str) -> None:
    # given an episode with two visits
    now = timezone.now().replace(microsecond=0)
    kept_visit = VisitFactory(started_at=now - timedelta(hours=30))
    voided = VisitFactory(recipient=kept_visit.recipient, started_at=now - timedelta(hours=10))
    # when one transaction adds a visit a day later and another voids the second, whichever
    # takes the episode's row first, the other waiting for it
    adder = psycopg.connect(_dsn())
    voider = psycopg.connect(_dsn())
    writers = {"insert": (adder, lambda: _add_a_day_later(adder, kept_visit.pk))}
    writers["void"] = (voider, lambda: _void(voider, voided.pk))
    second = "void" if first == "insert" else "insert"
    try:
        writers[first][1]()
        thread = threading.Thread(
            target=lambda: (writers[second][1](), writers[second][0].commit())
        )
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # the second writer waits for the episode's row
        writers[first][0].commit()
        thread.join(timeout=10)
        assert not thread.is_alive()
    finally:
        adder.close()
        voider.close()

    # then the kept time is the two remaining visits', as a recount finds it
    assert kept() == recount()
    assert kept()[kept_visit.episode_id] == 2 * 3_600_000_000
