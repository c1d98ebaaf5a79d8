"""The demo data set of the care information desk (4-2): organizations, about 200 welfare
resources across Jeonbuk, and half a year of consultations with their referrals.

DEMO ONLY. The partner organizations are the ones the institute's 2023 plan names (the 14
시군사회복지협의회, 대자인병원, 한국재가장기요양기관협회, LH 주거행복지원센터 삼천6단지 and
효자주공1단지), but their phone numbers and street numbers are made up, as are every other
provider's; the people consulted are invented (see ``care.demo``).

Deterministic for a seed (one ``random.Random(seed)`` drives every choice, in a fixed order);
the dates that must stay relative to today (when a resource was last checked, recent
consultations and their follow-ups) move with the day the set is loaded. Idempotent: demo
organizations carry ``DEMO_MARK`` in their notes, demo resources an external ID starting with
``DEMO_ID_PREFIX``, demo consultations ``DEMO_MARK`` at the start of their summary, and each
part is created only when none of its rows exist.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from base.models import Program, Region
from care import demo as care_demo
from care.conferences import demo as conferences_demo
from care.episodes import demo as care_episodes_demo
from care.models import Recipient
from care.repairs import demo as care_repairs_demo
from consultations.callbacks import demo as callbacks_demo
from consultations.freshness import demo as freshness_demo
from consultations.models import (
    Consultation,
    EligibilityTag,
    Organization,
    Referral,
    ReferralStateChange,
    ResourceCategory,
    TargetGroup,
    WelfareResource,
)
from consultations.outreach import demo as outreach_demo
from consultations.partners.demo import partners_demo_load
from consultations.services import (
    consultation_follow_up_done,
    consultation_record,
    follow_up_alerts_record,
    organization_save,
    referral_create,
    referral_transition,
    resource_save,
)

DEMO_MARK = care_demo.DEMO_MARK
DEMO_ID_PREFIX = "demo-"
COUNSELOR_USERNAME = "counselor"
# The care network's agreements were signed in 2022 (the plan's 추진실적).
MOU_YEAR = 2022
# Consultations of the first half of the demo year, then the last weeks before today.
HISTORY_FROM, HISTORY_TO = date(care_demo.DEMO_YEAR, 1, 2), date(care_demo.DEMO_YEAR, 6, 30)
HISTORY_CONSULTATIONS = 120
RECENT_DAYS = 42
RECENT_CONSULTATIONS = 30
# Per-region resources left out at random, so that the regions do not all look alike.
REGIONAL_SKIP = 0.12

K = Organization.Kind


@dataclass(frozen=True)
class OrganizationSpec:
    name: str
    kind: str
    region: str | None = None
    partner: bool = False
    phone: str = ""  # empty: a made-up 063 number


# The institute itself and the province-wide bodies, partners first.
PROVINCE_ORGANIZATIONS: tuple[OrganizationSpec, ...] = (
    OrganizationSpec("대자인병원", K.HOSPITAL, "jeonju", partner=True),
    OrganizationSpec("한국재가장기요양기관협회", K.NONPROFIT, partner=True),
    OrganizationSpec("LH 주거행복지원센터 삼천6단지", K.HOUSING, "jeonju", partner=True),
    OrganizationSpec("LH 주거행복지원센터 효자주공1단지", K.HOUSING, "jeonju", partner=True),
    OrganizationSpec("전북특별자치도사회서비스원", K.PUBLIC, "jeonju"),
    OrganizationSpec("전북광역정신건강복지센터", K.PUBLIC, "jeonju"),
    OrganizationSpec("전북광역치매센터", K.PUBLIC, "jeonju"),
    OrganizationSpec("전북노인보호전문기관", K.NONPROFIT, "jeonju"),
    OrganizationSpec("전북장애인권익옹호기관", K.NONPROFIT, "jeonju"),
    OrganizationSpec("전북청소년상담복지센터", K.PUBLIC, "jeonju", phone="1388"),
    OrganizationSpec("대한법률구조공단 전주지부", K.PUBLIC, "jeonju", phone="132"),
    OrganizationSpec("보건복지상담센터", K.PUBLIC, phone="129"),
)

# Care's home-repair jobs (care/repairs/demo.py) name their contractor from the directory: two
# local 집수리 social enterprises, made after the rest so that no earlier random draw moves.
REPAIR_CONTRACTORS: tuple[OrganizationSpec, ...] = (
    OrganizationSpec("전주 집수리 사회적협동조합", K.PROVIDER, "jeonju"),
    OrganizationSpec("완주 주거환경개선 협동조합", K.PROVIDER, "wanju"),
)

# Providers every 시·군 has: a key, then how the name is made.
REGIONAL_PROVIDERS: dict[str, tuple[str, str]] = {
    "council": ("{region}사회복지협의회", K.COUNCIL),
    "elder": ("{region}노인복지관", K.WELFARE_CENTER),
    "disabled": ("{region}장애인복지관", K.WELFARE_CENTER),
    "mental": ("{region}정신건강복지센터", K.PUBLIC),
    "health": ("{region}보건소", K.PUBLIC),
    "office": ("{region} {unit} 행정복지센터", K.PUBLIC),
    "children": ("{short} {stem}지역아동센터", K.WELFARE_CENTER),
}


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    provider: str  # a REGIONAL_PROVIDERS key, or a province organization's name
    category: str
    targets: tuple[str, ...]
    eligibility: str
    description: str
    how_to_apply: str
    fee: str = "무료"
    # Province-wide unless listed; regional templates serve their own 시·군.
    regions: tuple[str, ...] = ()


REGIONAL_RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        "노인맞춤돌봄서비스", "elder", "care_home", ("elderly",),
        "만 65세 이상 국민기초생활수급자, 차상위계층 또는 기초연금수급자로서 돌봄이 필요한 분",
        "안부확인, 생활교육, 일상생활 지원, 외출 동행 등 어르신 맞춤 돌봄",
        "주소지 읍·면·동 행정복지센터 방문 또는 수행기관 전화 신청",
    ),
    ResourceSpec(
        "경로식당 무료급식", "elder", "living_meal", ("elderly", "low_income"),
        "만 60세 이상 저소득 어르신 (기초생활수급자, 차상위계층 우선)",
        "평일 점심 식사 제공 (공휴일 제외)", "복지관 방문 접수",
    ),
    ResourceSpec(
        "노인일자리 및 사회활동 지원", "elder", "employment", ("elderly",),
        "만 65세 이상 기초연금 수급자 (사업 유형에 따라 만 60세 이상)",
        "공익활동, 사회서비스형 일자리 연계", "연초 모집 기간에 복지관 방문 신청",
    ),
    ResourceSpec(
        "장애인활동지원", "disabled", "care_home", ("disabled",),
        "만 6세 이상 만 65세 미만 등록 장애인으로 서비스 지원 종합조사로 수급자격이 인정된 분",
        "활동지원사의 신체활동·가사활동·이동 보조, 방문목욕, 방문간호",
        "읍·면·동 행정복지센터에 신청 후 국민연금공단 방문조사",
        "소득에 따라 본인부담금 있음",
    ),
    ResourceSpec(
        "교통약자 이동지원 차량", "disabled", "mobility", ("disabled", "elderly"),
        "휠체어 이용 장애인, 보행이 어려운 65세 이상 어르신 등 교통약자",
        "병원 진료·재활치료 이동을 위한 특수차량 운행 (사전 예약)",
        "이용 전날까지 전화 예약", "거리에 따라 시내버스 요금 수준",
    ),
    ResourceSpec(
        "정신건강 상담·사례관리", "mental", "health_mental", ("everyone",),
        "정신건강 문제로 어려움을 겪는 주민과 그 가족 누구나",
        "우울·불안·자살위기 상담, 중증정신질환자 사례관리, 가족 교육",
        "전화 예약 후 방문 상담 (위기 시 즉시 상담)",
    ),
    ResourceSpec(
        "방문건강관리(방문간호)", "health", "health", ("elderly", "low_income", "disabled"),
        "만성질환이 있는 저소득 가구, 홀로 사는 어르신, 거동이 불편한 분",
        "간호사가 집으로 찾아가 혈압·혈당 측정, 복약 지도, 건강 상담",
        "보건소 방문보건팀 전화 신청",
    ),
    ResourceSpec(
        "치매안심센터 조기검진·쉼터", "health", "health", ("elderly", "family"),
        "만 60세 이상 주민, 치매 환자와 가족",
        "치매 선별검사·진단검사 연계, 인지강화 쉼터, 가족 모임, 배회감지기 보급",
        "보건소 치매안심센터 방문 또는 전화 예약",
    ),
    ResourceSpec(
        "긴급복지 생계지원", "office", "living_income", ("low_income",),
        "주소득자의 사망·실직·질병 등으로 생계가 어려워진 가구 (소득·재산 기준 있음)",
        "생계비, 의료비, 주거비 등 긴급 지원 (원칙 1개월, 연장 가능)",
        "행정복지센터 방문 또는 보건복지상담센터(129) 전화",
    ),
    ResourceSpec(
        "가사간병방문지원", "office", "care_home", ("low_income", "elderly", "disabled"),
        "만 65세 미만 기초생활수급자·차상위계층 중 일상생활이 어려운 분",
        "요양보호사가 방문해 가사·간병 지원 (월 24~27시간)",
        "행정복지센터 방문 신청", "차상위계층은 본인부담금 있음",
    ),
    ResourceSpec(
        "아동돌봄(다함께돌봄)", "children", "care_child", ("child", "family"),
        "돌봄이 필요한 초등학생 (맞벌이 가정 우선)",
        "방과 후·방학 중 상시·일시 돌봄, 놀이·학습 프로그램, 간식 제공",
        "센터에 직접 전화 또는 방문 신청", "월 10만원 이내 (프로그램비·간식비)",
    ),
    ResourceSpec(
        "지역아동센터 방과후 돌봄", "children", "care_child", ("child", "low_income"),
        "만 18세 미만 아동 (저소득·한부모·조손가정 우선)",
        "방과후 보호, 급식, 학습 지도, 문화 체험", "센터 방문 상담 후 등록",
    ),
    ResourceSpec(
        "사랑의 집수리(주거환경개선)", "council", "housing_repair",
        ("elderly", "disabled", "low_income"),
        "자가 또는 임차 주택에 사는 저소득 노인·장애인 가구",
        "도배·장판, 전기·보일러 수리, 문턱 제거와 안전손잡이 설치",
        "행정복지센터 추천 또는 협의회 전화 신청",
    ),
    ResourceSpec(
        "밑반찬·도시락 배달", "council", "living_meal", ("elderly", "low_income"),
        "결식 우려가 있는 홀로 사는 어르신, 거동이 불편한 저소득 가구",
        "주 2회 밑반찬 또는 도시락 배달과 안부 확인",
        "행정복지센터나 협의회에 신청 (자원봉사자 배달)",
    ),
    ResourceSpec(
        "푸드뱅크·푸드마켓", "council", "living_income", ("low_income",),
        "기초생활수급자, 차상위계층, 긴급지원이 필요한 가구",
        "기부받은 식품·생활용품을 월 1회 무료로 이용", "행정복지센터 추천 후 이용 등록",
    ),
)  # fmt: skip

PROVINCE_RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        "긴급돌봄지원", "전북특별자치도사회서비스원", "care_emergency",
        ("elderly", "disabled", "child"),
        "주돌봄자의 갑작스러운 부재, 질병·부상, 퇴원 등으로 긴급하게 돌봄이 필요한 도민",
        "긴급돌봄지원단이 방문해 가사·일상생활·이동지원, 안부확인 (최대 30일)",
        "돌봄종합정보상담 전화 후 방문 조사",
    ),
    ResourceSpec(
        "농촌지역 틈새돌봄", "전북특별자치도사회서비스원", "care_emergency",
        ("elderly", "disabled"),
        "읍·면 지역에 살며 기존 돌봄서비스를 받지 못하는 어르신·장애인",
        "찾아가는 이동서비스로 가사·식사·안부확인 지원", "읍·면 행정복지센터 추천 또는 전화 신청",
    ),
    ResourceSpec(
        "가정내 돌봄주거환경개선", "전북특별자치도사회서비스원", "housing_repair",
        ("elderly", "disabled"),
        "돌봄이 필요한 노인·장애인 가구 중 주거환경 때문에 돌봄이 어려운 가구",
        "낙상 예방 안전손잡이, 미끄럼 방지, 조명 개선 등 소규모 주거환경 개선",
        "돌봄종합정보상담 전화 신청",
    ),
    ResourceSpec(
        "돌봄종합정보상담", "전북특별자치도사회서비스원", "counseling", ("everyone",),
        "돌봄이 필요한 도민과 가족 누구나",
        "돌봄 관련 서비스 안내와 복지자원 연계 상담", "전화, 방문, 온라인 상담",
    ),
    ResourceSpec(
        "사회서비스연계 찾아가는 상담", "전북특별자치도사회서비스원", "counseling",
        ("everyone",),
        "복지사각지대에 놓인 취약계층, 정보 접근이 어려운 농촌 주민",
        "상담원이 마을·기관을 찾아가 상담하고 필요한 서비스 연계", "전화로 방문 일정 요청",
    ),
    ResourceSpec(
        "퇴원환자 지역사회 돌봄 연계", "대자인병원", "health_medical", ("elderly", "disabled"),
        "퇴원 후 집에서 돌봄이 필요한 환자",
        "의료사회복지사가 퇴원 계획을 세우고 지역 돌봄서비스에 연계",
        "입원 중 의료사회복지팀에 요청", regions=("jeonju", "wanju", "gimje", "iksan"),
    ),
    ResourceSpec(
        "의료비 지원 상담", "대자인병원", "health_medical", ("low_income",),
        "치료비 부담이 큰 저소득 환자",
        "재난적의료비, 긴급의료지원, 후원 연계 상담", "의료사회복지팀 방문 또는 전화",
    ),
    ResourceSpec(
        "장기요양 재가서비스 기관 안내", "한국재가장기요양기관협회", "care_home", ("elderly",),
        "장기요양등급(1~5등급, 인지지원등급)을 받은 어르신과 가족",
        "방문요양·방문목욕·주야간보호 기관 안내와 이용 상담", "전화 상담",
        "장기요양 본인부담금 (등급·소득에 따라 0~15%)",
    ),
    ResourceSpec(
        "임대주택 주거복지 상담", "LH 주거행복지원센터 삼천6단지", "housing_rent",
        ("low_income", "elderly"),
        "삼천6단지 입주민과 인근 주거취약계층",
        "임대료·관리비 체납 상담, 주거급여 안내, 돌봄서비스 연계", "센터 방문 또는 전화",
        regions=("jeonju",),
    ),
    ResourceSpec(
        "입주민 돌봄·안부 연계", "LH 주거행복지원센터 효자주공1단지", "housing_rent",
        ("elderly", "disabled"),
        "효자주공1단지 입주민 중 홀로 사는 어르신·장애인",
        "관리사무소와 함께하는 안부확인, 돌봄서비스 연계", "센터 방문 또는 전화",
        regions=("jeonju",),
    ),
    ResourceSpec(
        "24시간 정신건강 위기상담", "전북광역정신건강복지센터", "health_mental", ("everyone",),
        "정신건강 위기에 놓인 도민 누구나", "자살위기·정신건강 위기 전화상담과 현장 출동 연계",
        "24시간 전화",
    ),
    ResourceSpec(
        "치매 정보·가족 지원", "전북광역치매센터", "health", ("elderly", "family"),
        "치매 환자 가족, 치매가 걱정되는 도민",
        "치매 정보 제공, 가족 교육, 시·군 치매안심센터 연계", "전화 상담",
    ),
    ResourceSpec(
        "노인학대 신고·상담", "전북노인보호전문기관", "legal", ("elderly",),
        "학대를 당했거나 의심되는 어르신, 신고하려는 누구나",
        "학대 신고 접수, 현장 조사, 피해 어르신 보호와 사례관리", "전화 신고 (24시간)",
    ),
    ResourceSpec(
        "장애인 학대 신고·권익옹호", "전북장애인권익옹호기관", "legal", ("disabled",),
        "학대·차별을 당했거나 의심되는 장애인", "학대 신고 접수, 피해 장애인 지원, 권익옹호 상담",
        "전화 신고",
    ),
    ResourceSpec(
        "청소년 상담 1388", "전북청소년상담복지센터", "counseling", ("youth", "family"),
        "만 9세~24세 청소년과 부모", "고민 상담, 위기청소년 긴급 구조와 지원 연계",
        "전화 1388, 문자·온라인 상담",
    ),
    ResourceSpec(
        "무료 법률상담", "대한법률구조공단 전주지부", "legal", ("low_income", "everyone"),
        "중위소득 125% 이하 도민, 기초생활수급자 등", "민사·가사·형사 법률상담과 소송 구조",
        "전화 132 또는 방문 예약", "상담 무료, 소송 구조는 기준에 따라",
    ),
    ResourceSpec(
        "긴급복지 지원 상담(129)", "보건복지상담센터", "living_income", ("everyone",),
        "갑작스러운 위기로 생계가 어려워진 가구", "긴급복지 지원 안내와 시·군 연계",
        "전화 129 (24시간)",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class PublicDetails:
    """What the residents' finder shows of a demo resource beyond its spec (issue 9): one
    line, hours, documents, ages, cost, and the eligibility tags the questionnaire matches
    (situation and income codes of ``EligibilityTag``)."""

    summary: str
    hours: str = "평일 09:00~18:00"
    documents: str = "신분증"
    min_age: int | None = None
    max_age: int | None = None
    cost: str = WelfareResource.Cost.FREE
    tags: tuple[str, ...] = ()


C = WelfareResource.Cost
# By resource name (every spec above has one). Income tags limit a resource to those brackets.
PUBLIC_DETAILS: dict[str, PublicDetails] = {
    "노인맞춤돌봄서비스": PublicDetails(
        "혼자 지내기 어려운 어르신께 안부확인과 생활 지원을 해 드려요",
        documents="신분증, 기초연금·수급 확인 서류(행정복지센터에서 확인 가능)",
        min_age=65, tags=("living_alone", "basic_livelihood", "near_poor",
                          "median_income_limited"),
    ),
    "경로식당 무료급식": PublicDetails(
        "어르신께 평일 점심을 무료로 드려요", hours="평일 11:30~13:00",
        documents="신분증", min_age=60, tags=("living_alone", "basic_livelihood", "near_poor"),
    ),
    "노인일자리 및 사회활동 지원": PublicDetails(
        "어르신께 맞는 공익활동과 일자리를 연결해 드려요",
        documents="신분증, 통장 사본", min_age=60,
    ),
    "장애인활동지원": PublicDetails(
        "활동지원사가 일상생활과 이동을 도와드려요",
        documents="신분증, 장애인 등록 확인, 신청서(행정복지센터 비치)",
        min_age=6, max_age=64, cost=C.INCOME_BASED, tags=("disability",),
    ),
    "교통약자 이동지원 차량": PublicDetails(
        "병원에 가실 때 휠체어 탑승 차량을 보내 드려요", hours="매일 07:00~22:00 (예약)",
        documents="장애인 등록 확인 또는 거동 불편 확인", cost=C.PAID,
        tags=("disability", "after_discharge"),
    ),
    "정신건강 상담·사례관리": PublicDetails(
        "마음이 힘들 때 전문 상담을 받을 수 있어요",
        documents="없음",
    ),
    "방문건강관리(방문간호)": PublicDetails(
        "간호사가 집으로 찾아가 건강을 살펴 드려요",
        tags=("living_alone", "after_discharge"),
    ),
    "치매안심센터 조기검진·쉼터": PublicDetails(
        "치매 검사를 무료로 받고 가족도 도움을 받을 수 있어요", documents="신분증",
    ),
    "긴급복지 생계지원": PublicDetails(
        "갑자기 생계가 어려워졌을 때 생활비를 지원해요", hours="평일 09:00~18:00 (129는 24시간)",
        documents="신분증, 위기 사유 확인 서류(진단서, 실직 확인 등)",
        tags=("median_income_limited",),
    ),
    "가사간병방문지원": PublicDetails(
        "요양보호사가 찾아가 집안일과 간병을 도와드려요",
        documents="신분증, 수급자·차상위 확인 서류, 진단서(해당 시)",
        max_age=64, cost=C.INCOME_BASED,
        tags=("disability", "after_discharge", "basic_livelihood", "near_poor"),
    ),
    "아동돌봄(다함께돌봄)": PublicDetails(
        "초등학생 아이를 방과 후와 방학에 돌봐 드려요",
        hours="학기 중 13:00~19:00, 방학 09:00~18:00",
        documents="신청서, 재직증명서(맞벌이 확인)", min_age=6, max_age=12, cost=C.PAID,
        tags=("child_care",),
    ),
    "지역아동센터 방과후 돌봄": PublicDetails(
        "아이들에게 방과후 공부와 저녁 식사를 드려요", hours="평일 13:00~19:00",
        documents="신청서, 가구 소득 확인 서류", max_age=17, tags=("child_care",),
    ),
    "사랑의 집수리(주거환경개선)": PublicDetails(
        "낡은 집의 도배·장판, 보일러, 문턱을 고쳐 드려요",
        documents="신분증, 수급자·차상위 확인 서류, 임차인은 집주인 동의서",
        tags=("housing", "basic_livelihood", "near_poor"),
    ),
    "밑반찬·도시락 배달": PublicDetails(
        "혼자 식사를 챙기기 어려우면 반찬과 도시락을 가져다 드려요",
        tags=("living_alone", "basic_livelihood", "near_poor"),
    ),
    "푸드뱅크·푸드마켓": PublicDetails(
        "기부받은 식품과 생활용품을 무료로 가져가실 수 있어요",
        documents="행정복지센터 추천서", tags=("basic_livelihood", "near_poor"),
    ),
    "긴급돌봄지원": PublicDetails(
        "돌봐 주던 가족이 갑자기 아프거나 퇴원 후 돌볼 사람이 없을 때 돌봄을 보내 드려요",
        hours="상담 평일 09:00~18:00, 돌봄은 필요한 시간에",
        documents="없음 (상담 후 방문 조사에서 확인)",
        tags=("carer_illness", "after_discharge", "service_gap"),
    ),
    "농촌지역 틈새돌봄": PublicDetails(
        "읍·면에 살며 돌봄을 받지 못하는 분께 찾아가 도와드려요",
        tags=("service_gap", "living_alone", "disability"),
    ),
    "가정내 돌봄주거환경개선": PublicDetails(
        "넘어지지 않게 안전손잡이와 미끄럼 방지를 설치해 드려요",
        documents="없음 (상담 후 방문 조사)", tags=("housing", "disability"),
    ),
    "돌봄종합정보상담": PublicDetails(
        "어떤 돌봄을 받을 수 있는지 상담원이 알려 드려요", documents="없음",
        tags=("carer_illness", "service_gap", "after_discharge", "living_alone"),
    ),
    "사회서비스연계 찾아가는 상담": PublicDetails(
        "상담원이 마을로 찾아가 필요한 서비스를 연결해 드려요", documents="없음",
        tags=("service_gap", "living_alone"),
    ),
    "퇴원환자 지역사회 돌봄 연계": PublicDetails(
        "퇴원 후 집에서 받을 돌봄을 병원에서 미리 연결해 드려요",
        documents="없음 (입원 중 요청)", tags=("after_discharge",),
    ),
    "의료비 지원 상담": PublicDetails(
        "치료비가 부담될 때 받을 수 있는 지원을 알려 드려요",
        documents="신분증, 진료비 영수증, 소득 확인 서류",
        tags=("basic_livelihood", "near_poor", "median_income_limited"),
    ),
    "장기요양 재가서비스 기관 안내": PublicDetails(
        "장기요양등급을 받은 어르신께 방문요양 기관을 찾아 드려요",
        documents="장기요양인정서", cost=C.INCOME_BASED, tags=("service_gap",),
    ),
    "임대주택 주거복지 상담": PublicDetails(
        "임대료·관리비가 밀렸을 때 주거 상담을 해 드려요", documents="신분증",
        tags=("housing",),
    ),
    "입주민 돌봄·안부 연계": PublicDetails(
        "혼자 사는 입주민의 안부를 살피고 돌봄을 연결해 드려요", documents="없음",
        tags=("living_alone", "disability"),
    ),
    "24시간 정신건강 위기상담": PublicDetails(
        "마음이 위급할 때 언제든 전화로 상담할 수 있어요", hours="24시간",
        documents="없음",
    ),
    "치매 정보·가족 지원": PublicDetails(
        "치매가 걱정될 때 정보와 가족 교육을 받을 수 있어요", documents="없음",
    ),
    "노인학대 신고·상담": PublicDetails(
        "어르신 학대가 의심되면 신고하고 상담을 받을 수 있어요", hours="24시간",
        documents="없음",
    ),
    "장애인 학대 신고·권익옹호": PublicDetails(
        "장애인 학대·차별을 신고하고 도움을 받을 수 있어요", documents="없음",
        tags=("disability",),
    ),
    "청소년 상담 1388": PublicDetails(
        "청소년과 부모의 고민을 언제든 들어 드려요", hours="24시간",
        documents="없음", min_age=9, max_age=24,
    ),
    "무료 법률상담": PublicDetails(
        "법률 문제를 무료로 상담받을 수 있어요", documents="신분증, 소득 확인 서류(소송 구조 시)",
        tags=("basic_livelihood", "near_poor", "median_income_limited"),
    ),
    "긴급복지 지원 상담(129)": PublicDetails(
        "갑자기 생계가 어려워지면 129로 전화하세요", hours="24시간", documents="없음",
    ),
}  # fmt: skip

# What people call about: topic categories, what was said, and where they can be referred.
SCENARIOS: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = (
    (("care_emergency", "care_home"), "퇴원 후 혼자 지내 식사·가사 도움 요청",
     ("긴급돌봄지원", "노인맞춤돌봄서비스")),
    (("care_emergency",), "주돌봄자인 배우자 입원으로 돌봄 공백, 긴급돌봄 문의",
     ("긴급돌봄지원",)),
    (("care_home",), "자녀가 타지에 살아 어르신 안부확인 서비스 문의", ("노인맞춤돌봄서비스",)),
    (("living_meal",), "끼니를 자주 거른다며 도시락 배달 문의",
     ("밑반찬·도시락 배달", "경로식당 무료급식")),
    (("housing_repair",), "겨울철 보일러 고장, 단열 불량으로 주거환경개선 문의",
     ("사랑의 집수리(주거환경개선)", "가정내 돌봄주거환경개선")),
    (("living_income",), "실직 후 생활비가 부족해 긴급지원 문의",
     ("긴급복지 생계지원", "푸드뱅크·푸드마켓")),
    (("care_home", "mobility"), "활동지원 시간 부족, 재활치료 병원 이동이 어려움",
     ("장애인활동지원", "교통약자 이동지원 차량")),
    (("health_mental",), "배우자와 사별한 뒤 우울감과 불면 호소", ("정신건강 상담·사례관리",)),
    (("health",), "어머니 기억력 저하로 치매 검사 문의", ("치매안심센터 조기검진·쉼터",)),
    (("care_child",), "맞벌이로 초등 자녀 방과후 돌봄이 필요함",
     ("아동돌봄(다함께돌봄)", "지역아동센터 방과후 돌봄")),
    (("health",), "당뇨·고혈압 관리가 어려워 방문간호 문의", ("방문건강관리(방문간호)",)),
    (("mobility",), "정기 투석을 위한 병원 이동 수단 문의", ("교통약자 이동지원 차량",)),
    (("housing_rent",), "임대주택 관리비 체납으로 주거 상담 요청",
     ("임대주택 주거복지 상담", "입주민 돌봄·안부 연계")),
    (("health_medical",), "퇴원을 앞두고 집에서 돌볼 사람이 없음",
     ("퇴원환자 지역사회 돌봄 연계", "긴급돌봄지원")),
    (("care_home",), "장기요양등급을 받았는데 방문요양 기관을 모름",
     ("장기요양 재가서비스 기관 안내",)),
)  # fmt: skip
CHANNEL_WEIGHTS = (
    (Consultation.Channel.PHONE, 50), (Consultation.Channel.WALK_IN, 20),
    (Consultation.Channel.OUTREACH, 20), (Consultation.Channel.ONLINE, 10),
)  # fmt: skip
CALLERS = ("본인", "딸", "아들", "며느리", "배우자", "이웃", "이장", "사회복지 담당 공무원")
DECLINE_REASONS = (
    "소득 기준을 넘어 지원 대상이 아님",
    "대기자가 많아 당장 이용이 어려움",
    "본인이 서비스 이용을 원하지 않음",
    "거주지가 서비스 제공 지역 밖임",
)
CONSENT_SCOPE = "복지자원 연계를 위한 의뢰기관 제공 (이름, 연락처, 상담 내용)"
# How a referral went, by when it was made: (weight, [(state, days after the consultation,
# reason)]). An old referral's last change falls on or after its check date (7 days), so
# that the daily task does not raise alerts for 2023.
HISTORY_FATES: tuple[tuple[int, tuple[tuple[str, int, str], ...]], ...] = (
    (50, (("accepted", 2, ""), ("linked", 9, ""))),
    (10, (("accepted", 8, ""),)),
    (20, (("declined", 8, "*"),)),
    (5, (("closed", 10, "연락이 닿지 않아 종결"),)),
    (15, (("accepted", 2, ""), ("linked", 9, ""), ("closed", 60, "서비스 이용 종료"))),
)
RECENT_FATES: tuple[tuple[int, tuple[tuple[str, int, str], ...]], ...] = (
    (35, ()),
    (25, (("accepted", 1, ""),)),
    (25, (("accepted", 1, ""), ("linked", 6, ""))),
    (15, (("declined", 3, "*"),)),
)


@dataclass(frozen=True)
class Summary:
    organizations: int
    partner_organizations: int
    resources: int
    province_wide_resources: int
    regions_served: int
    resources_needing_review: int
    consultations: int
    referrals: int
    follow_ups_overdue: int
    follow_ups_today: int
    # 가정내 돌봄주거환경개선 jobs of the demo's households (care/repairs/demo.py)
    repair_jobs: int
    # False when the data set was already there and nothing was created.
    created: bool
    # 찾아가는 상담 (issue 12): sites and the 2023 sessions held at them.
    outreach_sites: int = 0
    outreach_sessions: int = 0
    # 복지자원 조사 (issue 9): organizations' contacts and providers' answers awaiting review.
    organization_contacts: int = 0
    proposed_changes_pending: int = 0


@transaction.atomic
def consultations_demo_load(*, seed: int = 2023) -> Summary:
    """Load the desk's demo organizations, resources and consultations; a second run adds
    nothing. Loads ``care``'s demo logins and recipients first when the counselor is missing."""
    rng = random.Random(seed)
    counselor = _counselor()
    organizations = _organizations_ensure(rng)
    created = False
    demo_resources = WelfareResource.objects.filter(external_id__startswith=DEMO_ID_PREFIX)
    if not demo_resources.exists():
        _resources_create(rng, organizations)
        created = True
    # What the residents' finder shows (issue 9), also for a directory loaded before it.
    _public_details_fill()
    # Care's demo episodes waiting to be linked to a long-term service close now that the
    # directory has it.
    care_episodes_demo.demo_linked_closures_close(service_for=_linked_service)
    repair_jobs = care_repairs_demo.demo_repairs_load(
        contractors=_repair_contractors_ensure(), seed=seed
    )
    demo_consultations = Consultation.objects.filter(summary__startswith=DEMO_MARK)
    if not demo_consultations.exists():
        _consultations_create(rng, counselor=counselor)
        created = True
    follow_up_alerts_record()
    # The care network's agreements, and case conferences its partners attended.
    if partners_demo_load(seed=seed):
        created = True
    if conferences_demo.conferences_demo_load(
        organization_named=lambda name: Organization.objects.filter(name=name).first()
    ):
        created = True
    outreach = outreach_demo.outreach_demo_load(counselor=counselor, seed=seed)
    created = created or outreach.created
    freshness = freshness_demo.freshness_demo_load(demo_mark=DEMO_MARK)
    created = created or freshness.created
    # Residents' call-back requests waiting on the desk (상담 신청).
    created = bool(callbacks_demo.callbacks_demo_load(counselor=counselor)) or created

    today = timezone.localdate()
    demo_organizations = Organization.objects.filter(notes__startswith=DEMO_MARK)
    open_follow_ups = demo_consultations.filter(follow_up_done_at__isnull=True)
    return Summary(
        organizations=demo_organizations.count(),
        partner_organizations=demo_organizations.filter(is_partner=True).count(),
        resources=demo_resources.count(),
        province_wide_resources=demo_resources.filter(province_wide=True).count(),
        regions_served=Region.objects.filter(resources__in=demo_resources).distinct().count(),
        resources_needing_review=demo_resources.needing_review().count(),
        consultations=demo_consultations.count(),
        referrals=Referral.objects.filter(consultation__in=demo_consultations).count(),
        follow_ups_overdue=open_follow_ups.filter(follow_up_on__lt=today).count(),
        follow_ups_today=open_follow_ups.filter(follow_up_on=today).count(),
        repair_jobs=repair_jobs,
        created=created,
        outreach_sites=outreach.sites,
        outreach_sessions=outreach.sessions,
        organization_contacts=freshness.contacts,
        proposed_changes_pending=freshness.pending_changes,
    )


