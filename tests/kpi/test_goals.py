"""The goal tracker's data: loading ``kpi/data/goals.json`` and its faithfulness to the document.

The hand-typed tables below are read off the source document (``../shared/seed/*.txt``); the
tests at the end parse the document itself, so the data file and the document cannot drift.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from kpi.goals import LOADED_MODELS, GoalDataError, goals_load
from kpi.models import (
    Indicator,
    Measure,
    MeasureTarget,
    StrategicGoal,
    UnitProgram,
    UnitProgramTarget,
    achievement_rate,
)
from tests.factories import UserFactory

D = Decimal
MODELS = LOADED_MODELS


@pytest.fixture
def goals(db: None) -> None:
    goals_load()


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


# --- the structure -------------------------------------------------------------------------

GOALS = [
    (2023, 1, "사회서비스 공공성 강화"),
    (2023, 2, "종사자 전문성 향상 및 처우개선"),
    (2023, 3, "민간제공기관 서비스 품질향상"),
    (2023, 4, "전북형 특화 사회서비스 발굴 제공"),
    (2023, 5, "공통지표"),
    (2022, 1, "사회서비스 공공성 강화"),
    (2022, 2, "종사자 전문성 향상 및 처우개선"),
    (2022, 3, "민간제공기관 서비스 품질향상 지원"),
    (2022, 4, "전북형 특화 사회서비스 발굴 제공"),
]

INDICATORS = [
    (2023, "1-1", "수탁기관 운영 활성화 지원"),
    (2023, "1-2", "국공립사회서비스제공기관 수탁 및 공공성견인"),
    (2023, "2-1", "종사자 근로조건 향상"),
    (2023, "2-2", "종사자 인권보호체계 구축 및 운영"),
    (2023, "2-3", "종사자 보수교육 및 전문성 향상 교육"),
    # The table prints ①, ③, ④ under goal 3; the plan sections are 3-1, 3-2, 3-3.
    (2023, "3-1", "정보공시제 운영"),
    (2023, "3-2", "단계별 컨설팅 운영"),
    (2023, "3-3", "민간 제공기관 지원 사업"),
    (2023, "4-1", "돌봄체계 구축 및 운영"),
    (2023, "4-2", "전북 복지자원 플랫폼 구축"),
    (2023, "5-1", "도·공기업 출연기관 간 협력 네트워크 구축"),
    (2023, "5-2", "국가 소속 출연기관 또는 국가 연구기관과의 협업"),
    (2022, "1-1", "국공립사회복지시설 운영"),
    (2022, "1-2", "국공립위탁사업 추진"),
    (2022, "1-3", "기타 공공센터 등 운영"),
    (2022, "1-4", "종합재가센터 설치 및 지역연계사업 운영"),
    (2022, "2-1", "종사자 직접 고용"),
    (2022, "2-2", "종사자 인권보호체계 구축 및 운영"),
    (2022, "2-3", "종사자 보수교육 및 전문성 향상 교육"),
    (2022, "3-1", "소규모시설 안전점검 지원"),
    (2022, "3-2", "경영컨설팅 지원"),
    (2022, "3-3", "대체인력 파견"),
    (2022, "3-4", "민간제공기관에 대한 지원 만족도"),
    (2022, "4-1", "긴급 돌봄체계 구축 및 운영"),
    (2022, "4-2", "지역복지 협력체계 구축 및 운영"),
    (2022, "4-3", "기타 사업 발굴 추진"),
]

# Every row of the 2023 goal table ("2023년 경영성과 목표"):
# (code, 측정방법, unit, 사업비 억원, target, target as printed,
#  2022 actual, 2022 target, the 2022 cell as printed, the 전년목표 대비 cell as printed)
GOAL_TABLE_2023 = [
    ("1-1", "지원사업 횟수", "회", D("0.13"), D(56), "56회", D(55), None, "55회", "신규"),
    ("1-2", "수탁건수", "개소", D("0.02"), D(3), "3개소", D(10), D(10),
     "10개소(10건) 국공립사회복지시설 운영 기타 공공센터 운영", "신규"),
    ("2-1", "직접고용 비율", "%", D("0.1"), D(100), "100%", D(100), D(100), "100% (100%)", "-"),
    ("2-1", "처우개선 추진횟수", "건", None, D(2), "2건", D(1), None, "1건", "신규"),
    ("2-2", "계획대비 달성률", "%", D("0.168"), D(100), "100%", D(1), D(1), "1건 (1건)", "100%"),
    ("2-3", "교육실시 횟수", "회", D("0.172"), D(50), "50회", D(48), D(40), "48회 (40회)", "120%"),
    ("3-1", "공시율 진척도", "%", D("0.015"), D(80), "80% 구축완료", None, None, "-", "신규"),
    ("3-2", "운영 건수", "건", D("0.149"), D(70), "70건", D(125), D(30),
     "125건(30건) 경영컨설팅 지원", "416%"),
    # "민족도" in the document is a typo of 만족도.
    ("3-3", "만족도 점수", "점", None, D(82), "82점", D("92.3"), D(80),
     "92.3점(80점) 민간제공기관 지원 만족도", "115%"),
    ("3-3", "건의사항 개선노력", "건", D("0.047"), D(1), "1건", D(2), D(2), "2건(2건)", "100%"),
    # One printed row, two measures: the prior figures belong to the first.
    ("4-1", "제공인원수", "명", D("0.8"), D(25), "25명", D(22), D(20),
     "22명(20명) 간접돌봄체계 구축 및 운영", "125%"),
    ("4-1", "운영사업", "건", None, D(2), "2건", None, None, "", "-"),
    ("4-2", "사업건수", "건", D(4), D(1), "1건", None, None, "-", "신규"),
    ("5-1", "협력사업 건수", "건", None, D(2), "2건", None, None, "-", "신규"),
    ("5-2", "협업사업 건수", "건", None, D(1), "1건 (2개소)", None, None, "-", "신규"),
]  # fmt: skip

# Every row of "<참고> 2022년 경영성과 목표 이행 실적":
# (code, 측정 방법, unit, target, as printed, actual, as printed, 달성률 as printed)
RESULTS_TABLE_2022 = [
    ("1-1", "수탁시설 수", "개소", D(7), "7개소", D(7), "7개소", "100%"),
    ("1-2", "사업 건수", "건", D(1), "1건", D(1), "1건", "100%"),
    ("1-3", "수탁시설 수", "개소", D(3), "3개소", D(3), "3개소", "100%"),
    # "설치 개소 수, 운영 사업 수 | 2개소 1건 | 2개소 1건 | 100%": two measures on one row.
    ("1-4", "설치 개소 수", "개소", D(2), "2개소", D(2), "2개소", "100%"),
    ("1-4", "운영 사업 수", "건", D(1), "1건", D(1), "1건", "100%"),
    ("2-1", "직접고용 비율", "%", D(100), "100%", D(100), "100%", "100%"),
    ("2-2", "운영사업 건수", "건", D(1), "1건", D(1), "1건", "100%"),
    ("2-3", "교육실시 횟수", "회", D(40), "40회", D(48), "48회", "120%"),
    ("3-1", "지원 시설 수", "개소", D(50), "50개소", D(51), "51개소", "102%"),
    ("3-2", "지원 건수", "건", D(30), "30건", D(125), "125건", "416%"),
    ("3-3", "파견건수", "건", D(1400), "1,400건", D(1597), "1,597건", "114%"),
    ("3-4", "만족도 점수", "점", D(80), "80점", D("92.3"), "92.3점", "115%"),
    ("4-1", "제공인원 수", "명", D(20), "20명", D(22), "22명", "110%"),
    ("4-2", "운영사업 건수", "건", D(2), "2건", D(2), "2건", "100%"),
    ("4-3", "추진실적", "건", D(1), "1건", D(1), "1건", "100%"),
]

# The "계" rows of the 향후 추진계획 tables: the measure's targets for 2024 and 2025.
PLAN_TOTALS = [
    ("1-1", "지원사업 횟수", 2024, D(63), "63회"),
    ("1-1", "지원사업 횟수", 2025, D(70), "70회"),
    ("2-2", "계획대비 달성률", 2024, D(103), "103%"),
    ("2-2", "계획대비 달성률", 2025, D(105), "105%"),
    ("2-3", "교육실시 횟수", 2024, D(50), "50회"),
    ("2-3", "교육실시 횟수", 2025, D(52), "52회"),
    ("3-1", "공시율 진척도", 2024, D(82), "82%/50개소"),
    ("3-1", "공시율 진척도", 2025, D(84), "84%/60개소"),
    ("3-2", "운영 건수", 2024, D(82), "82건"),
    ("3-2", "운영 건수", 2025, D(85), "85건"),
    ("3-3", "만족도 점수", 2024, D(85), "85점"),
    ("3-3", "만족도 점수", 2025, D(85), "85점"),
]

# Every line of every 향후 추진계획 table: (code, group, 단위사업명, unit, 비고,
# {year: (target, as printed)}); a year whose cell is blank has no row.
UNIT_PROGRAMS = [
    ("1-1", "", "소속시설 조직진단 및 모니터링", "회", "",
     {2023: (D(24), "24회"), 2024: (D(27), "27회"), 2025: (D(30), "30회")}),
    ("1-1", "", "소속시설 경영컨설팅 지원", "회", "",
     {2023: (D(5), "5회"), 2024: (D(7), "7회"), 2025: (D(9), "9회")}),
    ("1-1", "", "소속시설 협력체계 강화", "회", "간담회건수",
     {2023: (D(18), "18회"), 2024: (D(20), "20회"), 2025: (D(22), "22회")}),
    ("1-1", "", "이용자 및 종사자 만족도조사", "회", "",
     {2023: (D(1), "1회"), 2024: (D(1), "1회"), 2025: (D(1), "1회")}),
    ("1-1", "", "ESG 경영 실천", "회", "",
     {2023: (D(4), "4회"), 2024: (D(4), "4회"), 2025: (D(4), "4회")}),
    ("1-1", "", "소속시설 미션·비전 정립", "회", "",
     {2023: (D(1), "1회"), 2024: (D(1), "1회"), 2025: (D(1), "1회")}),
    ("1-1", "", "소속시설 운영규정 점검 및 정비", "회", "",
     {2023: (D(1), "1회"), 2024: (D(1), "1회"), 2025: (D(1), "1회")}),
    ("1-1", "", "소속시설 직원연수", "회", "",
     {2023: (D(1), "1회"), 2024: (D(1), "1회"), 2025: (D(1), "1회")}),
    ("1-1", "", "소속시설 운영방안 연구", "회", "", {2023: (D(1), "1회")}),
    ("1-2", "", "국공립사회서비스 제공기관 수탁 대응", "개소", "",
     {2023: (D(3), "3개소"), 2024: (D(2), "2개소"), 2025: (D(2), "2개소")}),
    ("1-2", "", "표준운영 및 유형별 매뉴얼 발간 및 민간시설 배포", "개소", "",
     {2023: (D(40), "2개유형 시설 40곳 배포 및 교육"),
      2024: (D(30), "2개유형 시설 30곳 배포 및 교육"),
      2025: (D(10), "1개유형 시설 10곳 배포 및 교육")}),
    ("2-1", "", "종사자 직접고용", "%", "고용률100%달성",
     {2023: (D(100), "100%"), 2024: (D(100), "100%"), 2025: (D(100), "100%")}),
    ("2-1", "", "종사자 생활임금 반영 추진", "회", "",
     {2023: (D(2), "2회"), 2024: (D(1), "1회"), 2025: (D(1), "1회")}),
    ("2-1", "", "복지제도개선 추진", "회", "",
     {2023: (None, "-"), 2024: (D(2), "2회"), 2025: (D(2), "2회")}),
    ("2-2", "", "인권보호지원사업 (계획 대비 달성률)", "%", "",
     {2023: (D(100), "100%"), 2024: (D(103), "103%"), 2025: (D(105), "105%")}),
    ("2-3", "", "서비스 분야별 교육", "회", "",
     {2023: (D(10), "10회"), 2024: (D(10), "10회"), 2025: (D(12), "12회")}),
    ("2-3", "", "역량강화교육", "회", "",
     {2023: (D(40), "40회"), 2024: (D(40), "40회"), 2025: (D(40), "40회")}),
    # "지역지율형" in the document is a typo of 지역자율형.
    ("3-1", "정보공시제 운영", "지역자율형 사회서비스 제공기관", "%", "",
     {2023: (D(80), "80%"), 2024: (D(82), "82%"), 2025: (D(84), "84%")}),
    ("3-1", "정보공시제 운영", "소규모 사회서비스기관 시범운영", "개소", "",
     {2023: (None, "구축완료"), 2024: (D(50), "50개소"), 2025: (D(60), "60개소")}),
    ("3-2", "", "단계별 컨설팅", "건", "",
     {2023: (D(40), "40건"), 2024: (D(50), "50건"), 2025: (D(50), "50건")}),
    ("3-2", "", "상시 모니터링", "건", "",
     {2023: (D(30), "30건"), 2024: (D(32), "32건"), 2025: (D(35), "35건")}),
    ("3-3", "", "찾아가는 사서원 (건의사항 개선 노력)", "건", "",
     {2023: (D(1), "1건"), 2024: (D(2), "2건"), 2025: (D(2), "2건")}),
    ("3-3", "", "만족도 조사 결과", "점", "",
     {2023: (D(82), "82점"), 2024: (D(85), "85점"), 2025: (D(85), "85점")}),
    ("4-1", "긴급돌봄 운영", "긴급돌봄지원단", "명", "",
     {2023: (D(25), "25명"), 2024: (D(30), "30명"), 2025: (D(35), "35명")}),
    ("4-1", "긴급돌봄 운영", "긴급돌봄 수혜", "명", "",
     {2023: (D(100), "100명"), 2024: (D(110), "110명"), 2025: (D(120), "120명")}),
    # 4-1's 추진실적 prints 2022 figures with no line in the plan: unit programs of 2022 only.
    ("4-1", "긴급돌봄 운영", "돌봄서비스 제공", "회", "2022 추진실적, 향후 계획 없음", {}),
    ("4-1", "전북형 돌봄체계 추진", "농촌지역 돌봄사각지대 발굴 및 서비스 제공", "명", "",
     {2023: (D(25), "25명"), 2024: (D(30), "30명"), 2025: (D(35), "35명")}),
    ("4-1", "전북형 돌봄체계 추진", "가정내 돌봄주거환경개선", "가구",
     "2022 추진실적, 향후 계획 없음", {}),
    ("4-1", "전북형 돌봄체계 추진", "사회서비스연계 상담", "회", "",
     {2023: (D(12), "12회"), 2024: (D(12), "12회"), 2025: (D(12), "12회")}),
    ("4-2", "", "자문회의, 설문조사, 복지자원 조사 등", "회", "",
     {2023: (D(3), "3회"), 2024: (D(1), "1회"), 2025: (D(1), "1회")}),
    ("4-2", "", "플랫폼 운영 프로세스 세부 설계", "건", "",
     {2023: (D(1), "1건"), 2024: (D(1), "1건 (유지보수)"), 2025: (D(1), "1건 (유지보수)")}),
    ("4-2", "", "돌봄종합정보상담", "회", "",
     {2023: (D(50), "50회"), 2024: (D(100), "100회"), 2025: (D(200), "200회")}),
    ("5-1", "", "유관기관 간의 협력네트워크 구축", "건", "",
     {2023: (D(2), "2건"), 2024: (D(2), "2건"), 2025: (D(2), "2건")}),
    ("5-2", "", "치유농업 연계 전북형 지역사회서비스 신규사업 발굴", "건", "",
     {2023: (D(1), "1건")}),
    ("5-2", "", "치유농장의 지역사회서비스 투자사업 제공기관 진입 지원", "개소", "",
     {2023: (D(2), "2개소"), 2024: (D(2), "2개소"), 2025: (D(3), "3개소")}),
]  # fmt: skip

# 4-1's 추진실적 (prose): "긴급돌봄지원단 활동(22명), 돌봄서비스 제공(103명, 1006회)",
# "틈새돌봄서비스 27명, 가정내 돌봄주거환경개선 사업 60가구".
RESULTS_4_1_2022 = [
    ("긴급돌봄지원단", D(22), "22명"),
    ("긴급돌봄 수혜", D(103), "103명"),
    ("돌봄서비스 제공", D(1006), "1006회"),
    ("농촌지역 돌봄사각지대 발굴 및 서비스 제공", D(27), "27명"),
    ("가정내 돌봄주거환경개선", D(60), "60가구"),
]

# 1-1's 추진실적 table: the 2022 result of each unit program.
RESULTS_1_1_2022 = [
    ("소속시설 조직진단 및 모니터링", D(21), "21회"),
    ("소속시설 경영컨설팅 지원", D(10), "10회"),
    ("소속시설 협력체계 강화", D(16), "16회"),
    ("이용자 및 종사자 만족도조사", D(1), "1회"),
    ("ESG 경영 실천", D(3), "3회"),
    ("소속시설 미션·비전 정립", D(1), "1회"),
    ("소속시설 운영규정 점검 및 정비", D(1), "1회"),
    ("소속시설 직원연수", D(2), "2회"),
]


# --- loading -------------------------------------------------------------------------------


def test_loading_goals_twice_changes_no_row(db: None) -> None:
    first = goals_load()
    before = _snapshot()

    second = goals_load()

    assert first.created == sum(len(rows) for rows in before.values())
    assert (second.created, second.updated) == (0, 0)
    assert second.unchanged == first.created
    assert _snapshot() == before


def test_load_goals_command_says_nothing_changed_on_a_second_run(db: None) -> None:
    call_command("load_goals", stdout=StringIO())
    out = StringIO()

    call_command("load_goals", stdout=out)

    assert "already up to date" in out.getvalue()
    assert "연도별 목표 (MeasureTarget): 새로 0 · 바뀜 0 · 그대로 42 (전체 42)" in out.getvalue()


def test_loaded_row_counts_match_the_document(goals: None) -> None:
    assert StrategicGoal.objects.filter(year=2023).count() == 5
    assert StrategicGoal.objects.filter(year=2022).count() == 4
    assert Indicator.objects.filter(goal__year=2023).count() == 12
    assert Indicator.objects.filter(goal__year=2022).count() == 14
    assert Measure.objects.goal_table().count() == len(GOAL_TABLE_2023) + len(RESULTS_TABLE_2022)
    assert UnitProgram.objects.count() == len(UNIT_PROGRAMS)
    assert MeasureTarget.objects.count() == (
        len(GOAL_TABLE_2023) + len(PLAN_TOTALS) + len(RESULTS_TABLE_2022)
    )
    assert UnitProgramTarget.objects.count() == (
        sum(len(years) for *_, years in UNIT_PROGRAMS)
        + len(RESULTS_1_1_2022)
        + len(RESULTS_4_1_2022)
    )


def test_target_an_administrator_added_for_2026_survives_a_reload(goals: None) -> None:
    measure = Measure.objects.get(
        indicator__goal__year=2023, indicator__code="4-1", name="제공인원수"
    )
    MeasureTarget.objects.create(measure=measure, year=2026, target=D(40), target_text="40명")
    unit_program = UnitProgram.objects.get(name="돌봄종합정보상담")
    UnitProgramTarget.objects.create(
        unit_program=unit_program, year=2026, target=D(300), target_text="300회"
    )
    added_measure = Measure.objects.create(
        indicator=measure.indicator, name="재이용 의향", unit="%", sort_order=9
    )

    summary = goals_load()

    assert (summary.created, summary.updated) == (0, 0)
    assert MeasureTarget.objects.get(measure=measure, year=2026).target == D(40)
    assert UnitProgramTarget.objects.get(unit_program=unit_program, year=2026).target == D(300)
    assert Measure.objects.filter(pk=added_measure.pk).exists()


def test_reload_sets_a_figure_from_the_document_back(goals: None) -> None:
    target = MeasureTarget.objects.get(
        measure__indicator__goal__year=2023, measure__name="교육실시 횟수", year=2024
    )
    target.target = D(99)
    target.save()

    summary = goals_load()

    assert summary.rows[MeasureTarget].updated == 1
    target.refresh_from_db()
    assert target.target == D(50)


def test_a_misspelt_key_fails_the_load_and_loads_nothing(db: None, tmp_path: Path) -> None:
    data = json.loads((Path(settings.BASE_DIR) / "kpi" / "data" / "goals.json").read_text())
    data["plans"][0]["goals"][3]["indicators"][0]["measures"][0]["targets"][0]["reported_actal"] = 1
    bad = tmp_path / "goals.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(GoalDataError, match=r"measures\[0\]\.targets\[0\]: unknown keys"):
        goals_load(path=bad)

    assert StrategicGoal.objects.count() == 0


def test_a_unit_outside_the_choices_fails_the_load_with_its_place(db: None, tmp_path: Path) -> None:
    data = json.loads((Path(settings.BASE_DIR) / "kpi" / "data" / "goals.json").read_text())
    data["plans"][1]["goals"][0]["indicators"][0]["measures"][0]["unit"] = "곳"
    bad = tmp_path / "goals.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(GoalDataError, match=r"plans\[1\]\.goals\[0\]\.indicators\[0\]"):
        goals_load(path=bad)

    assert Measure.objects.count() == 0


# --- faithful to the document --------------------------------------------------------------


def test_goals_and_indicators_are_the_documents(goals: None) -> None:
    assert sorted(StrategicGoal.objects.values_list("year", "number", "name")) == sorted(GOALS)
    assert sorted(Indicator.objects.values_list("goal__year", "code", "name")) == sorted(INDICATORS)


def test_every_row_of_the_2023_goal_table_is_loaded(goals: None) -> None:
    loaded = [
        (t.measure.indicator.code, t.measure.name, t.measure.unit, t.measure.budget_eok,
         t.target, t.target_text, t.reported_prior_actual, t.reported_prior_target,
         t.reported_prior_text, t.reported_prior_rate_text)
        for t in MeasureTarget.objects.filter(measure__indicator__goal__year=2023, year=2023)
        .select_related("measure__indicator")
        .order_by("measure__indicator__code", "measure__sort_order")
    ]  # fmt: skip

    assert loaded == GOAL_TABLE_2023


def test_every_row_of_the_2022_results_table_is_loaded(goals: None) -> None:
    loaded = [
        (t.measure.indicator.code, t.measure.name, t.measure.unit, t.target, t.target_text,
         t.reported_actual, t.reported_actual_text, t.reported_rate_text)
        for t in MeasureTarget.objects.filter(measure__indicator__goal__year=2022)
        .select_related("measure__indicator")
        .order_by("measure__indicator__code", "measure__sort_order")
    ]  # fmt: skip

    assert loaded == RESULTS_TABLE_2022
    assert not MeasureTarget.objects.filter(
        measure__indicator__goal__year=2022, year__gt=2022
    ).exists()


def test_plan_totals_are_the_measures_targets_for_2024_and_2025(goals: None) -> None:
    loaded = [
        (t.measure.indicator.code, t.measure.name, t.year, t.target, t.target_text)
        for t in MeasureTarget.objects.filter(measure__indicator__goal__year=2023, year__gt=2023)
        .select_related("measure__indicator")
        .order_by("measure__indicator__code", "measure__sort_order", "year")
    ]

    assert loaded == PLAN_TOTALS


def test_every_unit_program_target_of_the_plans_is_loaded(goals: None) -> None:
    loaded = [
        (
            program.indicator.code,
            program.group,
            program.name,
            program.unit,
            program.note,
            {t.year: (t.target, t.target_text) for t in program.targets.all() if t.year >= 2023},
        )
        for program in UnitProgram.objects.select_related("indicator")
        .prefetch_related("targets")
        .order_by("indicator__code", "sort_order")
    ]

    assert loaded == UNIT_PROGRAMS


def test_1_1_unit_programs_carry_their_printed_2022_results(goals: None) -> None:
    loaded = [
        (t.unit_program.name, t.reported_actual, t.reported_actual_text)
        for t in UnitProgramTarget.objects.filter(year=2022, unit_program__indicator__code="1-1")
        .select_related("unit_program")
        .order_by("unit_program__sort_order")
    ]

    assert loaded == RESULTS_1_1_2022
    assert sum(actual for _, actual, _ in loaded) == D(55)  # the table's 계 and 2023's prior


def test_4_1_and_4_2_bind_their_automatic_metrics(goals: None) -> None:
    measures = {
        (m.indicator.code, m.name): m.metric
        for m in Measure.objects.goal_table()
        .filter(indicator__goal__year=2023)
        .select_related("indicator")
    }
    programs = {(p.indicator.code, p.name): p.metric for p in UnitProgram.objects.all()}

    assert {key: metric for key, metric in measures.items() if metric} == {
        ("4-1", "제공인원수"): "corps_members_served",
        ("4-1", "운영사업"): "programs_operated",
    }
    assert measures[("4-2", "사업건수")] == ""
    assert {key: metric for key, metric in programs.items() if metric} == {
        ("4-1", "긴급돌봄지원단"): "corps_members_active",
        ("4-1", "긴급돌봄 수혜"): "recipients_served",
        ("4-1", "농촌지역 돌봄사각지대 발굴 및 서비스 제공"): "rural_recipients_served",
        ("4-1", "가정내 돌봄주거환경개선"): "repair_households",
        ("4-1", "사회서비스연계 상담"): "outreach_sessions",
        ("4-2", "돌봄종합정보상담"): "care_info_consultations",
    }
    assert not Measure.objects.filter(indicator__goal__year=2022).automatic().exists()


# --- achievement rates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "target", "rate"),
    [
        (D(125), D(30), 416),
        (D(1597), D(1400), 114),
        (D("92.3"), D(80), 115),
        (D(22), D(20), 110),
        (D(51), D(50), 102),
        (D(0), D(20), 0),
        (D(5), D(0), None),
        (None, D(20), None),
    ],
)
def test_achievement_rate_is_actual_over_target_truncated_to_a_whole_percent(
    actual: Decimal | None, target: Decimal, rate: int | None
) -> None:
    assert achievement_rate(actual, target) == rate


def test_every_printed_2022_rate_equals_the_computed_rate(goals: None) -> None:
    for target in MeasureTarget.objects.filter(measure__indicator__goal__year=2022):
        assert f"{target.reported_achievement_rate}%" == target.reported_rate_text, target


def test_only_4_1s_printed_prior_rate_disagrees_with_the_computed_one(goals: None) -> None:
    disagreements = [
        (t.measure.indicator.code, t.reported_prior_rate_text, t.prior_achievement_rate)
        for t in MeasureTarget.objects.filter(measure__indicator__goal__year=2023, year=2023)
        .select_related("measure__indicator")
        .order_by("measure__indicator__code", "measure__sort_order")
        if t.reported_prior_rate_text.endswith("%")
        and t.reported_prior_rate_text != f"{t.prior_achievement_rate}%"
    ]

    # 22 ÷ 20 = 110 %; the printed 125 % is 25 ÷ 20, this year's target over last year's.
    assert disagreements == [("4-1", "125%", 110)]


# --- admin ---------------------------------------------------------------------------------


def test_admin_pages_of_every_goal_model_open(goals: None) -> None:
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    measure = Measure.objects.get(indicator__goal__year=2023, name="제공인원수")
    program = UnitProgram.objects.get(name="긴급돌봄지원단")

    urls = [f"/admin/kpi/{model.__name__.lower()}/" for model in MODELS] + [
        f"/admin/kpi/measure/{measure.pk}/change/",
        f"/admin/kpi/unitprogram/{program.pk}/change/",
        f"/admin/kpi/indicator/{measure.indicator_id}/change/",
        f"/admin/kpi/measuretarget/{measure.targets.get(year=2023).pk}/change/",
    ]

    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 200)


# --- the document itself -------------------------------------------------------------------

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# The document's own typos, corrected in the data (docs/kpi.md lists them).
TYPOS = {"민족도": "만족도", "지역지율형": "지역자율형"}


@pytest.fixture
def seed_lines() -> list[str]:
    seed_dir = Path(settings.BASE_DIR).parent / "shared" / "seed"
    for path in sorted(seed_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if "경영성과 목표 이행 실적" in text:
            for typo, fixed in TYPOS.items():
                text = text.replace(typo, fixed)
            return text.splitlines()
    pytest.skip(f"the source document is not in {seed_dir}")


def _numbers(cell: str) -> list[Decimal]:
    return [Decimal(found.replace(",", "")) for found in NUMBER.findall(cell)]


def _table(lines: list[str], header_start: str, after: int = 0) -> tuple[int, list[list[str]]]:
    """The tab-separated rows under the first header line starting so, up to a blank line."""
    start = next(i for i in range(after, len(lines)) if lines[i].startswith(header_start))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        rows.append(line.split("\t"))
    return start, rows


def _goal_rows(rows: list[list[str]]) -> list[tuple[str, list[str]]]:
    """(indicator code, cells) for each row; goals from ``<b>N``, codes by order in the goal.

    Continuation rows (a second measure of the same indicator) start with an empty cell.
    """
    result: list[tuple[str, list[str]]] = []
    goal, ordinal = 0, 0
    for cells in rows:
        heading = re.match(r"<b>(\d)", cells[0])
        if heading:
            goal, ordinal = int(heading.group(1)), 0
            continue
        if cells[0]:
            ordinal += 1
        result.append((f"{goal}-{ordinal}", cells))
    return result


def test_2022_results_table_of_the_document_equals_the_loaded_data(
    goals: None, seed_lines: list[str]
) -> None:
    _, rows = _table(seed_lines, "성과지표\t측정 방법\t'22년 성과목표")
    parsed = _goal_rows(rows)
    assert len(parsed) == 14

    for code, (name, measures_cell, target_cell, actual_cell, rate_cell) in parsed:
        targets = list(
            MeasureTarget.objects.filter(
                measure__indicator__goal__year=2022, measure__indicator__code=code, year=2022
            ).order_by("measure__sort_order")
        )
        indicator = Indicator.objects.get(goal__year=2022, code=code)
        assert re.sub(r"^[①-⑳]\s*", "", name) == indicator.name
        assert ", ".join(t.measure.name for t in targets) == measures_cell
        assert _numbers(target_cell) == [t.target for t in targets], code
        assert _numbers(actual_cell) == [t.reported_actual for t in targets], code
        assert " ".join(t.target_text for t in targets) == target_cell
        assert " ".join(t.reported_actual_text for t in targets) == actual_cell
        assert {t.reported_rate_text for t in targets} == {rate_cell}
        assert {f"{t.reported_achievement_rate}%" for t in targets} == {rate_cell}


def test_2023_goal_table_of_the_document_equals_the_loaded_data(
    goals: None, seed_lines: list[str]
) -> None:
    header, _ = _table(seed_lines, "2023 주요경영목표")
    _, rows = _table(seed_lines, "성과지표\t사업비", after=header)
    parsed = _goal_rows(rows)
    prior_pattern = re.compile(r"^([\d.,]+)[^\d(]*(?:\(([\d.,]+)[^)]*\))?")

    by_code: dict[str, list[list[str]]] = {}
    for code, cells in parsed:
        by_code.setdefault(code, []).append(cells)
    assert sorted(by_code) == [code for year, code, _ in INDICATORS if year == 2023]

    for code, printed_rows in by_code.items():
        targets = list(
            MeasureTarget.objects.filter(
                measure__indicator__goal__year=2023, measure__indicator__code=code, year=2023
            ).order_by("measure__sort_order")
        )
        # A printed row holds one measure, or (4-1) several separated by spaces.
        position = 0
        for _name, budget, measure_cell, target_cell, prior_cell, rate_cell, _note in printed_rows:
            rates = rate_cell.split()
            row_targets = targets[position : position + len(rates)]
            position += len(rates)
            assert " ".join(t.measure.name for t in row_targets) == measure_cell
            assert " ".join(t.target_text for t in row_targets) == target_cell
            assert [t.reported_prior_rate_text for t in row_targets] == rates
            assert row_targets[0].measure.budget_eok == (None if budget == "-" else D(budget))
            assert row_targets[0].target == _numbers(target_cell)[0]
            assert row_targets[0].reported_prior_text == prior_cell
            prior = prior_pattern.match(prior_cell)
            actual, target = prior.groups() if prior else (None, None)
            assert row_targets[0].reported_prior_actual == (actual and D(actual))
            assert row_targets[0].reported_prior_target == (target and D(target))
        assert position == len(targets), code


def test_every_plan_table_of_the_document_equals_the_loaded_data(
    goals: None, seed_lines: list[str]
) -> None:
    printed: set[tuple[str, str, str, int, str]] = set()
    totals: dict[tuple[str, int], str] = {}
    notes: dict[tuple[str, str, str], str] = {}
    code = ""
    for index, line in enumerate(seed_lines):
        heading = re.match(r"^#+\s*(\d-\d)\b", line)
        if heading:
            code = heading.group(1)
        if not (line.startswith("단위사업명\t") and "2023" in line):
            continue
        header = line.split("\t")
        years = [(col, int(cell[:4])) for col, cell in enumerate(header) if cell[:4].isdigit()]
        has_group = header[1] == ""
        group = ""
        _, rows = _table(seed_lines, "단위사업명", after=index)
        for cells in rows:
            if has_group:
                group = cells[0] or group
                name = cells[1]
            else:
                group, name = "", cells[0]
            if name == "계":
                totals.update({(code, year): cells[col] for col, year in years if cells[col]})
                continue
            if name.startswith("정보공시제 운영 "):  # a merged group cell, flattened
                group, name = "정보공시제 운영", name.removeprefix("정보공시제 운영 ")
            notes[(code, group, name)] = cells[-1]
            printed |= {(code, group, name, year, cells[col]) for col, year in years if cells[col]}

    loaded = {
        (t.unit_program.indicator.code, t.unit_program.group, t.unit_program.name, t.year,
         t.target_text)
        for t in UnitProgramTarget.objects.filter(year__gte=2023).select_related(
            "unit_program__indicator"
        )
    }  # fmt: skip
    assert printed == loaded
    planned = UnitProgram.objects.filter(targets__year__gte=2023).distinct()
    assert notes == {(p.indicator.code, p.group, p.name): p.note for p in planned}
    for t in UnitProgramTarget.objects.filter(year__gte=2023, target__isnull=False):
        assert t.target in _numbers(t.target_text), t

    assert len(totals) == 18  # six 계 rows × three years
    for (total_code, year), cell in totals.items():
        measure_targets = MeasureTarget.objects.filter(
            measure__indicator__goal__year=2023, measure__indicator__code=total_code, year=year
        ).order_by("measure__sort_order")
        measure_target = measure_targets.first()
        assert measure_target is not None, (total_code, year)
        assert measure_target.target == _numbers(cell)[0]
        if year > 2023:
            assert measure_target.target_text == cell


def test_1_1_results_table_of_the_document_equals_the_loaded_data(
    goals: None, seed_lines: list[str]
) -> None:
    _, rows = _table(seed_lines, "단위사업명\t2022년")
    printed = {name: actual for name, actual, _note in rows}

    assert printed.pop("계") == "55회"
    assert printed == {
        t.unit_program.name: t.reported_actual_text
        for t in UnitProgramTarget.objects.filter(
            year=2022, unit_program__indicator__code="1-1"
        ).select_related("unit_program")
    }
    measure = MeasureTarget.objects.get(
        measure__indicator__goal__year=2023, measure__indicator__code="1-1", year=2023
    )
    assert measure.reported_prior_actual == D(55)


def test_4_1s_results_in_the_document_equal_the_loaded_2022_figures(
    goals: None, seed_lines: list[str]
) -> None:
    start = seed_lines.index("### 4-1 돌봄체계 구축 및 운영")
    section = "\n".join(seed_lines[start : start + 40])
    results = section[section.index("추진실적") : section.index("향후 추진계획")]
    printed = re.findall(r"(\d+)(명|회|가구)", results)

    assert printed == [("22", "명"), ("103", "명"), ("1006", "회"), ("27", "명"), ("60", "가구")]
    loaded = [
        (t.reported_actual, t.reported_actual_text)
        for name, *_ in RESULTS_4_1_2022
        for t in [UnitProgramTarget.objects.get(unit_program__name=name, year=2022)]
    ]
    assert loaded == [(D(number), f"{number}{unit}") for number, unit in printed]
