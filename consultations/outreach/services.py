"""Writes of outreach days (찾아가는 상담): sites, sessions and the consultations held at them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import Program
from consultations import services as consultation_services
from consultations.models import Consultation, Organization
from consultations.outreach.models import OUTREACH_PROGRAM, OutreachSession, OutreachSite

SITE_FIELDS = {"name", "kind", "address", "region", "admin_unit", "organization", "is_active"}
SESSION_FIELDS = {"held_on", "site", "organization", "attendees", "notes", "program"}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def site_save(*, site: OutreachSite | None = None, **fields: Any) -> OutreachSite:
    """Create or change a site. Its rural flag follows its 읍·면·동 (computed by the database)."""
    unknown = set(fields) - SITE_FIELDS
    if unknown:
        raise ValueError(f"unknown site fields: {sorted(unknown)}")
    site = (
        OutreachSite() if site is None else OutreachSite.objects.select_for_update().get(pk=site.pk)
    )
    for name, value in fields.items():
        setattr(site, name, _strip(value))
    if site.region_id and site.name:
        same = OutreachSite.objects.filter(region_id=site.region_id, name=site.name)
        if same.exclude(pk=site.pk).exists():
            raise ValidationError({"name": [_("이 시·군에 같은 이름의 장소가 있습니다.")]})
    site.full_clean()
    site.save()
    # The generated column is computed on save; read it back for the caller.
    site.refresh_from_db(fields=["is_rural"])
    return site


def _default_program() -> Program:
    program = Program.objects.filter(code=OUTREACH_PROGRAM).first()
    if program is None:
        raise ValidationError({"program": [_("찾아가는 상담 사업이 없습니다. 사업을 고르세요.")]})
    return program


def session_check(session: OutreachSession, staff: list[AbstractBaseUser] | None) -> None:
    """The rules a form or an API call could break, each named by its field."""
    errors: dict[str, list[str]] = {}
    if not session.site_id:
        errors["site"] = [_("장소를 고르세요.")]
    if session.held_on and session.held_on > timezone.localdate():
        errors["held_on"] = [_("아직 오지 않은 날의 상담은 기록할 수 없습니다.")]
    if staff is not None and not staff:
        errors["staff"] = [_("참여한 직원을 한 명 이상 고르세요.")]
    if session.site_id and session.held_on:
        taken = OutreachSession.objects.filter(site_id=session.site_id, held_on=session.held_on)
        if taken.exclude(pk=session.pk).exists():
            errors["site"] = [_("이 장소의 이 날 상담은 이미 기록되어 있습니다.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_create(
    *,
    actor: AbstractBaseUser,
    held_on: date,
    site: OutreachSite | None,
    staff: Iterable[AbstractBaseUser],
    attendees: int = 0,
    notes: str = "",
    program: Program | None = None,
    organization: Organization | None = None,
) -> OutreachSession:
    """Record an outreach day at a site. The partner is the site's unless given; the program
    is 4-1 찾아가는 상담 unless given."""
    staff = list(staff)
    session = OutreachSession(
        held_on=held_on,
        site=site,
        attendees=attendees,
        notes=_strip(notes),
        program=program or _default_program(),
        organization=organization or (site.organization if site else None),
        created_by=actor,
    )
    session_check(session, staff)
    if site is not None and not site.is_active:
        raise ValidationError({"site": [_("사용하지 않는 장소입니다.")]})
    session.full_clean(exclude={"staff"})
    session.save()
    session.staff.set(staff)
    return session


@transaction.atomic
def session_update(
    *,
    actor: AbstractBaseUser,
    session: OutreachSession,
    staff: Iterable[AbstractBaseUser] | None = None,
    **fields: Any,
) -> OutreachSession:
    """Change a session. Its day moves only while no consultation is recorded on another day;
    a new site brings its partner unless one is given."""
    unknown = set(fields) - SESSION_FIELDS
    if unknown:
        raise ValueError(f"unknown session fields: {sorted(unknown)}")
    session = OutreachSession.objects.select_for_update().get(pk=session.pk)
    site_changed = "site" in fields and fields["site"] != session.site
    for name, value in fields.items():
        setattr(session, name, _strip(value))
    if site_changed and "organization" not in fields and session.site is not None:
        session.organization = session.site.organization
    if "program" in fields and fields["program"] is None:
        session.program = _default_program()
    staff = list(staff) if staff is not None else None
    session_check(session, staff)
    if "held_on" in fields and session.held_on:
        elsewhere = [
            c.held_at
            for c in session.consultations.only("held_at")
            if timezone.localdate(c.held_at) != session.held_on
        ]
        if elsewhere:
            raise ValidationError(
                {
                    "held_on": [
                        _("이 회차의 상담이 다른 날로 기록되어 있어 날짜를 바꿀 수 없습니다.")
                    ]
                }
            )
    session.full_clean(exclude={"staff"})
    session.save()
    if staff is not None:
        session.staff.set(staff)
    return session


@transaction.atomic
def session_delete(*, actor: AbstractBaseUser, session: OutreachSession) -> None:
    """Remove a session recorded by mistake; one with consultations stays (they point at it)."""
    session = OutreachSession.objects.select_for_update().get(pk=session.pk)
    if session.consultations.exists():
        raise ValidationError(
            {"consultations": [_("상담이 기록된 회차는 지울 수 없습니다. 상담을 먼저 옮기세요.")]}
        )
    session.delete()


def session_moment(session: OutreachSession) -> datetime:
    """A default time for a consultation of the session: now if the session is today, else
    10:00 (Seoul) on its day."""
    now = timezone.localtime()
    if session.held_on == now.date():
        return now.replace(second=0, microsecond=0)
    return timezone.make_aware(datetime.combine(session.held_on, time(10, 0)))


def session_consultation_record(
    *,
    actor: AbstractBaseUser,
    session: OutreachSession,
    source_ip: str | None = None,
    **fields: Any,
) -> Consultation:
    """A consultation held at the session: channel outreach, the session's day, its program
    and the site's 시·군 unless given. The consultation's own rules are
    ``consultations.services.consultation_record``'s."""
    fields.setdefault("held_at", session_moment(session))
    fields.setdefault("program", session.program)
    if not fields.get("region") and not fields.get("recipient"):
        fields["region"] = session.site.region
    fields["channel"] = Consultation.Channel.OUTREACH
    fields["outreach_session"] = session
    return consultation_services.consultation_record(actor=actor, source_ip=source_ip, **fields)
