"""Demo incidents (DEMO ONLY): phones for the demo coordinator and manager, today's on-call
shift, and a few incidents of the demo caregiver's recipients in several states, one of them
an open suspected abuse report. Idempotent: fixed client_uuids, so a second run adds nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from care.incidents import services
from care.incidents.models import OnCallShift, ReportingLine, StaffPhone
from care.models import Recipient

# uuid5 of fixed names: the same demo incident on every machine and every run.
NAMESPACE = uuid.UUID("6f1c1c39-3f59-4f0e-9b8e-1d2a0c12a012")


def _uuid(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


def incidents_demo_load(
    *,
    caregiver: AbstractBaseUser,
    coordinator: AbstractBaseUser,
    manager: AbstractBaseUser | None = None,
) -> int:
    """How many demo incidents this run created (0 on a second run)."""
    StaffPhone.objects.get_or_create(user=coordinator, defaults={"phone": "010-0000-1001"})
    if manager is not None:
        StaffPhone.objects.get_or_create(user=manager, defaults={"phone": "010-0000-1002"})
    today = timezone.localdate()
    starts = timezone.make_aware(datetime.combine(today, time(9)))
    OnCallShift.objects.get_or_create(
        coordinator=coordinator,
        starts_at=starts,
        defaults={"ends_at": starts + timedelta(hours=9)},
    )
    people = list(Recipient.objects.visible_to(caregiver).order_by("pk")[:3])
    if not people:
        return 0
    now = timezone.now()
    created = 0

    fall, is_new = services.incident_report(
        actor=caregiver,
        client_uuid=_uuid("fall"),
        kind="fall",
        recipient=people[0],
        occurred_at=now - timedelta(days=2, hours=3),
        place="욕실",
        what_happened="세면대 앞에서 미끄러져 넘어짐. 의식 있고 오른쪽 손목 통증 호소.",
        action_taken="움직이지 않게 한 뒤 119 신고, 보호자에게 연락",
        who_was_told="119, 보호자(딸)",
        now=now - timedelta(days=2, hours=2, minutes=50),
    )
    if is_new:
        created += 1
        services.incident_acknowledge(
            actor=coordinator, incident=fall, now=now - timedelta(days=2, hours=2)
        )
        services.incident_external_report_record(
            actor=coordinator,
            incident=fall,
            agency="119",
            reported_at=now - timedelta(days=2, hours=3),
            person="전북119종합상황실",
            receipt_number="데모-0001",
        )
        services.incident_follow_up_add(
            actor=coordinator, incident=fall, text="병원 진료 결과 손목 염좌, 깁스. 방문 시간 조정."
        )
        services.incident_close(
            actor=coordinator,
            incident=fall,
            outcome="염좌 치료 후 귀가, 욕실 미끄럼 방지 매트 설치 연계",
        )

    line = ReportingLine.objects.filter(
        target_group=people[min(1, len(people) - 1)].category, is_active=True
    ).first()
    _abuse, is_new = services.incident_report(
        actor=caregiver,
        client_uuid=_uuid("suspected-abuse"),
        kind="suspected_abuse",
        recipient=people[min(1, len(people) - 1)],
        occurred_at=now - timedelta(hours=3),
        place="안방",
        what_happened="팔과 등에 멍 자국. 함께 사는 가족이 큰 소리로 위협하는 것을 들음.",
        action_taken="대상자 안정, 신고 전화",
        who_was_told="코디네이터",
        reporting_line=line,
        now=now - timedelta(hours=2, minutes=40),
    )
    created += is_new

    emergency, is_new = services.incident_report(
        actor=caregiver,
        client_uuid=_uuid("medical-emergency"),
        kind="medical_emergency",
        recipient=people[-1],
        occurred_at=now - timedelta(days=1, hours=5),
        place="거실",
        what_happened="어지럼증과 가슴 답답함 호소",
        action_taken="119 이송, 보호자 연락",
        who_was_told="119, 보호자",
        now=now - timedelta(days=1, hours=4, minutes=45),
    )
    if is_new:
        created += 1
        services.incident_acknowledge(
            actor=coordinator, incident=emergency, now=now - timedelta(days=1, hours=4)
        )

    _harm, is_new = services.incident_report(
        actor=caregiver,
        client_uuid=_uuid("staff-harm"),
        kind="staff_harm",
        occurred_at=now - timedelta(hours=26),
        place="대상자 댁 현관",
        what_happened="방문 중 가족에게 폭언을 들음",
        action_taken="방문 종료 후 귀가",
        who_was_told="코디네이터",
        now=now - timedelta(hours=25),
    )
    created += is_new
    return created
