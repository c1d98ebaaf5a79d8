"""The Content-Security-Policy every response carries.

Scripts come only from this site's own files (no inline script, no event-handler attribute,
no eval): an injected ``<script>`` in a name or a note could not run even if escaping failed.
Inline *styles* are allowed: the pages and the SVG charts use style attributes, which cannot
run code. The tablet's service worker, the offline pages and the API docs (served from
static/, drf-spectacular-sidecar) fit within it; the browser tests fail on any violation.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


class ContentSecurityPolicy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and HEADER not in response:
            response[HEADER] = settings.CONTENT_SECURITY_POLICY
        return response
