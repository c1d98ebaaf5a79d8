"""HTTP caching of the residents' pages and the open data (DESIGN §8).

For an anonymous GET or HEAD answered 200 under ``/find/`` (but not ``/find/request/``, the
consultation request form, which carries a CSRF token and takes personal data) or under
``/hsds/``, the response gets ``Cache-Control: public, max-age=300``, an ``ETag`` (a hash of
its content) and ``Vary: Accept-Language, Cookie``; a request whose ``If-None-Match`` names
that ETag is answered 304 with no body. A browser or a proxy then serves repeated visits
itself for five minutes and revalidates cheaply after.

Never marked public: a signed-in person's responses, any other path, responses that set a
cookie, responses whose page used a CSRF token (``CSRF_COOKIE_USED``) or needs the CSRF
cookie sent (``CSRF_COOKIE_NEEDS_UPDATE``), responses a view already gave a
``Cache-Control`` of its own, and streaming responses (no content to hash).

It sits above the session, CSRF and locale middleware, so that it sees the cookies and the
``Vary`` they add to the response.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

MAX_AGE = 300
PUBLIC_PREFIXES = ("/find/", "/hsds/")
PRIVATE_PREFIXES = ("/find/request/",)


def is_public_path(path: str) -> bool:
    prefixes = getattr(settings, "PUBLIC_CACHE_PREFIXES", PUBLIC_PREFIXES)
    private = getattr(settings, "PUBLIC_CACHE_PRIVATE_PREFIXES", PRIVATE_PREFIXES)
    return path.startswith(tuple(prefixes)) and not path.startswith(tuple(private))


def cacheable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    if not is_public_path(request.path_info):
        return False
    if response.streaming or response.cookies or response.has_header("Cache-Control"):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class PublicCache:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not cacheable(request, response):
            return response
        assert isinstance(response, HttpResponse)  # not streaming: checked above
        patch_cache_control(response, public=True, max_age=MAX_AGE)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        if not response.has_header("ETag"):
            digest = hashlib.sha256(response.content).hexdigest()[:32]
            response["ETag"] = f'"{digest}"'
        # 304 when If-None-Match names this ETag (and 412 for a failed If-Match), with the
        # headers a cache needs to refresh its copy.
        return get_conditional_response(request, etag=response["ETag"], response=response)
