"""The demo data set that ``make run`` loads: demo logins, corps members, recipients, and
their episodes, assignments, visits and schedule (the episodes' part: care/episodes/demo.py).

DEMO ONLY. Every person here is invented: names are drawn from common Korean names, phone
numbers are random, and an address pairs a real 읍·면·동 with a road of the same 시·군 and a
made-up building number, so it is nobody's address. The demo passwords are printed on the
console and must never reach a deployment.

The data set is deterministic for a seed (one ``random.Random(seed)`` drives every choice, in a
fixed order) and idempotent: demo corps members and recipients carry ``DEMO_MARK`` in their
notes, and when demo corps members exist the data set is not created again. A demo login is
created once; a login that already exists is left alone entirely (password, flags and groups),
so that a second ``make run`` neither undoes a changed password nor ends the sessions of those
logged in (Django ends a user's sessions when their password hash changes, and ``set_password``
makes a new hash even for the same password).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from base import roles
from base.models import Program, Region, ServiceType
from care.episodes.demo import (
    VISIT_NOTES,
    HistoryAssignment,
    caseload_create,
    corps_accounts_ensure,
    history_create,
    history_limits_settle,
)
from care.incidents.demo import incidents_demo_load
from care.models import Assignment, Episode, Recipient
from care.schedule.models import ScheduledVisit
from care.services import recipient_create
from volunteers.compliance.demo import compliance_demo_lapse, compliance_demo_load
from volunteers.models import WEEKDAY_CODES, CorpsMember, Qualification
from volunteers.services import corps_member_create, corps_member_update

# The year the demo data set plays in (the year of the institute's 2023 goals).
DEMO_YEAR = 2023
# Marks demo rows (corps members' availability note, recipients' notes) so that a second run
# can recognise them and a coordinator looking at the screen knows the person is invented.
DEMO_MARK = "[데모]"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    is_staff: bool
    is_superuser: bool = False


# Staff flag: coordinators, counselors, managers and administrators may open /admin/, where
# their group permissions decide what they see; a caregiver works on the tablet only.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("caregiver", roles.CAREGIVER, is_staff=False),
    DemoUser("coordinator", roles.COORDINATOR, is_staff=True),
    DemoUser("counselor", roles.COUNSELOR, is_staff=True),
    DemoUser("manager", roles.MANAGER, is_staff=True),
    DemoUser("admin", roles.ADMINISTRATOR, is_staff=True, is_superuser=True),
)

ROLE_LABELS: dict[str, str] = {
    roles.CAREGIVER: "긴급돌봄지원단원",
    roles.COORDINATOR: "코디네이터",
    roles.COUNSELOR: "상담원",
    roles.MANAGER: "경영진",
    roles.ADMINISTRATOR: "시스템 관리자",
}

CORPS_MEMBER_COUNT = 25
RECIPIENT_COUNT = 100
# Demo caregiver's case load: enough to fill the tablet's list, few enough to read at a glance.
CAREGIVER_RECIPIENT_COUNT = 4

# Corps members per 시·군 (25 in all): every region has at least one, the cities more.
CORPS_MEMBERS_PER_REGION: dict[str, int] = {
    "jeonju": 5, "gunsan": 2, "iksan": 2, "jeongeup": 2, "namwon": 2, "gimje": 2, "wanju": 2,
    "jinan": 1, "muju": 1, "jangsu": 1, "imsil": 1, "sunchang": 1, "gochang": 2, "buan": 1,
}  # fmt: skip
# Recipients per 시·군 (100 in all), roughly following where older people live.
RECIPIENTS_PER_REGION: dict[str, int] = {
    "jeonju": 18, "gunsan": 10, "iksan": 10, "jeongeup": 7, "namwon": 7, "gimje": 7,
    "wanju": 7, "jinan": 5, "muju": 4, "jangsu": 4, "imsil": 5, "sunchang": 4, "gochang": 6,
    "buan": 6,
}  # fmt: skip

# Real 읍·면·동 of each 시·군: 전주 is all 동 (urban), the counties all 읍·면 (rural), the other
# cities both.
ADMIN_UNITS: dict[str, tuple[str, ...]] = {
    "jeonju": ("효자동", "삼천동", "인후동", "송천동", "서신동", "평화동", "중화산동", "우아동",
               "금암동", "호성동", "완산동", "동서학동"),
    "gunsan": ("나운동", "수송동", "조촌동", "소룡동", "미성동", "월명동", "옥구읍", "회현면",
               "임피면", "대야면", "서수면", "나포면"),
    "iksan": ("영등동", "모현동", "어양동", "부송동", "마동", "남중동", "함열읍", "금마면",
              "왕궁면", "황등면", "여산면", "춘포면"),
    "jeongeup": ("수성동", "시기동", "장명동", "연지동", "상교동", "신태인읍", "태인면", "고부면",
                 "입암면", "칠보면", "산외면", "이평면"),
    "namwon": ("도통동", "향교동", "동충동", "왕정동", "죽항동", "금동", "운봉읍", "인월면",
               "아영면", "산내면", "주천면", "사매면"),
    "gimje": ("요촌동", "신풍동", "검산동", "교월동", "만경읍", "금구면", "금산면", "백구면",
              "죽산면", "용지면", "백산면", "진봉면"),
    "wanju": ("봉동읍", "삼례읍", "용진읍", "이서면", "고산면", "소양면", "구이면", "상관면",
              "비봉면", "운주면", "화산면", "경천면"),
    "jinan": ("진안읍", "마령면", "부귀면", "백운면", "성수면", "동향면", "안천면", "용담면",
              "정천면", "주천면", "상전면"),
    "muju": ("무주읍", "설천면", "무풍면", "적상면", "안성면", "부남면"),
    "jangsu": ("장수읍", "장계면", "번암면", "산서면", "계남면", "계북면", "천천면"),
    "imsil": ("임실읍", "관촌면", "오수면", "강진면", "덕치면", "성수면", "신평면", "신덕면",
              "삼계면", "운암면", "청웅면", "지사면"),
    "sunchang": ("순창읍", "쌍치면", "복흥면", "구림면", "인계면", "동계면", "적성면", "유등면",
                 "풍산면", "금과면", "팔덕면"),
    "gochang": ("고창읍", "흥덕면", "무장면", "해리면", "심원면", "아산면", "대산면", "성송면",
                "공음면", "상하면", "성내면", "신림면"),
    "buan": ("부안읍", "변산면", "줄포면", "계화면", "행안면", "하서면", "진서면", "보안면",
             "상서면", "동진면", "백산면", "주산면"),
}  # fmt: skip

# Road names of each 시·군 (도로명).
ROADS: dict[str, tuple[str, ...]] = {
    "jeonju": ("기린대로", "백제대로", "팔달로", "효자로", "홍산로", "서신로", "송천중앙로",
               "안덕원로", "거마평로", "용머리로", "마전중앙로", "모악로"),
    "gunsan": ("수송로", "조촌로", "대학로", "해망로", "월명로", "시청로"),
    "iksan": ("인북로", "무왕로", "익산대로", "하나로", "선화로", "고봉로", "약촌로"),
    "jeongeup": ("충정로", "정읍사로", "내장산로"),
    "namwon": ("춘향로", "요천로", "용성로", "동림로", "시청로"),
    "gimje": ("중앙로", "벽골제로"),
    "wanju": ("지암로", "삼례로", "봉동로", "고산로"),
    "jinan": ("진장로", "진무로"),
    "muju": ("주계로", "한풍루로", "구천동로"),
    "jangsu": ("호비로", "한누리로"),
    "imsil": ("수정로", "호국로", "봉황로"),
    "sunchang": ("경천로", "장류로"),
    "gochang": ("중앙로", "모양성로"),
    "buan": ("당산로", "변산로", "부풍로"),
}  # fmt: skip

# Surnames with rough weights (per cent of the population, rounded).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("김", 21), ("이", 15), ("박", 8), ("최", 5), ("정", 5), ("강", 2), ("조", 2), ("윤", 2),
    ("장", 2), ("임", 2), ("한", 1), ("오", 1), ("서", 1), ("신", 1), ("권", 1), ("황", 1),
    ("안", 1), ("송", 1), ("유", 1), ("전", 1), ("홍", 1), ("고", 1), ("문", 1), ("양", 1),
    ("소", 1), ("노", 1), ("하", 1), ("백", 1),
)  # fmt: skip
# Two-syllable given names typical of each generation.
ELDERLY_FEMALE_NAMES = (
    "순자", "영자", "정순", "옥순", "말순", "영숙", "정자", "춘자", "복순", "순덕", "금순",
    "점순", "옥자", "귀순", "분례", "막례", "순례", "봉순", "정례", "양순", "길순", "판례",
    "순옥", "이순", "숙자",
)  # fmt: skip
ELDERLY_MALE_NAMES = (
    "영수", "정수", "상철", "영호", "병철", "광수", "종수", "기수", "만석", "판석", "용식",
    "덕수", "춘식", "길수", "복남", "봉수", "재근", "성만", "동춘",
)  # fmt: skip
MIDDLE_AGED_FEMALE_NAMES = (
    "미경", "은주", "미숙", "경희", "순희", "정숙", "영미", "현숙", "명숙", "혜숙", "경숙",
    "미영", "은숙", "선희", "정희", "미정", "영희", "미란", "성희", "금희", "옥희", "연희",
)  # fmt: skip
MIDDLE_AGED_MALE_NAMES = ("성호", "정민", "영진", "재훈", "병훈", "종호", "상훈", "기철")
ADULT_FEMALE_NAMES = ("지영", "수진", "은정", "현정", "미나", "유진", "혜진", "소영")
ADULT_MALE_NAMES = ("지훈", "성민", "민수", "동현", "준호", "현우", "상우", "태호")
CHILD_FEMALE_NAMES = ("서연", "하윤", "지우", "수아", "예린", "채원")
CHILD_MALE_NAMES = ("서준", "하준", "지호", "민준", "도윤", "시우")

REFERRAL_SOURCES = (
    "읍면동 행정복지센터", "병원 의료사회복지팀", "시군사회복지협의회", "본인·가족 신청",
    "지역사회보장협의체", "노인맞춤돌봄서비스 수행기관", "이웃·이장 제보",
)  # fmt: skip
CONSENT_SCOPES = (
    "긴급돌봄 제공을 위한 개인정보 수집·이용",
    "긴급돌봄 제공을 위한 개인정보 수집·이용 및 서비스 연계기관 제공",
)
# What happened, by emergency reason (shown in the recipient's notes).
SITUATIONS: dict[str, tuple[str, ...]] = {
    Recipient.EmergencyReason.CARER_ABSENT: (
        "주돌봄자(배우자) 입원으로 돌봄 공백", "자녀가 타지에 살아 홀로 생활",
        "보호자 수술로 2주간 돌봄 공백",
    ),
    Recipient.EmergencyReason.SUDDEN_ILLNESS: (
        "낙상으로 손목 골절, 가사 어려움", "대상포진으로 거동 불편",
        "갑작스러운 허리 통증으로 외출 곤란",
    ),
    Recipient.EmergencyReason.AFTER_DISCHARGE: (
        "고관절 수술 후 퇴원, 병원 동행 필요", "폐렴 치료 후 퇴원, 식사 챙김 필요",
        "뇌경색 치료 후 퇴원, 재활 중",
    ),
    Recipient.EmergencyReason.SERVICE_GAP: (
        "장기요양 등급 판정 대기 중", "노인맞춤돌봄서비스 연계 전 공백",
        "활동지원 서비스 시간 부족",
    ),
    Recipient.EmergencyReason.OTHER: ("폭염기 안부확인 요청", "주거 환경 열악, 정리 지원 필요"),
}  # fmt: skip
CHILD_SITUATIONS = ("한부모 보호자 입원으로 돌봄 공백", "조부모 양육 중 조부모 수술로 공백")

# Service type codes (loaded by migration) with how often a recipient needs each.
NEED_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("housework", 30), ("daily_living", 25), ("safety_check", 20), ("meal", 20),
    ("mobility", 12), ("personal_care", 10), ("home_improvement", 3), ("other", 2),
)  # fmt: skip
# What the demo caregiver can give: broad, so that their recipients' needs are covered.
CAREGIVER_SERVICE_TYPES = ("housework", "daily_living", "mobility", "safety_check", "meal")
# Qualification codes (loaded by migration) besides 요양보호사, with weights.
OTHER_QUALIFICATION_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("social_worker", 5), ("nurse_aide", 3), ("disability_support", 3), ("childcare", 2),
    ("nurse", 1), ("other", 1),
)  # fmt: skip
# Weekly availability patterns (mostly weekdays) with weights.
WEEKDAY_PATTERNS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("mon", "tue", "wed", "thu", "fri"), 12),
    (("mon", "wed", "fri"), 4),
    (("tue", "thu"), 3),
    (("mon", "tue", "wed", "thu", "fri", "sat"), 3),
    (("mon", "tue", "wed", "thu"), 2),
    (("sat", "sun"), 1),
)
AVAILABILITY_NOTES = ("평일 오전 9시~오후 1시", "평일 오후 1시~6시", "오전·오후 모두 가능")

CORPS_JOINED_FROM, CORPS_JOINED_TO = date(DEMO_YEAR, 1, 2), date(DEMO_YEAR, 3, 31)
INTAKE_FROM, INTAKE_TO = date(DEMO_YEAR, 1, 5), date(DEMO_YEAR, 10, 24)
ASSIGNMENT_FROM, ASSIGNMENT_TO = date(DEMO_YEAR, 1, 15), date(DEMO_YEAR, 10, 31)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    role_label: str
    # The password it was created with; None when the login already existed and was left alone
    # (its password is whatever it was, which this run does not know).
    password: str | None

    @property
    def created(self) -> bool:
        return self.password is not None


@dataclass(frozen=True)
class DemoSummary:
    logins: list[DemoLogin]
    corps_members: int
    recipients: int
    regions: int
    assignments: int
    caregiver_recipients: int
    episodes: int
    scheduled_visits: int
    # False when the data set was already in the database and only the users were ensured.
    created: bool


@transaction.atomic
def demo_data_load(*, seed: int = 2023, password: str | None = None) -> DemoSummary:
    """Load the demo logins and data set; a second run adds nothing and changes no login.

    ``password`` replaces the default password (``demo-<username>-2023``) of the demo users
    this run creates; existing users keep theirs.
    """
    rng = random.Random(seed)
    users, logins = _demo_users_ensure(password=password)
    coordinator, caregiver = users[roles.COORDINATOR], users[roles.CAREGIVER]
    demo_members = CorpsMember.objects.filter(availability_note__startswith=DEMO_MARK)
    created = not demo_members.exists()
    if created:
        members = _corps_members_create(rng, actor=coordinator, caregiver=caregiver)
        # Before any assignment or plan: the compliance rule refuses members without records.
        compliance_demo_load(actor=coordinator, members=members)
        recipients = _recipients_create(rng, actor=coordinator)
        corps_accounts_ensure(members)
        # 2023: the first release's assignments and visits, as migrated into episodes.
        history = _assignments_create(
            rng, actor=coordinator, members=members, recipients=recipients
        )
        _visits_create(rng, recorded_by=caregiver)
        history_limits_settle([assignment.episode_id for assignment in history])
        # Today: episodes in every state, care plans and their schedule.
        caseload_create(
            rng,
            coordinator=coordinator,
            caregiver_member=members[0],
            members=members,
            recipients=recipients,
        )
        _recipient_statuses_follow_episodes()
        compliance_demo_lapse(members=members)
    elif not CorpsMember.objects.filter(user=caregiver).exists():
        # The caregiver login lost its corps member record: give it back a demo case load.
        member = (
            demo_members.filter(user__isnull=True, status=CorpsMember.Status.ACTIVE)
            .annotate(load=Count("assignments", filter=Q(assignments__ends_on__isnull=True)))
            .order_by("-load", "pk")
            .first()
        )
        if member is not None:
            corps_member_update(actor=coordinator, corps_member=member, user=caregiver)
    if not created:
        # A demo loaded before corps compliance existed gets its records now.
        members = list(demo_members.order_by("pk"))
        if compliance_demo_load(actor=coordinator, members=members):
            compliance_demo_lapse(members=members)

    # Incidents of the caregiver's recipients, one an open suspected abuse report (idempotent).
    incidents_demo_load(
        caregiver=caregiver, coordinator=coordinator, manager=users.get(roles.MANAGER)
    )

    demo_recipients = Recipient.objects.filter(notes__startswith=DEMO_MARK)
    demo_episodes = Episode.objects.filter(recipient__in=demo_recipients)
    return DemoSummary(
        logins=logins,
        corps_members=demo_members.count(),
        recipients=demo_recipients.count(),
        regions=demo_recipients.values("region").distinct().count(),
        assignments=Assignment.objects.filter(recipient__in=demo_recipients).count(),
        caregiver_recipients=Recipient.objects.visible_to(caregiver).count(),
        episodes=demo_episodes.count(),
        scheduled_visits=ScheduledVisit.objects.filter(episode__in=demo_episodes).count(),
        created=created,
    )


def demo_password(username: str) -> str:
    return f"demo-{username}-{DEMO_YEAR}"


def _demo_users_ensure(
    *, password: str | None
) -> tuple[dict[str, AbstractBaseUser], list[DemoLogin]]:
    """Create the demo logins that do not exist yet; leave every existing one as it is."""
    User = get_user_model()
    users: dict[str, AbstractBaseUser] = {}
    logins: list[DemoLogin] = []
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        user_password: str | None = None
        if user is None:
            user_password = password or demo_password(spec.username)
            user = User.objects.create_user(
                spec.username,
                password=user_password,
                is_staff=spec.is_staff,
                is_superuser=spec.is_superuser,
            )
            user.groups.add(Group.objects.get(name=spec.role))
        users[spec.role] = user
        logins.append(DemoLogin(spec.username, spec.role, ROLE_LABELS[spec.role], user_password))
    return users, logins


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _w in pairs], weights=[w for _v, w in pairs])[0]


def _day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


class _PhoneBook:
    """Random phone numbers, none given twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make: str) -> str:
        while True:
            number = make.format(
                a=self.rng.randint(2000, 9999),
                b=self.rng.randint(0, 9999),
                c=self.rng.randint(200, 899),
            )
            if number not in self.used:
                self.used.add(number)
                return number

    def mobile(self) -> str:
        return self._unique("010-{a:04d}-{b:04d}")

    def landline(self) -> str:
        # 063 is Jeonbuk's area code.
        return self._unique("063-{c:03d}-{b:04d}")


