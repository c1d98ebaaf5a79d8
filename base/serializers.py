"""Reference data as the API shows it, and the ``code`` field every app writes it with."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


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