# The directory's services that care's demo episodes are linked to on closure.
LINKED_SERVICES = {
    "long_term_care": "장기요양 재가서비스 기관 안내",
    "customized_elderly_care": "노인맞춤돌봄서비스",
}


def _linked_service(
    kind: str, region: Region
) -> tuple[Organization | None, WelfareResource | None]:
    """The demo directory's service of ``kind`` for a person of ``region`` (its own 시·군's
    if there is one), and its provider."""
    found = WelfareResource.objects.filter(
        external_id__startswith=DEMO_ID_PREFIX,
        name=LINKED_SERVICES[kind],
        status=WelfareResource.Status.ACTIVE,
    ).select_related("organization")
    resource = found.filter(regions=region).first() or found.order_by("pk").first()
    return (resource.organization if resource else None), resource


def _repair_contractors_ensure() -> list[Organization]:
    regions = {region.code: region for region in Region.objects.all()}
    contractors = []
    for spec in REPAIR_CONTRACTORS:
        existing = Organization.objects.filter(name=spec.name).first()
        contractors.append(
            existing
            or organization_save(
                name=spec.name,
                kind=spec.kind,
                region=regions.get(spec.region or ""),
                notes=f"{DEMO_MARK} 가상 업체입니다. 주거환경개선 시공.",
            )
        )
    return contractors


