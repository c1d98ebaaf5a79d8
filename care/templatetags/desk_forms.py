"""The error summary at the top of the desk's long forms: every error of a form, each linking
to its field, so that a coordinator who sent a long intake sees at once what to fix."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BaseForm

register = template.Library()


@register.inclusion_tag("coordinator/_error_summary.html")
def error_summary(form: BaseForm | None) -> dict[str, Any]:
    """``(anchor, label, message)`` per error, the form's own errors first, then the fields in
    the form's order. The anchor is the field's control, or for a group of checkboxes or
    radio buttons the element that holds them; hidden fields and form errors link nowhere."""
    if form is None or not form.is_bound or not form.errors:
        return {"errors": []}
    errors: list[tuple[str, str, str]] = [
        ("", "", str(message)) for message in form.non_field_errors()
    ]
    for field in form:
        anchor = "" if field.is_hidden else (field.id_for_label or field.auto_id or "")
        errors.extend((anchor, str(field.label), str(message)) for message in field.errors)
    return {"errors": errors}
