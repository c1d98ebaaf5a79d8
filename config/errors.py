"""The error pages (403, 404, 500): in Korean (English with the language switch), in the site's
layout, with a link back to the user's own desk; under /api/ the answer stays JSON."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# desk_for is looked up here at each call (tests replace it to make the database fail).
from config.desks import HOME, desk_for

logger = logging.getLogger(__name__)


def _is_api(request: HttpRequest) -> bool:
    # /hsds/ is the open-data API (consultations/hsds): its clients read JSON too.
    return request.path.startswith(("/api/", "/hsds/"))


def _links(user: Any) -> dict[str, Any]:
    desk_url, desk_name = desk_for(user)
    return {
        "desk_url": desk_url,
        "desk_name": desk_name,
        "home_url": HOME[0],
        "signed_in": bool(user is not None and user.is_authenticated),
    }


def _page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    context = _links(getattr(request, "user", None))
    return render(request, template, context, status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("이 작업을 할 권한이 없습니다.")}, status=403)
    return _page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("찾을 수 없습니다.")}, status=404)
    return _page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: rendered without the request's context processors, which may be what failed.

    The desk needs the user's groups from the database; if that fails too (a database that
    is down is a common cause of a 500), the page links to the home page instead.
    """
    if _is_api(request):
        return JsonResponse({"detail": _("서버 오류가 발생했습니다.")}, status=500)
    try:
        context = _links(getattr(request, "user", None))
    except Exception:  # any failure here must not hide the error page
        logger.warning("500 page: the user's desk could not be read", exc_info=True)
        context = {"desk_url": HOME[0], "desk_name": str(HOME[1]), "home_url": HOME[0]}
        context["signed_in"] = True  # "back to" the home page rather than "log in"
    context["LANGUAGE_CODE"] = get_language() or "ko"
    return HttpResponse(loader.get_template("500.html").render(context), status=500)
