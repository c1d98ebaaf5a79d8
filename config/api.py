"""What every endpoint of /api/v1/ shares: pagination, the error format, role permissions."""

from __future__ import annotations

from functools import cached_property, partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Page, Paginator
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, permissions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from base.roles import has_role


class ErrorDetailSerializer(serializers.Serializer):
    """The body of a 401, 403 or 404 answer (DRF's, and config.errors' under /api/)."""

    detail = serializers.CharField(help_text=gettext_lazy("사람이 읽는 오류 설명"))


# The error answers every endpoint documents in the schema (their bodies are made by
# ``exception_handler`` below). config.schema.AutoSchema adds 401/403/404 wherever a view's
# authentication, permissions and lookup can give them; these constants serve views that name
# them explicitly.
ERRORS = OpenApiResponse(description=gettext_lazy('입력 오류: {"필드": ["메시지"]}'))
NOT_LOGGED_IN = OpenApiResponse(
    ErrorDetailSerializer,
    description=gettext_lazy("로그인하지 않았거나 토큰이 잘못됨 (WWW-Authenticate: Token)"),
)
NOT_ALLOWED = OpenApiResponse(
    ErrorDetailSerializer, description=gettext_lazy("이 역할에 허용되지 않음")
)
NOT_FOUND = OpenApiResponse(
    ErrorDetailSerializer, description=gettext_lazy("없거나 볼 수 없는 기록")
)


class StillReferencedSerializer(serializers.Serializer):
    """The body of a 409 answer to a delete of a record that other records point at."""

    detail = serializers.CharField(help_text=gettext_lazy("왜 지울 수 없는지"))
    referenced_by = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("이 기록을 가리키는 기록의 종류")
    )


STILL_REFERENCED = OpenApiResponse(
    StillReferencedSerializer,
    description=gettext_lazy("다른 기록이 가리키고 있어 지울 수 없음 (종결하세요)"),
)


