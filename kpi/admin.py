"""Admin for the goal tracker: administrators add targets for later years here.

The figures printed in the source document (``reported_*``) sit in a folded section: they are
the record of what the document says, not something to retype.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kpi.models import (
    Indicator,
    Measure,
    MeasureTarget,
    StrategicGoal,
    UnitProgram,
    UnitProgramTarget,
)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["code", "name", "sort_order"]
    show_change_link = True


@admin.register(StrategicGoal)
class StrategicGoalAdmin(admin.ModelAdmin):
    list_display = ["year", "number", "name"]
    list_display_links = ["name"]
    list_filter = ["year"]
    search_fields = ["name"]
    inlines = [IndicatorInline]


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["name", "unit", "budget_eok", "metric", "sort_order"]
    show_change_link = True


class UnitProgramInline(admin.TabularInline):
    model = UnitProgram
    extra = 0
    fields = ["group", "name", "unit", "metric", "note", "sort_order"]
    show_change_link = True


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "goal", "sort_order"]
    list_display_links = ["code", "name"]
    list_filter = ["goal__year", "goal__number"]
    search_fields = ["code", "name", "goal__name"]
    list_select_related = ["goal"]
    inlines = [MeasureInline, UnitProgramInline]


class MeasureTargetInline(admin.TabularInline):
    model = MeasureTarget
    extra = 1
    fields = ["year", "target", "target_text", "reported_actual", "reported_rate_text"]
    ordering = ["year"]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["indicator_code", "name", "unit", "budget_eok", "metric", "year"]
    list_display_links = ["name"]
    list_filter = ["indicator__goal__year", "metric", "unit", "indicator__goal__number"]
    search_fields = ["name", "indicator__code", "indicator__name"]
    list_select_related = ["indicator__goal"]
    autocomplete_fields = ["indicator"]
    inlines = [MeasureTargetInline]

    @admin.display(description=_("지표 번호"), ordering="indicator__code")
    def indicator_code(self, measure: Measure) -> str:
        return measure.indicator.code

    @admin.display(description=_("기준 연도"), ordering="indicator__goal__year")
    def year(self, measure: Measure) -> int:
        return measure.indicator.goal.year


@admin.register(MeasureTarget)
class MeasureTargetAdmin(admin.ModelAdmin):
    list_display = ["measure", "year", "target", "target_text", "reported_actual",
                    "achievement", "reported_rate_text", "prior_achievement",
                    "reported_prior_rate_text"]  # fmt: skip
    list_filter = ["year", "measure__indicator__goal__year", "measure__unit", "measure__metric"]
    search_fields = ["measure__name", "measure__indicator__code", "measure__indicator__name",
                     "target_text"]  # fmt: skip
    list_select_related = ["measure__indicator__goal"]
    autocomplete_fields = ["measure"]
    readonly_fields = ["achievement", "prior_achievement"]
    fieldsets = [
        (None, {"fields": ["measure", "year", "target", "target_text"]}),
        (
            _("문서에 인쇄된 수치"),
            {
                "classes": ["collapse"],
                "fields": [
                    "reported_actual",
                    "reported_actual_text",
                    "reported_rate_text",
                    "achievement",
                    "reported_prior_actual",
                    "reported_prior_target",
                    "reported_prior_text",
                    "reported_prior_rate_text",
                    "prior_achievement",
                ],  # fmt: skip
            },
        ),
    ]

    @admin.display(description=_("달성률(계산)"))
    def achievement(self, target: MeasureTarget) -> str:
        rate = target.reported_achievement_rate
        return "-" if rate is None else f"{rate}%"

    @admin.display(description=_("전년 달성률(계산)"))
    def prior_achievement(self, target: MeasureTarget) -> str:
        rate = target.prior_achievement_rate
        return "-" if rate is None else f"{rate}%"


class UnitProgramTargetInline(admin.TabularInline):
    model = UnitProgramTarget
    extra = 1
    fields = ["year", "target", "target_text", "reported_actual", "reported_actual_text"]
    ordering = ["year"]


@admin.register(UnitProgram)
class UnitProgramAdmin(admin.ModelAdmin):
    list_display = ["indicator_code", "group", "name", "unit", "metric", "note"]
    list_display_links = ["name"]
    list_filter = ["indicator__goal__year", "metric", "unit", "indicator__goal__number"]
    search_fields = ["name", "group", "note", "indicator__code", "indicator__name"]
    list_select_related = ["indicator__goal"]
    autocomplete_fields = ["indicator"]
    inlines = [UnitProgramTargetInline]

    @admin.display(description=_("지표 번호"), ordering="indicator__code")
    def indicator_code(self, unit_program: UnitProgram) -> str:
        return unit_program.indicator.code


@admin.register(UnitProgramTarget)
class UnitProgramTargetAdmin(admin.ModelAdmin):
    list_display = ["unit_program", "year", "target", "target_text", "reported_actual",
                    "reported_actual_text"]  # fmt: skip
    list_filter = ["year", "unit_program__indicator__goal__year", "unit_program__metric"]
    search_fields = ["unit_program__name", "unit_program__group", "unit_program__indicator__code",
                     "target_text"]  # fmt: skip
    list_select_related = ["unit_program__indicator__goal"]
    autocomplete_fields = ["unit_program"]
