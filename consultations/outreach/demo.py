"""Demo outreach days (DEMO ONLY): the seed's LH 주거행복지원센터 단지 and a few 마을회관 in
rural 읍·면 as sites, and sessions with their consultations in 2023, so that 4-1's
"사회서비스연계 상담 12회" has figures to show. Idempotent: a second run adds nothing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from base.models import Region
from consultations.models import Consultation, Organization, ResourceCategory
from consultations.outreach import services
from consultations.outreach.models import OutreachSession, OutreachSite

DEMO_MARK = "[데모]"
K = OutreachSite.Kind


@dataclass(frozen=True)
class SiteSpec:
    name: str
    kind: str
    region: str
    admin_unit: str
    address: str
    # The partner organization's name ("{region}" is the 시·군's name).
    partner: str | None


SITES: tuple[SiteSpec, ...] = (
    SiteSpec("LH 삼천6단지 주거행복지원센터", K.LH_COMPLEX, "jeonju", "삼천동",
             "전북 전주시 완산구 삼천동 (LH 삼천6단지)", "LH 주거행복지원센터 삼천6단지"),
    SiteSpec("LH 효자주공1단지 주거행복지원센터", K.LH_COMPLEX, "jeonju", "효자동",
             "전북 전주시 완산구 효자동 (LH 효자주공1단지)", "LH 주거행복지원센터 효자주공1단지"),
    SiteSpec("낙평마을회관", K.VILLAGE_HALL, "wanju", "봉동읍", "전북 완주군 봉동읍 낙평리",
             "{region}사회복지협의회"),
    SiteSpec("신리경로당", K.VILLAGE_HALL, "wanju", "상관면", "전북 완주군 상관면 신리",
             "{region}사회복지협의회"),
    SiteSpec("군상마을회관", K.VILLAGE_HALL, "jinan", "진안읍", "전북 진안군 진안읍 군상리",
             "{region}사회복지협의회"),
    SiteSpec("오수면 행정복지센터", K.COMMUNITY_CENTER, "imsil", "오수면",
             "전북 임실군 오수면 오수리", "{region}사회복지협의회"),
)  # fmt: skip

# 2023's outreach days: (site index, day, attendees, consultations held). Ten days against
# the target of 12: the measure shows progress, not completion.
SESSIONS: tuple[tuple[int, date, int, int], ...] = (
    (0, date(2023, 2, 15), 24, 6),
    (2, date(2023, 3, 9), 12, 3),
    (1, date(2023, 4, 12), 18, 4),
    (4, date(2023, 5, 17), 9, 2),
    (0, date(2023, 6, 14), 30, 15),
    (3, date(2023, 7, 6), 8, 2),
    (5, date(2023, 8, 23), 14, 3),
    (1, date(2023, 9, 13), 16, 4),
    (2, date(2023, 10, 18), 11, 3),
    (0, date(2023, 11, 15), 21, 5),
)

# What was asked at the sites, with its topic (a code of the directory's categories).
TOPICS = (
    ("living_income", "주거 관리비 부담과 긴급지원 문의"),
    ("care_home", "혼자 사는 어르신의 식사·안부 확인 서비스 문의"),
    ("care_emergency", "퇴원 후 가사·이동 지원 필요"),
    ("care_home", "장기요양 등급 신청 절차 안내 요청"),
    ("living_income", "난방비·공과금 체납 상담"),
)


@dataclass(frozen=True)
class OutreachSummary:
    sites: int
    sessions: int
    consultations: int
    created: bool


def _sites_ensure() -> list[OutreachSite]:
    regions = {region.code: region for region in Region.objects.all()}
    sites = []
    for spec in SITES:
        region = regions[spec.region]
        found = OutreachSite.objects.filter(region=region, name=spec.name).first()
        if found is None:
            partner_name = spec.partner.format(region=region.name) if spec.partner else None
            partner = Organization.objects.filter(name=partner_name).first()
            found = services.site_save(
                name=spec.name,
                kind=spec.kind,
                region=region,
                admin_unit=spec.admin_unit,
                address=spec.address,
                organization=partner,
            )
        sites.append(found)
    return sites


@transaction.atomic
def outreach_demo_load(*, counselor: AbstractBaseUser, seed: int = 2023) -> OutreachSummary:
    rng = random.Random(seed)
    sites = _sites_ensure()
    demo_sessions = OutreachSession.objects.filter(notes__startswith=DEMO_MARK)
    created = False
    if not demo_sessions.exists():
        created = True
        for index, day, attendees, held in SESSIONS:
            site = sites[index]
            session = services.session_create(
                actor=counselor,
                held_on=day,
                site=site,
                staff=[counselor],
                attendees=attendees,
                notes=f"{DEMO_MARK} {site.get_kind_display()} 방문 상담",
            )
            for n in range(held):
                topic, said = rng.choice(TOPICS)
                moment = datetime.combine(day, time(10 + n * 30 // 60, (n * 30) % 60))
                services.session_consultation_record(
                    actor=counselor,
                    session=session,
                    held_at=timezone.make_aware(moment),
                    is_anonymous=True,
                    # The mark last: the desk's own demo consultations are those that start
                    # with it (consultations.demo), and these are the outreach demo's.
                    summary=f"{said} {DEMO_MARK}",
                    topics=ResourceCategory.objects.filter(code=topic),
                    outcome=Consultation.Outcome.INFORMED,
                )
    return OutreachSummary(
        sites=OutreachSite.objects.filter(name__in=[s.name for s in SITES]).count(),
        sessions=demo_sessions.count(),
        consultations=Consultation.objects.filter(outreach_session__in=demo_sessions).count(),
        created=created,
    )
