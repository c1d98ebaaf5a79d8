"""The statement's and the spend's shapes on /api/v1/ (typed for the schema)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class MonthQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text=_("연도"))
    month = serializers.IntegerField(min_value=1, max_value=12, help_text=_("월 (1–12)"))


class StatementQuerySerializer(MonthQuerySerializer):
    format = serializers.ChoiceField(
        choices=["json", "xlsx"], default="json", help_text=_("xlsx면 엑셀 파일로 내려받음")
    )


class StatementRowSerializer(serializers.Serializer):
    corps_member = serializers.IntegerField(source="corps_member.pk")
    corps_member_name = serializers.CharField(source="corps_member.name")
    days_worked = serializers.IntegerField(help_text=_("방문이 있었던 날 수 (서울 날짜)"))
    visits = serializers.IntegerField(help_text=_("인정 방문 수 (무효 제외)"))
    service_minutes = serializers.IntegerField(
        help_text=_("방문별 시작~종료 분(버림)의 합; 종료 누락은 0분")
    )
    service_hours = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False)
    recipients = serializers.IntegerField(help_text=_("서로 다른 대상자 수"))
    travel_km = serializers.FloatField(
        help_text=_(
            "같은 날 연속한 두 방문 사이 직선거리(하버사인, km)의 합; 둘 다 위치가 있을 때만"
        )
    )
    unscheduled_visits = serializers.IntegerField(help_text=_("일정 없이 한 방문 수"))
    missed_visits = serializers.IntegerField(help_text=_("이 단원에게 배정된 미방문 일정 수"))
    visits_without_checkout = serializers.IntegerField(help_text=_("종료(체크아웃) 누락 방문 수"))


class SpendSerializer(serializers.Serializer):
    minutes = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False)
    spend_won = serializers.IntegerField(help_text=_("제공 시간 × 시간당 단가 (원)"))
    national_won = serializers.IntegerField(help_text=_("국비 (원)"))
    provincial_won = serializers.IntegerField(help_text=_("도비 (원)"))


class ProgramSpendSerializer(serializers.Serializer):
    program = serializers.CharField(source="program.code")
    program_name = serializers.CharField(source="program.name")
    unit_cost_won = serializers.IntegerField(help_text=_("시간당 단가 (원)"))
    budget_won = serializers.IntegerField(help_text=_("사업비 (원) = 천원 × 1000"))
    month = SpendSerializer()
    year_to_date = SpendSerializer()
    budget_used_percent = serializers.IntegerField(
        allow_null=True, help_text=_("누적 집행 ÷ 사업비 × 100 (버림)")
    )
    budget_remaining_won = serializers.IntegerField()