class _NameBook:
    """Random full names (surname + two-syllable given name), none given twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def surname(self) -> str:
        return _weighted(self.rng, SURNAMES)

    def name(self, given_names: tuple[str, ...], surname: str | None = None) -> str:
        while True:
            name = (surname or self.surname()) + self.rng.choice(given_names)
            if name not in self.used:
                self.used.add(name)
                return name


def _corps_members_create(
    rng: random.Random, *, actor: AbstractBaseUser, caregiver: AbstractBaseUser
) -> list[CorpsMember]:
    """25 corps members; the first one in 전주 is the demo caregiver's record."""
    regions = {region.code: region for region in Region.objects.all()}
    service_types = {st.code: st for st in ServiceType.objects.all()}
    qualifications = {q.code: q for q in Qualification.objects.all()}
    names, phones = _NameBook(rng), _PhoneBook(rng)
    caregiver_free = not CorpsMember.objects.filter(user=caregiver).exists()

    region_codes = [code for code, count in CORPS_MEMBERS_PER_REGION.items() for _ in range(count)]
    assert len(region_codes) == CORPS_MEMBER_COUNT
    # Two members on leave, each the last of a region that keeps another active member.
    shared = [code for code, n in CORPS_MEMBERS_PER_REGION.items() if n > 1 and code != "jeonju"]
    on_leave_regions = rng.sample(shared, 2)
    on_leave = {len(region_codes) - 1 - region_codes[::-1].index(c) for c in on_leave_regions}
    members = []
    for index, region_code in enumerate(region_codes):
        is_caregiver = index == 0
        # The corps is mostly women in their fifties and sixties.
        male = not is_caregiver and rng.random() < 0.12
        name = names.name(MIDDLE_AGED_MALE_NAMES if male else MIDDLE_AGED_FEMALE_NAMES)
        if is_caregiver:
            type_codes = list(CAREGIVER_SERVICE_TYPES)
        else:
            type_codes = _distinct_weighted(rng, NEED_WEIGHTS, rng.randint(2, 5))
        qualification_codes = ["care_worker"] if rng.random() < 0.85 else []
        if not qualification_codes or rng.random() < 0.3:
            qualification_codes.append(_weighted(rng, OTHER_QUALIFICATION_WEIGHTS))
        weekdays = list(rng.choices(
            [p for p, _w in WEEKDAY_PATTERNS], weights=[w for _p, w in WEEKDAY_PATTERNS]
        )[0])  # fmt: skip
        members.append(
            corps_member_create(
                actor=actor,
                name=name,
                phone=phones.mobile(),
                region=regions[region_code],
                service_types=[service_types[code] for code in type_codes],
                qualifications=[qualifications[code] for code in qualification_codes],
                available_weekdays=[code for code in WEEKDAY_CODES if code in weekdays],
                availability_note=f"{DEMO_MARK} {rng.choice(AVAILABILITY_NOTES)}",
                status=(
                    CorpsMember.Status.ON_LEAVE if index in on_leave else CorpsMember.Status.ACTIVE
                ),
                joined_on=_day_between(rng, CORPS_JOINED_FROM, CORPS_JOINED_TO),
                user=caregiver if is_caregiver and caregiver_free else None,
            )
        )
    return members