def _counselor() -> AbstractBaseUser:
    User = get_user_model()
    counselor = User.objects.filter(username=COUNSELOR_USERNAME).first()
    if counselor is None:
        care_demo.demo_data_load()
        counselor = User.objects.get(username=COUNSELOR_USERNAME)
    return counselor


class _Numbers:
    """Made-up phone numbers and street numbers, none given twice."""

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

    def landline(self) -> str:
        return self._unique("063-{c:03d}-{b:04d}")

    def mobile(self) -> str:
        return self._unique("010-{a:04d}-{b:04d}")

    def address(self, region: Region) -> str:
        road = self.rng.choice(care_demo.ROADS[region.code])
        return f"전북특별자치도 {region.name} {road} {self.rng.randint(1, 320)}"


def _organizations_ensure(rng: random.Random) -> dict[tuple[str, str], Organization]:
    """Every demo organization, keyed ``("", name)`` for province-wide bodies and
    ``(provider key, region code)`` for a 시·군's providers. Existing ones are kept as they are."""
    regions = {region.code: region for region in Region.objects.order_by("sort_order", "code")}
    numbers = _Numbers(rng)
    found: dict[tuple[str, str], Organization] = {}

    def ensure(
        name: str, kind: str, region: Region | None, partner: bool, phone: str
    ) -> Organization:
        # Drawn whether or not the organization exists, so that a partial data set does not
        # shift every later random choice.
        made_up_phone, address = numbers.landline(), numbers.address(region or regions["jeonju"])
        mou_date = date(MOU_YEAR, rng.randint(3, 12), rng.randint(1, 28))
        existing = Organization.objects.filter(name=name).first()
        if existing is not None:
            return existing
        return organization_save(
            name=name,
            kind=kind,
            region=region,
            phone=phone or made_up_phone,
            address=address if region else "",
            is_partner=partner,
            mou_date=mou_date if partner else None,
            notes=f"{DEMO_MARK} 가상 연락처입니다."
            + (" 돌봄네트워크 업무협약 기관." if partner else ""),
        )

    for spec in PROVINCE_ORGANIZATIONS:
        region = regions[spec.region] if spec.region else None
        found[("", spec.name)] = ensure(spec.name, spec.kind, region, spec.partner, spec.phone)
    for code, region in regions.items():
        if code not in care_demo.ADMIN_UNITS:
            continue  # a region another province loaded: no demo providers for it
        unit = care_demo.ADMIN_UNITS[code][0]
        for key, (pattern, kind) in REGIONAL_PROVIDERS.items():
            name = pattern.format(
                region=region.name,
                short=region.name[:-1],
                unit=unit,
                stem=unit[:-1],
            )
            # The 14 시군사회복지협의회 are the care network's partners (MOU of 2022).
            found[(key, code)] = ensure(name, kind, region, key == "council", "")
    return found


