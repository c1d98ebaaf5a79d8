"""Reference data as the API shows it, and the ``code`` field every app writes it with."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from base.validators import validate_recorded_instant


class ReferenceDataSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=_("고유 코드"))
    name = serializers.CharField(read_only=True, help_text=_("한국어 이름"))
    name_en = serializers.CharField(read_only=True, help_text=_("영문 이름"))


class ProgramSerializer(ReferenceDataSerializer):
    indicator_code = serializers.CharField(read_only=True, help_text=_("성과지표 코드 (예: 4-1)"))


def code_field(queryset: object, **kwargs: object) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=queryset, **kwargs)


class ChoiceLabelField(serializers.CharField):
    """The label of a choice (what ``get_<field>_display()`` gives), from the value of the field
    named by ``source`` and the choices' mapping. ``source="get_kind_display"`` would do the
    same, but DRF inspects the signature of that method for every object it renders."""

    def __init__(self, choices: Iterable[tuple[Any, Any]], **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self.labels = dict(choices)

    def to_representation(self, value: Any) -> str:
        return str(self.labels.get(value, value))


class RecordedAtField(serializers.DateTimeField):
    """The time of a recorded event (a visit, a consultation): from 2000 to now plus a few
    minutes of a tablet's clock skew (``base.validators.validate_recorded_instant``).

    A naive time at the calendar's very edge (year 1 in Seoul has no UTC value) is a 400 here,
    where DRF's own field raises OverflowError, a 500.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_recorded_instant)

    def to_internal_value(self, value: object) -> object:
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("overflow")
