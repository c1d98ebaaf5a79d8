from __future__ import annotations

from datetime import UTC, datetime, time

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from base.models import Program
from consultations import consultation_selectors as selectors
from consultations.models import Consultation, FollowUpAlert, Referral


class DateOrDateTimeField(forms.Field):
    """A date or an ISO datetime. A date means the start of that day in Seoul, and a
    datetime without an offset is Seoul time, so that ``2023-03-01`` and
    ``2023-03-01T00:00`` are the same moment whatever the server's clock."""

    default_error_messages = {
        "invalid": _("날짜(YYYY-MM-DD) 또는 일시(YYYY-MM-DDTHH:MM[:SS][+09:00])를 입력하세요.")
    }

    def to_python(self, value: object) -> datetime | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        try:
            day = parse_date(text)
            moment = datetime.combine(day, time.min) if day else parse_datetime(text)
        except ValueError:  # well-formed but impossible, e.g. 2023-02-30
            moment = None
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, timezone.get_default_timezone())
            # The database compares in UTC; a moment at the calendar's very edge has no UTC
            # value and would raise OverflowError (a 500) in the query.
            moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return moment


class DateOrDateTimeFilter(django_filters.CharFilter):
    # A CharFilter in the schema (a string, with the label as its description): the value is a
    # date or a datetime, which neither OpenAPI format says alone.
    field_class = DateOrDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is a 400, where Django's field would read it as
    "no filter" and answer a list the caller did not ask for."""

    default_error_messages = {"invalid": _("true 또는 false를 입력하세요.")}

    def to_python(self, value: object) -> bool | None:
        if value in self.empty_values:
            return None
        if value in (True, "True", "true", "1"):
            return True
        if value in (False, "False", "false", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args: object, **kwargs: object) -> None:
        # A plain text widget hands the raw value to the field; the REST framework's boolean
        # widget would already have turned "maybe" into "no filter".
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


# Row ids fit a signed 64-bit integer; a larger number is bad input, and SQLite would
# answer it with an OverflowError (a 500) rather than an empty list.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number from 1 up, or a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ConsultationFilter(django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(
        choices=Consultation.Channel.choices, label=_("상담 방법")
    )
    outcome = django_filters.ChoiceFilter(choices=Consultation.Outcome.choices, label=_("결과"))
    counselor = django_filters.CharFilter(
        method="filter_counselor", label=_("상담원 (계정 id 또는 아이디)")
    )
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.all(), to_field_name="code", label=_("사업 코드")
    )
    held_after = DateOrDateTimeFilter(
        field_name="held_at",
        lookup_expr="gte",
        label=_("이 시각 이후 상담 (날짜는 그날 0시, 서울 시각)"),
    )
    held_before = DateOrDateTimeFilter(
        field_name="held_at",
        lookup_expr="lt",
        label=_("이 시각 이전 상담, 그 시각 제외 (날짜는 그날 0시, 서울 시각)"),
    )
    recipient = IdFilter(field_name="recipient", label=_("돌봄대상자 id (그 사람의 상담 이력)"))
    person_contact = django_filters.CharFilter(
        field_name="person_contact", label=_("연락처 (정확히 일치, 그 사람의 상담 이력)")
    )
    follow_up_due = StrictBooleanFilter(
        method="filter_follow_up_due", label=_("추후 상담일이 오늘이거나 지났고 완료되지 않음")
    )

    class Meta:
        model = Consultation
        fields = [
            "channel", "outcome", "counselor", "program", "held_after", "held_before",
            "recipient", "person_contact", "follow_up_due",
        ]  # fmt: skip

    def filter_counselor(
        self, queryset: QuerySet[Consultation], name: str, value: str
    ) -> QuerySet[Consultation]:
        # A desk filters by the name it sees (the username); scripts pass the account id.
        # A username made of digits is matched as both.
        value = value.strip()
        if value.isdigit() and int(value) <= MAX_ID:
            return queryset.filter(Q(counselor_id=int(value)) | Q(counselor__username=value))
        return queryset.filter(counselor__username=value)

    def filter_follow_up_due(
        self, queryset: QuerySet[Consultation], name: str, value: bool
    ) -> QuerySet[Consultation]:
        # Called only with a value: django-filter skips a method filter left empty.
        due = selectors.consultation_follow_up_due(timezone.localdate())
        return queryset.filter(due) if value else queryset.exclude(due)


class ReferralFilter(django_filters.FilterSet):
    consultation = IdFilter(field_name="consultation", label=_("상담기록 id"))
    resource = IdFilter(field_name="resource", label=_("복지자원 id"))
    state = django_filters.ChoiceFilter(choices=Referral.State.choices, label=_("상태"))
    follow_up_due = StrictBooleanFilter(
        method="filter_follow_up_due",
        label=_("확인 예정일이 오늘이거나 지났고 그날부터 상태 변화가 없는 진행 중 의뢰"),
    )

    class Meta:
        model = Referral
        fields = ["consultation", "resource", "state", "follow_up_due"]

    def filter_follow_up_due(
        self, queryset: QuerySet[Referral], name: str, value: bool
    ) -> QuerySet[Referral]:
        # Called only with a value: django-filter skips a method filter left empty.
        due = selectors.referral_follow_up_due(timezone.localdate())
        return queryset.filter(due) if value else queryset.exclude(due)


class FollowUpAlertFilter(django_filters.FilterSet):
    as_of = django_filters.DateFilter(label=_("기준일 (없으면 가장 최근 날)"))
    kind = django_filters.ChoiceFilter(choices=FollowUpAlert.Kind.choices, label=_("유형"))

    class Meta:
        model = FollowUpAlert
        fields = ["as_of", "kind", "consultation", "referral"]