def _resources_create(
    rng: random.Random, organizations: dict[tuple[str, str], Organization]
) -> None:
    regions = {region.code: region for region in Region.objects.order_by("sort_order", "code")}
    categories = {category.code: category for category in ResourceCategory.objects.all()}
    groups = {group.code: group for group in TargetGroup.objects.all()}
    today = timezone.localdate()
    numbers = 0

    def create(
        spec: ResourceSpec, organization: Organization, served: list[Region], *, regional: bool
    ) -> None:
        nonlocal numbers
        numbers += 1
        # Most entries were checked within the year; some not for longer (the review flag).
        draw = rng.random()
        if draw < 0.05:
            assured = None
        elif draw < 0.25:
            assured = today - timedelta(days=rng.randint(400, 900))
        else:
            assured = today - timedelta(days=rng.randint(3, 330))
        status = WelfareResource.Status.ACTIVE
        # A local service is sometimes paused or gone; the province-wide ones run.
        if regional:
            status = _weighted(rng, (
                (WelfareResource.Status.ACTIVE, 90),
                (WelfareResource.Status.TEMPORARILY_CLOSED, 5),
                (WelfareResource.Status.INACTIVE, 3),
                (WelfareResource.Status.DEFUNCT, 2),
            ))  # fmt: skip
        resource_save(
            regions=served,
            target_groups=[groups[code] for code in spec.targets],
            external_id=f"{DEMO_ID_PREFIX}{numbers:03d}",
            name=spec.name,
            organization=organization,
            category=categories[spec.category],
            description=spec.description,
            eligibility=spec.eligibility,
            province_wide=not served,
            phone=organization.phone,
            address=organization.address,
            how_to_apply=spec.how_to_apply,
            fee=spec.fee,
            status=status,
            assured_date=assured,
        )

    for spec in PROVINCE_RESOURCES:
        served = [regions[code] for code in spec.regions]
        create(spec, organizations[("", spec.provider)], served, regional=False)
    for code, region in regions.items():
        for spec in REGIONAL_RESOURCES:
            organization = organizations.get((spec.provider, code))
            if organization is None or rng.random() < REGIONAL_SKIP:
                continue
            create(spec, organization, [region], regional=True)


