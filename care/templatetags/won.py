"""``{{ amount|won }}``: whole won with thousands separators (1,250,000)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def won(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
