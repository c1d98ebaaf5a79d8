"""Retention (보유 기간): people whose every record is past their program's years are
pseudonymised (identifying fields and free text erased, the row kept), consultation clients
too; a dry run lists ids without changing anything; and the goal tracker's figures for a year
are the same before and after."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest
from django.core.management import call_command
from django.db import transaction

from base.models import AccessLog
from care.models import Episode, ProgramRules, Recipient, RepairPhoto, Visit
from care.repairs.services import photo_add
from care.retention import ERASED, pseudonym, recipient_erase, recipients_due
from consultations.models import Consultation
from consultations.retention import consultations_due, retention_apply, retention_plan
from consultations.tasks import apply_retention
from kpi import metrics
from kpi.goals import goals_load
from kpi.report import year_report
from kpi.rollups import rollup_year
from tests.care.incidents.factories import IncidentFactory
from tests.care.repairs.factories import RepairJobFactory, photo_bytes, upload
from tests.consultations.consultation_factories import ConsultationFactory, seoul
from tests.factories import (
    CorpsMemberFactory,
    EpisodeFactory,
    RecipientFactory,
    UserFactory,
    program,
    region,
)

pytestmark = pytest.mark.django_db

LATER = dt.date(2030, 1, 1)  # 2023's episodes are past the default 5 years then


def closed_person(**fields) -> Recipient:  # noqa: ANN003
    person = RecipientFactory(
        phone="010-2222-3333",
        guardian_name="김보호",
        guardian_relation="딸",
        guardian_phone="010-4444-5555",
        birth_date=dt.date(1941, 3, 2),
        notes="딸 김보호가 주말에 옴",
        referral_source="이웃 박씨",
        **fields,
    )
    EpisodeFactory(
        recipient=person,
        state=Episode.State.CLOSED,
        referrer_name="박이웃",
        referral_note="혼자 사시는 박할머니",
        closure_note="회복",
    )
    return person


def visit(
    person: Recipient, when: dt.datetime, program_code: str = "emergency_care", **extra
) -> Visit:  # noqa: ANN003
    return Visit.objects.create(
        client_uuid=uuid4(),
        recipient=person,
        corps_member=extra.pop("member", None) or CorpsMemberFactory(),
        episode=Episode.objects.filter(recipient=person).first(),
        program=program(program_code),
        started_at=when,
        ended_at=when + dt.timedelta(hours=1),
        **extra,
    )


def test_only_people_whose_every_record_is_past_its_years_are_due() -> None:
    old = closed_person()
    open_ = RecipientFactory()
    EpisodeFactory(recipient=open_, state=Episode.State.ACTIVE)
    with_incident = closed_person()
    IncidentFactory(recipient=with_incident, occurred_at=seoul(2023, 2, 1, 10))
    consulted_lately = closed_person()
    ConsultationFactory(recipient=consulted_lately, person_name="", held_at=seoul(2026, 1, 5, 10))

    due = [d.pk for d in recipients_due(LATER)]

    # an open episode, an incident within its 10 years, a consultation within 5 years: kept
    assert due == [old.pk]
    assert recipients_due(dt.date(2028, 2, 13)) == []  # closed 2023-02-13, plus 5 years


def test_the_programs_setting_decides_the_years() -> None:
    person = closed_person()
    ProgramRules.objects.filter(program=program("emergency_care")).update(
        personal_data_retention_years=1
    )

    assert [d.pk for d in recipients_due(dt.date(2024, 2, 14))] == [person.pk]
    assert recipients_due(dt.date(2024, 2, 13)) == []


def test_erasure_replaces_identifying_fields_and_free_text_and_keeps_what_is_counted() -> None:
    person = closed_person(admin_unit="봉동읍")
    v = visit(person, seoul(2023, 1, 20, 10), notes="딸 김보호와 통화", latitude=Decimal("35.9"))
    c = ConsultationFactory(recipient=person, person_name="", summary="박할머니 상담")

    assert recipient_erase(person.pk) is True

    person.refresh_from_db()
    assert person.name == pseudonym("recipient", person.pk)
    assert person.name.startswith("가명-")
    assert (person.phone, person.address, person.guardian_name, person.guardian_phone) == (
        "",
        "",
        "",
        "",
    )
    assert (person.notes, person.referral_source) == ("", "")
    assert person.birth_date == dt.date(1941, 1, 1)
    assert person.pseudonymised_at is not None
    # what the goal tracker reads stays
    assert (person.region.code, person.admin_unit, person.is_rural) == ("wanju", "봉동읍", True)
    episode = Episode.objects.get(recipient=person)
    assert (episode.referrer_name, episode.referral_note, episode.closure_note) == ("", "", "")
    assert (episode.state, episode.closed_on) == ("closed", dt.date(2023, 2, 13))
    v.refresh_from_db()
    assert (v.notes, v.latitude, v.started_at) == ("", None, seoul(2023, 1, 20, 10))
    c.refresh_from_db()
    assert (c.summary, c.pseudonymised_at is not None) == (ERASED, True)


@pytest.mark.django_db(transaction=True)
def test_erasure_deletes_the_photos_of_the_home_rows_and_files_once_committed(
    settings, tmp_path
) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path
    person = closed_person()
    job = RepairJobFactory(recipient=person)
    photo = photo_add(
        actor=UserFactory(roles=["coordinator"]),
        job=job,
        stage="before",
        upload=upload(photo_bytes()),
    )
    path = Path(photo.image.path)
    assert path.exists()

    # a rolled-back erasure keeps the file
    with pytest.raises(RuntimeError), transaction.atomic():
        recipient_erase(person.pk)
        raise RuntimeError("rolled back")
    assert path.exists() and RepairPhoto.objects.filter(pk=photo.pk).exists()

    assert recipient_erase(person.pk) is True

    assert not RepairPhoto.objects.filter(job=job).exists()
    assert not path.exists()
    job.refresh_from_db()
    assert job.needs == ERASED


def test_the_erasure_is_logged_under_the_pseudonym_never_the_name() -> None:
    person = closed_person(name="박순덕")

    recipient_erase(person.pk)

    row = AccessLog.objects.get(action="delete", subject_id=person.pk)
    assert row.subject_type == "recipient"
    assert row.subject_label.startswith("가명-")
    assert row.username == "retention"
    assert not AccessLog.objects.filter(action="delete", subject_label__contains="박순덕").exists()


def test_an_erasure_run_twice_changes_nothing_the_second_time() -> None:
    person = closed_person()

    assert recipient_erase(person.pk) is True
    assert recipient_erase(person.pk) is False
    assert AccessLog.objects.filter(action="delete", subject_id=person.pk).count() == 1


def test_a_consultation_client_is_pseudonymised_after_the_consultations_years() -> None:
    old = ConsultationFactory(held_at=seoul(2023, 5, 2, 10))
    recent = ConsultationFactory(held_at=seoul(2026, 5, 2, 10))
    anonymous = ConsultationFactory(
        held_at=seoul(2023, 5, 3, 10), is_anonymous=True, person_name="", person_contact=""
    )

    assert [d.pk for d in consultations_due(LATER)] == sorted([old.pk, anonymous.pk])
    result = retention_apply(LATER)

    assert sorted(result.consultations) == sorted([old.pk, anonymous.pk])
    old.refresh_from_db()
    assert old.person_name == pseudonym("consultation", old.pk)
    assert (old.person_contact, old.summary) == ("", ERASED)
    assert (old.program.code, old.region.code, old.channel) == (
        "care_info_counseling",
        "jeonju",
        "phone",
    )
    anonymous.refresh_from_db()
    assert (anonymous.person_name, anonymous.summary) == ("", ERASED)
    recent.refresh_from_db()
    assert recent.person_name == "홍길순"


def test_the_dry_run_lists_ids_and_counts_without_names_and_changes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    person = closed_person(name="박순덕")
    ProgramRules.objects.filter(program=program("emergency_care")).update(
        personal_data_retention_years=1
    )
    client = ConsultationFactory(held_at=seoul(2020, 5, 2, 10), person_name="홍길순")

    call_command("apply_retention", "--dry-run")

    out = capsys.readouterr().out
    assert f"recipients to pseudonymise: 1 [{person.pk}]" in out
    assert f"consultations to pseudonymise: 1 [{client.pk}]" in out
    assert "dry run: nothing changed" in out
    assert "박순덕" not in out and "홍길순" not in out
    person.refresh_from_db()
    client.refresh_from_db()
    assert (person.name, person.pseudonymised_at, client.person_name) == ("박순덕", None, "홍길순")
    assert not AccessLog.objects.filter(action="delete").exists()


def test_the_command_and_the_weekly_task_apply_the_same_service(
    capsys: pytest.CaptureFixture[str], settings
) -> None:  # noqa: ANN001
    person = closed_person()
    ProgramRules.objects.filter(program=program("emergency_care")).update(
        personal_data_retention_years=1
    )
    assert [d.pk for d in retention_plan().recipients] == [person.pk]

    call_command("apply_retention")

    assert f"recipients pseudonymised: 1 [{person.pk}]" in capsys.readouterr().out
    assert apply_retention.apply().get() == {
        "recipients": 0,
        "consultations": 0,
        "callback_requests": 0,
        "access_log_rows": 0,
        "role_changes": 0,
    }
    assert (
        settings.CELERY_BEAT_SCHEDULE["apply-retention"]["task"] == "consultations.apply_retention"
    )


def _figures() -> tuple[dict, dict]:
    rollup_year(year=2023)
    report = dataclasses.asdict(year_report(year=2023))
    report.pop("generated_at")
    return report, metrics.year_all(set(metrics.METRICS), 2023)


def test_the_goal_trackers_figures_for_a_year_are_identical_after_the_erasure() -> None:
    goals_load()
    a, b = CorpsMemberFactory(name="김영희"), CorpsMemberFactory(name="이순자")
    rural = closed_person(admin_unit="봉동읍")
    urban = closed_person(region=region("jeonju"), admin_unit="효자동")
    still_served = RecipientFactory()
    EpisodeFactory(recipient=still_served, state=Episode.State.ACTIVE)
    visit(rural, seoul(2023, 1, 20, 10), member=a, notes="딸과 통화")
    visit(rural, seoul(2023, 2, 3, 10), member=b)
    visit(rural, seoul(2023, 2, 5, 10), "rural_gap_care", member=b)
    visit(urban, seoul(2023, 1, 25, 14), member=a)
    visit(urban, seoul(2023, 2, 7, 9), member=a, status=Visit.Status.VOID, void_reason="중복")
    visit(still_served, seoul(2023, 3, 1, 10), member=b)
    ConsultationFactory(recipient=rural, person_name="", held_at=seoul(2023, 1, 12, 10))
    ConsultationFactory(held_at=seoul(2023, 5, 2, 10))
    ConsultationFactory(
        held_at=seoul(2023, 6, 2, 10),
        program=program("outreach_counseling"),
        channel=Consultation.Channel.PHONE,
    )
    before = _figures()
    # the figures are not empty: visits and persons were counted
    assert before[1]["visits"][2][("", "")][1] == 4

    result = retention_apply(LATER)

    assert sorted(result.recipients) == sorted([rural.pk, urban.pk])
    assert len(result.consultations) == 2
    after = _figures()
    assert after[1] == before[1]
    assert after[0] == before[0]