def _public_details_fill() -> None:
    """Give the demo resources their public details (``PUBLIC_DETAILS``). Only a resource
    with no summary yet is filled, so a second load changes nothing and an administrator's
    later edits stay."""
    tags = {tag.code: tag.pk for tag in EligibilityTag.objects.all()}
    Tagged = WelfareResource.eligibility_tags.through
    for name, details in PUBLIC_DETAILS.items():
        pending = WelfareResource.objects.filter(
            external_id__startswith=DEMO_ID_PREFIX, name=name, summary=""
        )
        ids = list(pending.values_list("pk", flat=True))
        if not ids:
            continue
        pending.update(
            summary=details.summary,
            hours=details.hours,
            documents=details.documents,
            min_age=details.min_age,
            max_age=details.max_age,
            cost=details.cost,
        )
        Tagged.objects.bulk_create(
            [
                Tagged(welfareresource_id=pk, eligibilitytag_id=tags[code])
                for pk in ids
                for code in details.tags
                if code in tags
            ],
            ignore_conflicts=True,
        )


def _consultations_create(rng: random.Random, *, counselor: AbstractBaseUser) -> None:
    programs = {program.code: program for program in Program.objects.all()}
    regions = {region.code: region for region in Region.objects.all()}
    categories = {category.code: category for category in ResourceCategory.objects.all()}
    recipients = list(
        Recipient.objects.filter(notes__startswith=DEMO_MARK).select_related("region")
    )
    resources = list(
        WelfareResource.objects.filter(
            external_id__startswith=DEMO_ID_PREFIX, status=WelfareResource.Status.ACTIVE
        ).prefetch_related("regions")
    )
    used_names: set[str] = set()
    numbers = _Numbers(rng)
    region_weights = tuple(
        (code, weight) for code, weight in care_demo.RECIPIENTS_PER_REGION.items()
        if code in regions
    )  # fmt: skip
    now = timezone.localtime()
    today = now.date()

    history = _weekdays(HISTORY_FROM, HISTORY_TO)
    recent = _weekdays(today - timedelta(days=RECENT_DAYS), today - timedelta(days=1))
    moments = sorted(
        [(rng.choice(history), False) for _ in range(HISTORY_CONSULTATIONS)]
        + [(rng.choice(recent), True) for _ in range(RECENT_CONSULTATIONS)]
    )
    # Open follow-ups of the recent weeks: a few overdue, a few due today, a few ahead.
    recent_due = [today - timedelta(days=3), today - timedelta(days=1), today - timedelta(days=2),
                  today, today, today + timedelta(days=4), today + timedelta(days=9)]  # fmt: skip
    for day, is_recent in moments:
        held_at = datetime.combine(
            day, time(rng.randint(9, 17), rng.choice((0, 10, 20, 30, 40, 50)))
        ).replace(tzinfo=timezone.get_default_timezone())
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        program = "outreach_counseling" if (
            channel == Consultation.Channel.OUTREACH and rng.random() < 0.8
        ) or rng.random() < 0.05 else "care_info_counseling"  # fmt: skip
        topics, said, referable = rng.choice(SCENARIOS)

        person: dict[str, object] = {}
        draw = rng.random()
        if draw < 0.25 and recipients:
            recipient = rng.choice(recipients)
            person = {"recipient": recipient, "region": recipient.region}
        elif draw < 0.75:
            person = {
                "person_name": _name(rng, used_names),
                "person_contact": numbers.mobile(),
                "region": regions[_weighted(rng, region_weights)],
            }
        else:
            person = {
                "is_anonymous": True,
                "region": regions[_weighted(rng, region_weights)],
            }
        region: Region = person["region"]  # type: ignore[assignment]
        caller = rng.choice(CALLERS)
        summary = f"{DEMO_MARK} {caller} 상담: {said}."

        candidates = [
            resource
            for name in referable
            for resource in resources
            if resource.name == name
            and (resource.province_wide or region in resource.regions.all())
        ]
        identified = not person.get("is_anonymous")
        draw = rng.random()
        if identified and candidates and draw < 0.5:
            outcome = Consultation.Outcome.REFERRED
        elif identified and draw < 0.75:
            outcome = Consultation.Outcome.FOLLOW_UP
        else:
            outcome = Consultation.Outcome.INFORMED
        follow_up_on = None
        if outcome == Consultation.Outcome.FOLLOW_UP:
            if is_recent and recent_due:
                follow_up_on = max(recent_due.pop(0), day)
            elif is_recent:
                follow_up_on = today + timedelta(days=rng.randint(1, 14))
            else:
                follow_up_on = day + timedelta(days=rng.randint(3, 14))
        if outcome == Consultation.Outcome.INFORMED and candidates:
            summary += f" {candidates[0].name} 안내."
        refer = outcome == Consultation.Outcome.REFERRED

        consultation = consultation_record(
            actor=counselor,
            topics=[categories[code] for code in topics],
            share_consent=refer,
            held_at=held_at,
            channel=channel,
            program=programs[program],
            summary=summary,
            outcome=outcome,
            follow_up_on=follow_up_on,
            share_consent_scope=CONSENT_SCOPE if refer else "",
            **person,
        )
        # The services stamp the present moment; the demo's story happened at held_at.
        if refer:
            Consultation.objects.filter(pk=consultation.pk).update(share_consent_at=held_at)
        if follow_up_on and not is_recent:
            consultation_follow_up_done(actor=counselor, consultation=consultation)
            done_at = datetime.combine(follow_up_on, time(15)).replace(tzinfo=held_at.tzinfo)
            Consultation.objects.filter(pk=consultation.pk).update(follow_up_done_at=done_at)
        if refer:
            chosen = candidates[: rng.choice((1, 1, 2))]
            for resource in chosen:
                _referral_story(
                    rng,
                    actor=counselor,
                    consultation=consultation,
                    resource=resource,
                    fates=RECENT_FATES if is_recent else HISTORY_FATES,
                    now=now,
                )