def _distinct_weighted(
    rng: random.Random, pairs: tuple[tuple[str, int], ...], count: int
) -> list[str]:
    """``count`` different codes drawn by weight, in the order of ``pairs``."""
    chosen: list[str] = []
    while len(chosen) < count:
        code = _weighted(rng, pairs)
        if code not in chosen:
            chosen.append(code)
    order = [code for code, _w in pairs]
    return sorted(chosen, key=order.index)


def _recipients_create(rng: random.Random, *, actor: AbstractBaseUser) -> list[Recipient]:
    regions = {region.code: region for region in Region.objects.all()}
    service_types = {st.code: st for st in ServiceType.objects.all()}
    names, phones = _NameBook(rng), _PhoneBook(rng)
    Category, Reason = Recipient.Category, Recipient.EmergencyReason
    Status, Risk = Recipient.Status, Recipient.RiskLevel

    region_codes = [code for code, count in RECIPIENTS_PER_REGION.items() for _ in range(count)]
    assert len(region_codes) == RECIPIENT_COUNT
    statuses = [Status.ACTIVE] * 80 + [Status.REFERRED] * 14 + [Status.CLOSED] * 6
    categories = (
        [Category.ELDERLY] * 80 + [Category.DISABLED] * 12 + [Category.CHILD] * 4
        + [Category.OTHER] * 4
    )  # fmt: skip
    rng.shuffle(statuses)
    rng.shuffle(categories)
    recipients = []
    for region_code, status, category in zip(region_codes, statuses, categories, strict=True):
        female = rng.random() < (0.7 if category == Category.ELDERLY else 0.5)
        if category == Category.ELDERLY:
            given = ELDERLY_FEMALE_NAMES if female else ELDERLY_MALE_NAMES
            born = _day_between(rng, date(1930, 1, 1), date(1955, 12, 31))
        elif category == Category.CHILD:
            given = CHILD_FEMALE_NAMES if female else CHILD_MALE_NAMES
            born = _day_between(rng, date(2010, 1, 1), date(2018, 12, 31))
        elif category == Category.DISABLED:
            given = ADULT_FEMALE_NAMES if female else ADULT_MALE_NAMES
            born = _day_between(rng, date(1960, 1, 1), date(1995, 12, 31))
        else:
            given = MIDDLE_AGED_FEMALE_NAMES if female else MIDDLE_AGED_MALE_NAMES
            born = _day_between(rng, date(1958, 1, 1), date(1978, 12, 31))
        surname = names.surname()
        name = names.name(given, surname=surname)

        reason = Reason(_weighted(rng, (
            (Reason.CARER_ABSENT, 30 if category != Category.CHILD else 100),
            (Reason.SUDDEN_ILLNESS, 20), (Reason.AFTER_DISCHARGE, 30),
            (Reason.SERVICE_GAP, 15), (Reason.OTHER, 5),
        )))  # fmt: skip
        situation = rng.choice(
            CHILD_SITUATIONS if category == Category.CHILD else SITUATIONS[reason]
        )
        referral = (
            "병원 의료사회복지팀"
            if reason == Reason.AFTER_DISCHARGE and rng.random() < 0.6
            else rng.choice(REFERRAL_SOURCES)
        )
        need_codes = _distinct_weighted(rng, NEED_WEIGHTS, rng.choice((1, 2, 2, 3, 3, 4)))
        if reason == Reason.AFTER_DISCHARGE and "mobility" not in need_codes:
            # Someone just out of hospital goes back for check-ups: escort them.
            need_codes = [*need_codes[:3], "mobility"]
        risk = _weighted(rng, (
            (Risk.LOW, 20), (Risk.MEDIUM, 50),
            (Risk.HIGH, 45 if reason in (Reason.SUDDEN_ILLNESS, Reason.AFTER_DISCHARGE) else 20),
        ))  # fmt: skip

        guardian: dict[str, str] = {}
        if category == Category.CHILD:
            relation = rng.choice(("어머니", "아버지", "할머니"))
            guardian_given = (
                MIDDLE_AGED_MALE_NAMES if relation == "아버지" else MIDDLE_AGED_FEMALE_NAMES
            )
            guardian_surname = surname if relation == "아버지" else None
        elif rng.random() < 0.85:
            relation = rng.choice(("아들", "딸", "며느리", "배우자", "조카", "이웃", "이장"))
            guardian_given = (
                MIDDLE_AGED_MALE_NAMES
                if relation in ("아들", "조카", "이장") or (relation == "배우자" and female)
                else MIDDLE_AGED_FEMALE_NAMES
            )
            # A son or daughter carries the father's surname.
            guardian_surname = surname if relation in ("아들", "딸") and not female else None
        else:
            relation = ""  # 독거, no one to call
        if relation:
            guardian = {
                "guardian_name": names.name(guardian_given, surname=guardian_surname),
                "guardian_relation": relation,
                "guardian_phone": phones.mobile(),
            }

        intake = _day_between(rng, INTAKE_FROM, INTAKE_TO)
        consented = status != Status.REFERRED or rng.random() < 0.5
        unit = rng.choice(ADMIN_UNITS[region_code])
        region = regions[region_code]
        number = rng.randint(1, 320)
        house = f"{number}-{rng.randint(1, 12)}" if rng.random() < 0.25 else str(number)
        address = f"전북특별자치도 {region.name} {unit} {rng.choice(ROADS[region_code])} {house}"
        recipients.append(
            recipient_create(
                actor=actor,
                needs=[service_types[code] for code in need_codes],
                confirm_duplicate=True,
                name=name,
                birth_date=born,
                sex=Recipient.Sex.FEMALE if female else Recipient.Sex.MALE,
                phone=phones.landline() if rng.random() < 0.5 else phones.mobile(),
                address=address,
                region=region,
                admin_unit=unit,
                category=category,
                emergency_reason=reason,
                referral_source=referral,
                risk_level=risk,
                consent_date=intake if consented else None,
                consent_scope=rng.choice(CONSENT_SCOPES) if consented else "",
                status=status,
                notes=f"{DEMO_MARK} 가상 인물입니다. {situation}",
                **guardian,
            )
        )
    return recipients


