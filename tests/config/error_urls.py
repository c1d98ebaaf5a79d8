"""The site's URLs plus two that fail, for the 500 page's tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler403, handler404, handler500
from config.urls import urlpatterns as site_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    path("fails/", fail),
    path("api/v1/fails/", fail),
    *site_urlpatterns,
]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