def _referral_story(
    rng: random.Random,
    *,
    actor: AbstractBaseUser,
    consultation: Consultation,
    resource: WelfareResource,
    fates: tuple[tuple[int, tuple[tuple[str, int, str], ...]], ...],
    now: datetime,
) -> None:
    """Refer, then move the referral along as it went, each change dated when it happened."""
    held_at = consultation.held_at
    referral = referral_create(
        actor=actor,
        consultation=consultation,
        resource=resource,
        follow_up_on=timezone.localdate(held_at) + timedelta(days=7),
    )
    created_at = held_at + timedelta(minutes=20)
    Referral.objects.filter(pk=referral.pk).update(created_at=created_at)
    ReferralStateChange.objects.filter(referral=referral).update(changed_at=created_at)
    steps = rng.choices([steps for _w, steps in fates], weights=[w for w, _s in fates])[0]
    for state, days, reason in steps:
        changed_at = held_at + timedelta(days=days, hours=rng.randint(0, 3))
        if changed_at > now:
            break  # the story has not got that far yet
        referral = referral_transition(
            actor=actor,
            referral=referral,
            state=state,
            reason=rng.choice(DECLINE_REASONS) if reason == "*" else reason,
        )
        ReferralStateChange.objects.filter(referral=referral, to_state=state).update(
            changed_at=changed_at
        )


def _weekdays(start: date, end: date) -> list[date]:
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [day for day in days if day.weekday() < 5]


def _name(rng: random.Random, used: set[str]) -> str:
    """An invented older person's name (most callers ask for an older parent or themselves)."""
    given_names = care_demo.ELDERLY_FEMALE_NAMES + care_demo.ELDERLY_MALE_NAMES
    while True:
        name = _weighted(rng, care_demo.SURNAMES) + rng.choice(given_names)
        if name not in used:
            used.add(name)
            return name


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _w in pairs], weights=[w for _v, w in pairs])[0]
