"""Small stand-ins for the residents' pages and the open data, for the public cache's tests."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"<p>검색 결과: {request.GET.get('q', '')}</p>")


def with_form(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f'<form><input name="csrfmiddlewaretoken" value="{get_token(request)}">')


def with_cookie(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("<p>쿠키</p>")
    response.set_cookie("seen", "1")
    return response


def missing(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>없음</p>", status=404)


@never_cache
def own_policy(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>스스로 정함</p>")


def services(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"total_items": 0, "contents": []})


urlpatterns = [
    path("find/", page),
    path("find/form/", with_form),
    path("find/cookie/", with_cookie),
    path("find/missing/", missing),
    path("find/own/", own_policy),
    path("find/request/", page),
    path("hsds/services", services),
    path("elsewhere/", page),
]