class FirstPageCounts(Paginator):
    """Django's paginator, except that a first page reads its rows before the count: when
    it holds fewer than a page, those rows are all there are, and no ``COUNT(*)`` is sent.
    Most lists a caregiver reads (their recipients, their visits of a week) are one short
    page, and the count was one of their recipients list's six queries. A full first page is
    counted as before, and shown from the rows already read.

    ``count_from``: the queryset to count instead of the rows (see
    ``StandardPagination.paginate_rows``)."""

    def __init__(self, *args: Any, count_from: QuerySet | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_from = count_from

    @cached_property
    def count(self) -> int:
        if self.count_from is not None:
            return self.count_from.count()
        return Paginator.count.func(self)  # type: ignore[attr-defined]

    def page(self, number: Any) -> Page:
        try:
            first = int(number) == 1
        except (TypeError, ValueError):
            first = False
        if not first or self.orphans or not self.allow_empty_first_page:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            # What ``count`` (a cached property) would have found.
            self.__dict__["count"] = len(rows)
        return self._get_page(rows, 1, self)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds no filter set for a request without query
    parameters: its filters' deep copies and form cost a tenth of a tablet's list of
    recipients, to filter nothing. Every filter set of the API leaves a queryset as it is
    when given no data (``tests/config/test_api_filters.py`` holds each to that)."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        if not request.query_params:
            return queryset
        return super().filter_queryset(request, queryset, view)


class StandardPagination(PageNumberPagination):
    django_paginator_class = FirstPageCounts
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_rows(
        self, rows: QuerySet, *, counted: QuerySet, request: Request, view: Any = None
    ) -> list[Any] | None:
        """A page of ``rows``, the queryset ``counted`` read as plain rows with the names
        around it (``values("recipient__name", …)``), counted as ``counted``. Counting the
        rows themselves kept the joins their names need: the coordinators' count of 30,000
        waiting visits went from an index-only scan (4 ms) to three hash joins (32 ms). The
        joins follow required keys, so both counts are the same number."""
        self.django_paginator_class = partial(FirstPageCounts, count_from=counted)
        try:
            return self.paginate_queryset(rows, request, view=view)
        finally:
            del self.django_paginator_class


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn model validation raised by a service into DRF's 400 with field errors.

    Services call ``full_clean()`` and raise Django's ``ValidationError``; without this the
    API would answer those with a 500.
    """
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = exc.message_dict
            if "__all__" in detail:
                detail["non_field_errors"] = detail.pop("__all__")
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        return Response(_protected_body(exc), status=409)
    return drf_exception_handler(exc, context)


def _protected_body(exc: ProtectedError | RestrictedError) -> dict[str, Any]:
    """Why a delete was refused: the kinds of records that still point at the object.

    People and the records of care are closed, not deleted (their personal data leaves only
    through retention), so a delete of anything with history is a conflict, never a 500.
    """
    objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    kinds = sorted({str(obj._meta.verbose_name) for obj in objects})
    message = exc.args[0] if exc.args and not str(exc.args[0]).startswith("Cannot") else None
    detail = (
        str(message)
        if message
        else _(
            "다른 기록(%(kinds)s)이 이 기록을 가리키고 있어 지울 수 없습니다. "
            "지우지 말고 종결하거나 사용 안 함으로 바꾸세요."
        )
        % {"kinds": ", ".join(kinds)}
    )
    return {"detail": detail, "referenced_by": kinds}


class RoleModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, given to the role groups, including ``view`` for reads.

    Which rows a user reaches is decided separately in each view's ``get_queryset``; this
    class decides only whether the role may use the endpoint at all (a manager, for one,
    holds no view permission on personal registries).
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def _queryset(self, view: Any) -> Any:
        """The model the permissions are named after, from the view's class-level ``queryset``
        (every view here declares ``X.objects.none()``, for the schema).

        DRF's default calls ``view.get_queryset()``, which builds the user's rows (role
        lookups, subqueries of ``visible_to``) only to read ``.model`` from them, and the view
        then builds them again: a few milliseconds of CPU on every API request.
        ``tests/config/test_api_permissions_model.py`` holds every such view to the same model
        as its ``get_queryset``."""
        queryset = getattr(view, "queryset", None)
        return queryset if queryset is not None else super()._queryset(view)


def client_ip(request: Any) -> str | None:
    """The caller's address for the access log.

    REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a known proxy sets it, and
    the deployment's gunicorn sits behind no proxy in docker-compose.
    """
    return request.META.get("REMOTE_ADDR") or None


def lockout_response(request: Any, credentials: dict[str, Any] | None = None) -> HttpResponse:
    """django-axes' answer to a locked-out login: JSON on the API, a page elsewhere."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "로그인에 %(limit)d회 실패하여 %(minutes)d분 동안 잠겼습니다. "
        "잠시 뒤 다시 시도하거나 관리자에게 문의하세요."
    ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429, headers={"Retry-After": minutes * 60})
    return render(request, "lockout.html", {"message": message}, status=429)


class HasRole(permissions.BasePermission):
    """Allows users in any of ``roles`` (Django groups) and superusers."""

    roles: tuple[str, ...] = ()

    def has_permission(self, request: Any, view: Any) -> bool:
        return has_role(request.user, *self.roles)


class IsCoordinator(HasRole):
    roles = ("coordinator", "administrator")


class CanTakeIntake(HasRole):
    """Who may register a recipient (intake): coordinators, and counselors handing a person
    over from a consultation; the recipient then waits as "referred" for a coordinator."""

    roles = ("coordinator", "administrator", "counselor")


def role_required(permission: type[HasRole]) -> Any:
    """Guard a page with the same role rule as the API, so the pages and /api/v1/ can never
    disagree on who may: anonymous users are sent to log in, other roles get 403."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required
    from django.core.exceptions import PermissionDenied

    def decorate(view: Any) -> Any:
        @login_required
        @wraps(view)
        def guarded(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not permission().has_permission(request, view):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate
