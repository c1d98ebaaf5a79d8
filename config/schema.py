"""The OpenAPI schema of /api/v1/: the error answers every operation can give, from its view.

Declaring 401, 403 and 404 by hand on each view drifts (a new action forgets them, and a
generated client then has no type for the answer it gets). This schema class adds them from
what decides them at run time: the view's authentication and permission classes, and whether
the path names a record or the list is paginated. An explicit ``@extend_schema`` answer for the
same code wins.

It also declares read-only fields as the database can hold them. DRF gives a declared
read-only field (``reviewed_by = SlugRelatedField(read_only=True)``) neither ``allow_null``
nor ``allow_blank``, so the schema would promise a string where an unreviewed visit answers
null, or an enum where an open episode answers "" as its closure reason.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from rest_framework import permissions, serializers

from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, NOT_LOGGED_IN, STILL_REFERENCED

# Permission classes that never refuse a logged-in caller: they alone give no 403.
ANY_LOGGED_IN = (permissions.AllowAny, permissions.IsAuthenticated)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BLANKABLE_FORMATS = {"email", "uri"}
# A time of day as DRF writes and reads it ("09:00:00", "09:00:00.250000"): no offset, which
# JSON Schema's "time" format requires (RFC 3339 full-time), so a validator refused every one.
TIME_OF_DAY = {
    "type": "string",
    "format": "partial-time",
    "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
}


def stored_as(field: serializers.Field) -> tuple[bool, bool]:
    """Whether a read-only field's value can be null, and can be "", judged from the model
    fields its ``source`` walks through (null anywhere on the way gives null)."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or field.source == "*" or isinstance(field, serializers.ManyRelatedField):
        return False, False
    can_be_null = False
    model_field: Any = None
    for attr in field.source_attrs:
        if model is None:
            return can_be_null, False
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:  # a property or a method: its type says nothing here
            return can_be_null, False
        reverse_one = model_field.one_to_one and model_field.auto_created
        if model_field.concrete and model_field.null or reverse_one:
            can_be_null = True
        model = model_field.related_model if model_field.is_relation else None
    can_be_blank = bool(model_field.blank and model_field.empty_strings_allowed)
    return can_be_null, can_be_blank


class AutoSchema(openapi.AutoSchema):
    def _as_stored(self, field: Any) -> Any:
        """``field``, or a copy of it allowing the null and "" its model column can hold."""
        plain = isinstance(field, serializers.Field) and not isinstance(
            field, serializers.BaseSerializer
        )
        if not plain or not field.read_only or field.parent is None:
            return field
        can_be_null, can_be_blank = stored_as(field)
        widen_null = can_be_null and not field.allow_null
        widen_blank = (
            can_be_blank
            and isinstance(field, serializers.CharField | serializers.ChoiceField)
            and not field.allow_blank
        )
        if not (widen_null or widen_blank):
            return field
        field = copy.copy(field)
        field.allow_null = field.allow_null or can_be_null
        if widen_blank:
            field.allow_blank = True
        return field

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        mapped = super()._map_serializer_field(self._as_stored(field), direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and mapped.get("format") == "time":
            mapped = {**mapped, **TIME_OF_DAY}
        return mapped

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        if getattr(field, "allow_blank", False) and schema.get("format") in BLANKABLE_FORMATS:
            # "" is no e-mail address or URL: a field that may be empty is declared a plain
            # string (Organization.email and .website come back "" when unknown).
            del schema["format"]

    def _get_serializer_field_meta(self, field: Any, direction: Any) -> Any:
        return super()._get_serializer_field_meta(self._as_stored(field), direction)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, response in self._implied_errors().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return dict(sorted(responses.items()))

    def _implied_errors(self) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        checks = self.view.get_permissions()
        needs_login = not all(isinstance(check, permissions.AllowAny) for check in checks)
        if self.method in UNSAFE_METHODS and self._get_request_body() is not None:
            errors["400"] = ERRORS
        # A filter given a value it cannot take (an unknown code, a bad date) is a 400 as well.
        if self.method == "GET" and self._get_filter_parameters():
            errors["400"] = ERRORS
        if needs_login and self.view.get_authenticators():
            # Token authentication comes first in the settings: an anonymous caller or a bad
            # token is told 401 with ``WWW-Authenticate: Token``.
            errors["401"] = NOT_LOGGED_IN
        # A role check refuses other roles; on a write, session callers can also fail CSRF.
        role_checked = any(not isinstance(check, ANY_LOGGED_IN) for check in checks)
        if needs_login and (role_checked or self.method in UNSAFE_METHODS):
            errors["403"] = NOT_ALLOWED
        # A path parameter names a record that may not exist or not be visible to the caller;
        # a page number past the end of a paginated list is a 404 as well.
        paginated = self._is_list_view() and self._get_paginator() is not None
        if "{" in self.path or (self.method == "GET" and paginated):
            errors["404"] = NOT_FOUND
        # A record that others still point at is closed, not deleted (config.api's handler).
        if self.method == "DELETE":
            errors["409"] = STILL_REFERENCED
        return errors
