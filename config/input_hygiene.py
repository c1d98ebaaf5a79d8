"""Input that must never reach a view or the database, refused at the door in one place.

PostgreSQL cannot store a NUL character in text, and a NUL in a code or a lookup made the
query itself fail (a 500 from ``DataError``); Python's JSON decoder recurses once per level of
nesting, so a body of 100,000 ``[`` ended in ``RecursionError``. The API's JSON parser and the
middleware below refuse both before any view runs, naming the field (or the query parameter)
that carried it; a NUL in the path is a path that cannot exist (404).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from base.validators import normalise_text

NUL = "\x00"
# Deeper than any body the API takes (a sync batch is three levels), shallow enough that
# walking it never nears Python's recursion limit.
MAX_DEPTH = 32


def _nul_message() -> str:
    return _("NUL 문자(\\x00)는 입력할 수 없습니다.")


def _too_deep_message() -> str:
    return _("JSON이 너무 깊게 중첩되어 있습니다 (최대 %(depth)d단계).") % {"depth": MAX_DEPTH}


def _field_of(path: list[str | int]) -> str:
    """The error key of a value at ``path``: its top-level field, as serializers name it."""
    if path and isinstance(path[0], str):
        return path[0]
    return "non_field_errors"


def _cleaned(value: Any, path: list[str | int]) -> Any:
    """The body with every string normalised (NFC, no invisible characters); a 400 naming the
    field of the first NUL character or of nesting past the limit."""
    if len(path) > MAX_DEPTH:
        raise exceptions.ValidationError({_field_of(path): [_too_deep_message()]})
    if isinstance(value, str):
        if NUL in value:
            raise exceptions.ValidationError({_field_of(path): [_nul_message()]})
        return normalise_text(value)
    if isinstance(value, dict):
        if any(NUL in key for key in value):
            raise exceptions.ValidationError({"non_field_errors": [_nul_message()]})
        return {key: _cleaned(child, [*path, key]) for key, child in value.items()}
    if isinstance(value, list):
        return [_cleaned(child, [*path, index]) for index, child in enumerate(value)]
    return value


class JSONBodyParser(JSONParser):
    """DRF's JSON parser, refusing NUL characters and nesting deeper than ``MAX_DEPTH``."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            decoded = codecs.getreader(encoding)(stream)
            data = json.load(decoded, parse_constant=self._refuse_constant)
        except RecursionError as exc:
            raise exceptions.ParseError(_too_deep_message()) from exc
        except ValueError as exc:
            message = _("JSON 형식이 잘못되었습니다: %(error)s") % {"error": exc}
            raise exceptions.ParseError(message) from exc
        return _cleaned(data, [])

    @staticmethod
    def _refuse_constant(name: str) -> Any:
        # NaN and Infinity are not JSON, and no field of ours takes them.
        raise ValueError(_("%(name)s 값은 JSON에서 쓸 수 없습니다.") % {"name": name})


class CleanInput:
    """A NUL character in the path is a 404; in the query string, a 400 naming the parameter.
    The query string (search terms) and the desks' form posts are normalised like the API's
    bodies: NFC, without invisible characters."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info:
            raise Http404(_("없는 주소입니다."))
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in value for value in values):
                name = key.replace(NUL, "") or "non_field_errors"
                body = {name: [_nul_message()]}
                if request.path_info.startswith("/api/"):
                    return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
                return HttpResponse(_nul_message(), status=400, content_type="text/plain")
        request.GET = _normalised(request.GET)
        is_form = request.method == "POST" and request.content_type in FORM_TYPES
        if is_form and not request.path_info.startswith("/api/"):
            request.POST = _normalised(request.POST)
        return self.get_response(request)


# The desks' forms. The API reads its bodies itself (JSON, through the parser above); reading
# them here would consume the stream before DRF could.
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _normalised(data: QueryDict) -> QueryDict:
    if all(normalise_text(value) == value for _key, values in data.lists() for value in values):
        return data
    copy = QueryDict(mutable=True)
    for key, values in data.lists():
        copy.setlist(normalise_text(key), [normalise_text(value) for value in values])
    copy._mutable = False
    return copy
