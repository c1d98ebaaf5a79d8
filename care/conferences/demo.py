"""Demo case conferences (DEMO ONLY): two conferences of the last weeks, with partners at the
table and action items, some due on the coordinator's and the counselor's desks.

Called by ``consultations.demo`` once the directory exists (the attendees' organizations are
consultations'): ``organization_named(name)`` gives the directory's organization or None.
Idempotent: demo conferences carry ``DEMO_MARK`` at the start of their decisions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from care.conferences.models import CaseConference
from care.conferences.services import action_item_mark_done, conference_create
from care.demo import DEMO_MARK
from care.episodes.models import Episode


def conferences_demo_load(*, organization_named: Callable[[str], Any]) -> int:
    """Create the demo conferences; returns how many were created (0 on a second run)."""
    if CaseConference.objects.filter(decisions__startswith=DEMO_MARK).exists():
        return 0
    User = get_user_model()
    coordinator = User.objects.filter(username="coordinator").first()
    counselor = User.objects.filter(username="counselor").first()
    if coordinator is None or counselor is None:
        return 0
    today = timezone.localdate()
    episodes = list(
        Episode.objects.filter(state__in=Episode.OPEN_STATES)
        .select_related("recipient")
        .order_by("referred_on", "pk")[:4]
    )
    council = organization_named("전주시사회복지협의회")
    hospital = organization_named("대자인병원")
    lh = organization_named("LH 주거행복지원센터 삼천6단지")

    first = conference_create(
        actor=coordinator,
        held_on=today - timedelta(days=12),
        title="긴급돌봄 통합사례회의 (전주권)",
        place="전북사회서비스원 회의실",
        chair=coordinator,
        decisions=f"{DEMO_MARK} 퇴원 후 돌봄 공백 대상자 2명은 노인맞춤돌봄 연계를 추진하고, "
        "주거환경 문제가 있는 가구는 LH 주거행복지원센터와 함께 방문한다.",
        attendees=[
            {"user": coordinator, "role": "코디네이터"},
            {"user": counselor, "role": "상담원"},
            {"name": "김민정", "role": "희망복지지원단 통합사례관리사", "organization": council},
            {"name": "박성호", "role": "의료사회복지사", "organization": hospital},
        ],
        episodes=[
            {"episode": episode, "notes": "퇴원 후 주돌봄자 부재, 연계 서비스 검토"}
            for episode in episodes[:2]
        ],
        action_items=[
            {
                "text": "노인맞춤돌봄 수행기관에 연계 의뢰서 보내기",
                "owner": counselor,
                "due_on": today - timedelta(days=2),
            },
            {
                "text": "대자인병원 퇴원 예정자 명단 받기",
                "owner": coordinator,
                "due_on": today - timedelta(days=5),
            },
        ],
    )
    done = first.action_items.get(owner=coordinator)
    action_item_mark_done(actor=coordinator, item=done, done_on=today - timedelta(days=6))
    conference_create(
        actor=coordinator,
        held_on=today - timedelta(days=3),
        title="주거 취약 가구 사례회의",
        place="LH 주거행복지원센터 삼천6단지",
        chair=coordinator,
        decisions=f"{DEMO_MARK} 단지 내 홀몸 어르신 안부확인을 주 2회로 늘리고, "
        "다음 달 찾아가는 상담을 단지에서 연다.",
        attendees=[
            {"user": coordinator, "role": "코디네이터"},
            {"user": counselor, "role": "상담원"},
            {"name": "이수진", "role": "주거복지사", "organization": lh},
        ],
        episodes=[{"episode": episode, "notes": "안부확인 강화"} for episode in episodes[2:4]],
        action_items=[
            {
                "text": "단지 찾아가는 상담 날짜 정해 알리기",
                "owner": counselor,
                "due_on": today + timedelta(days=4),
            },
            {
                "text": "안부확인 일정 주 2회로 바꾸기",
                "owner": coordinator,
                "due_on": today + timedelta(days=2),
            },
        ],
    )
    return 2