def _assignments_create(
    rng: random.Random,
    *,
    actor: AbstractBaseUser,
    members: list[CorpsMember],
    recipients: list[Recipient],
) -> list[Assignment]:
    """2023: most active recipients had a caregiver of their region whose services covered
    their needs, until the year's end; each assignment is one closed episode, as care
    migration 0014 made them from the first release.

    The demo caregiver's record (``members[0]``, in 전주) had ``CAREGIVER_RECIPIENT_COUNT``
    of them.
    """
    programs = {program.code: program for program in Program.objects.all()}
    member_types = {m.pk: set(m.service_types.values_list("code", flat=True)) for m in members}
    active_members = [m for m in members if m.status == CorpsMember.Status.ACTIVE]
    caregiver_member = members[0]
    load = {m.pk: 0 for m in members}

    active = [r for r in recipients if r.status == Recipient.Status.ACTIVE]
    caregiver_share = [r for r in active if r.region_id == caregiver_member.region_id][
        :CAREGIVER_RECIPIENT_COUNT
    ]
    rows = []
    for recipient in active:
        needs = list(recipient.needs.values_list("code", flat=True))
        if recipient in caregiver_share:
            member = caregiver_member
        elif rng.random() < 0.1:
            continue  # still waiting for a caregiver: the coordinator's unassigned list
        else:
            others = [m for m in active_members if m is not caregiver_member]
            local = [m for m in others if m.region_id == recipient.region_id] or others
            # Best coverage of the needs first, then the lightest load, then the older record.
            member = min(
                local,
                key=lambda m: (-len(member_types[m.pk].intersection(needs)), load[m.pk], m.pk),
            )
        rural = recipient.admin_unit.endswith(("읍", "면"))
        if "home_improvement" in needs and rng.random() < 0.6:
            program_code = "home_environment"
        elif rural and rng.random() < 0.7:
            program_code = "rural_gap_care"
        else:
            program_code = "emergency_care"
        starts_on = max(
            recipient.consent_date + timedelta(days=rng.randint(0, 7)),
            member.joined_on,
            ASSIGNMENT_FROM,
        )
        rows.append(
            HistoryAssignment(
                recipient=recipient,
                corps_member=member,
                program=programs[program_code],
                starts_on=min(starts_on, ASSIGNMENT_TO),
            )
        )
        load[member.pk] += 1
    return history_create(rows, ends_on=VISITS_UNTIL, assigned_by=actor)


