"""Filters of the welfare resource directory's API (resources and organizations)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from base.models import Region
from consultations.models import Organization, ResourceCategory, TargetGroup, WelfareResource
from consultations.resources import resource_search

SEARCH_MAX_LENGTH = 100


class WelfareResourceFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        label=_(
            "한국어 부분 검색: 자원명, 기관명, 분류, 지원 자격, 제공 시·군 "
            "(예: '돌봄'은 '긴급돌봄지원'을 찾음); 자원명 일치가 먼저"
        ),
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        to_field_name="code",
        method="filter_region",
        label=_("시·군 코드: 그 시·군에서 제공하는 자원과 도 전역 자원"),
    )
    category = django_filters.ModelChoiceFilter(
        queryset=ResourceCategory.objects.all(),
        to_field_name="code",
        method="filter_category",
        label=_("분류 코드 (하위 분류 포함)"),
    )
    target_group = django_filters.ModelChoiceFilter(
        queryset=TargetGroup.objects.all(),
        to_field_name="code",
        method="filter_target_group",
        label=_("지원 대상 코드"),
    )
    status = django_filters.ChoiceFilter(choices=WelfareResource.Status.choices, label=_("상태"))
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.all(), label=_("제공기관 id")
    )
    modified_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("이 시각 이후 수정된 자원 (ISO 8601, 증분 가져오기용)"),
    )
    needs_review = django_filters.BooleanFilter(
        field_name="needs_review", label=_("12개월 넘게 확인되지 않아 재확인이 필요함")
    )

    class Meta:
        model = WelfareResource
        fields = [
            "search",
            "region",
            "category",
            "target_group",
            "status",
            "organization",
            "province_wide",
            "modified_after",
            "needs_review",
        ]

    def filter_search(
        self, queryset: QuerySet[WelfareResource], name: str, value: str
    ) -> QuerySet[WelfareResource]:
        return resource_search(queryset, value)

    def search_term(self) -> str:
        """The valid search term, or "" (call after ``is_valid()``)."""
        return (self.form.cleaned_data.get("search") or "").strip()

    def qs_without_search(self) -> QuerySet[WelfareResource]:
        """The rows of every filter but ``search``, in no particular order: for paging a
        search with ``consultations.resources.search_page``, which reads the ranking tier by
        tier instead of ranking every match (call after ``is_valid()``)."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != "search":
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_region(
        self, queryset: QuerySet[WelfareResource], name: str, value: Region
    ) -> QuerySet[WelfareResource]:
        # EXISTS rather than a join: a resource serving several regions stays one row.
        served_here = WelfareResource.regions.through.objects.filter(
            welfareresource_id=OuterRef("pk"), region_id=value.pk
        )
        return queryset.filter(Q(province_wide=True) | Exists(served_here))

    def filter_category(
        self, queryset: QuerySet[WelfareResource], name: str, value: ResourceCategory
    ) -> QuerySet[WelfareResource]:
        # The taxonomy is two levels deep: a category and its children.
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_target_group(
        self, queryset: QuerySet[WelfareResource], name: str, value: TargetGroup
    ) -> QuerySet[WelfareResource]:
        for_group = WelfareResource.target_groups.through.objects.filter(
            welfareresource_id=OuterRef("pk"), targetgroup_id=value.pk
        )
        return queryset.filter(Exists(for_group))


class OrganizationFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        max_length=SEARCH_MAX_LENGTH,
        label=_("기관명 부분 검색"),
    )
    kind = django_filters.ChoiceFilter(choices=Organization.Kind.choices, label=_("기관 유형"))
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), to_field_name="code", label=_("시·군 코드")
    )
    is_partner = django_filters.BooleanFilter(label=_("돌봄네트워크 협약기관"))

    class Meta:
        model = Organization
        fields = ["search", "kind", "region", "is_partner"]