def _recipient_statuses_follow_episodes() -> None:
    """A demo person's status as the episodes service keeps it: closed with no episode open.
    (The 2023 history is inserted in bulk, as the migration does, not through the service.)"""
    open_episodes = Episode.objects.open().values("recipient_id")
    Recipient.objects.filter(notes__startswith=DEMO_MARK).exclude(pk__in=open_episodes).exclude(
        status=Recipient.Status.CLOSED
    ).update(status=Recipient.Status.CLOSED, updated_at=timezone.now())


# Demo visits of 2023: weekly through the seed year, so that the goal tracker has a 2023 to
# roll up. The recent weeks' visits are those of today's caseload (care.episodes.demo).
VISITS_UNTIL = date(2023, 12, 31)


def _visits_create(rng: random.Random, *, recorded_by: AbstractBaseUser) -> int:
    """Weekly visits for every 2023 demo assignment, inserted in bulk (demo data only: the
    real path for visits is ``care.visits``, with its per-visit rules)."""
    from care.models import Visit

    today = timezone.localdate()
    service_types = {st.code: st for st in ServiceType.objects.all()}
    visits, chosen = [], []
    assignments = Assignment.objects.filter(
        recipient__notes__startswith=DEMO_MARK, ends_on=VISITS_UNTIL
    ).select_related("corps_member", "recipient")
    for assignment in assignments.prefetch_related("recipient__needs"):
        needs = [st.code for st in assignment.recipient.needs.all()] or ["safety_check"]
        weeks = []
        day = assignment.starts_on
        while day <= min(VISITS_UNTIL, today):
            weeks.append(day)
            day += timedelta(days=7)
        for day in weeks:
            if day < assignment.starts_on or day >= today:
                continue
            start = timezone.make_aware(
                datetime.combine(day, time(rng.choice([9, 10, 13, 14, 15]), rng.choice([0, 30])))
            )
            void = rng.random() < 0.02
            visits.append(
                Visit(
                    client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    recipient=assignment.recipient,
                    corps_member=assignment.corps_member,
                    episode_id=assignment.episode_id,
                    program_id=assignment.program_id,
                    started_at=start,
                    ended_at=start + timedelta(minutes=rng.choice([60, 90, 120])),
                    notes=rng.choice(VISIT_NOTES),
                    status=Visit.Status.VOID
                    if void
                    else (Visit.Status.VERIFIED if day <= VISITS_UNTIL else Visit.Status.SUBMITTED),
                    void_reason="중복 입력" if void else "",
                    recorded_by=recorded_by,
                    created_at=start + timedelta(hours=3),
                )
            )
            chosen.append(rng.sample(needs, k=min(len(needs), rng.randint(1, 2))))
    Visit.objects.bulk_create(visits, batch_size=1000)
    through = Visit.service_types.through
    through.objects.bulk_create(
        (
            through(visit_id=visit.pk, servicetype_id=service_types[code].pk)
            for visit, codes in zip(visits, chosen, strict=True)
            for code in codes
        ),
        batch_size=2000,
    )
    return len(visits)
