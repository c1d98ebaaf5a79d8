"""The residents' finder (/find/): no login, plain GET forms and links (it works without
JavaScript), Korean first. Only public resources (``WelfareResource.objects.public()``) and
never a person's data; no CSRF token on any page, so that they can be cached and shared.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consultations.finder import selectors
from consultations.finder.forms import HelpForm, SearchForm
from consultations.models import ResourceCategory, WelfareResource
from consultations.resources import search_page
from consultations.usage.services import resource_view_record, search_record

PER_PAGE = 20
# Far past any page a resident turns to (the count stops at 1,000), and small enough that the
# OFFSET it makes always fits the database's integer.
MAX_PAGE = 1000


def _page_number(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def _query_without_page(request: HttpRequest) -> str:
    """The request's query string without ``page``, for the paging links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _paging(request: HttpRequest, number: int, has_previous: bool, has_next: bool) -> dict:
    return {
        "number": number,
        "previous": number - 1 if has_previous else None,
        "next": number + 1 if has_next else None,
        "query": _query_without_page(request),
    }


def count_label(count: int, capped: bool) -> str:
    if capped:
        return _("%(count)s건 이상") % {"count": f"{count:,}"}
    return _("%(count)s건") % {"count": f"{count:,}"}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The search box and filters; with a word or a filter, one page of results."""
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {
        "form": form,
        "nav": "search",
        "searched": False,
        "filters_open": not form.is_search() or form.has_filters() or bool(form.errors),
    }
    if not form.is_search():
        return render(request, "find/home.html", context)
    if not form.is_valid():
        return render(request, "find/home.html", context, status=400)
    data = form.cleaned_data
    resources = selectors.finder_filter(
        selectors.public_resources(),
        region=data["region"],
        target_group=data["group"],
        category=data["category"],
        age=data["age"],
        cost=data["cost"],
    )
    number = _page_number(request)
    page = search_page(
        resources, data["q"], page=number, per_page=PER_PAGE, cache_key=form.cache_key()
    )
    # One search counted once: turning its pages is not another search.
    if number == 1:
        search_record(data["q"], found=page.count)
    context |= {
        "searched": True,
        "page": page,
        "count_label": count_label(page.count, page.count_capped),
        "paging": _paging(request, page.page, page.has_previous, page.has_next),
    }
    return render(request, "find/home.html", context)


@require_GET
def resource(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        found = selectors.resource_detail(pk)
    except WelfareResource.DoesNotExist:
        raise Http404(_("공개된 복지자원이 아닙니다.")) from None
    resource_view_record(found.pk)
    return render(request, "find/resource.html", {"resource": found, "nav": "search"})


@require_GET
def categories(request: HttpRequest) -> HttpResponse:
    context = {"categories": selectors.category_counts(), "nav": "categories"}
    return render(request, "find/categories.html", context)


@require_GET
def category(request: HttpRequest, code: str) -> HttpResponse:
    """One category's public resources (its sub-categories' included), paged."""
    found = ResourceCategory.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise Http404(_("없는 분야입니다."))
    resources = selectors.finder_filter(selectors.public_resources(), category=found)
    page = search_page(
        resources,
        "",
        page=_page_number(request),
        per_page=PER_PAGE,
        cache_key=selectors.finder_cache_key(category=found),
    )
    children = ResourceCategory.objects.filter(parent=found, is_active=True)
    context = {
        "category": found,
        "children": children,
        "page": page,
        "count_label": count_label(page.count, page.count_capped),
        "paging": _paging(request, page.page, page.has_previous, page.has_next),
        "nav": "categories",
    }
    return render(request, "find/category.html", context)


@require_GET
def help_questions(request: HttpRequest) -> HttpResponse:
    """The questionnaire; once answered (``region`` sent), the resources that fit, ranked,
    each with why."""
    answered = "region" in request.GET
    form = HelpForm(request.GET if answered else None)
    context: dict[str, Any] = {"form": form, "nav": "help"}
    if not answered:
        return render(request, "find/help.html", context)
    if not form.is_valid():
        return render(request, "find/help.html", context, status=400)
    answers = form.answers()
    paginator = Paginator(selectors.help_matches(answers), PER_PAGE)
    page = paginator.get_page(_page_number(request))
    context |= {
        "answers": answers,
        "page": page,
        "recommendations": [selectors.help_reasons(item, answers) for item in page],
        "count_label": count_label(paginator.count, False),
        "paging": _paging(request, page.number, page.has_previous(), page.has_next()),
    }
    return render(request, "find/help_results.html", context)


@require_GET
def language(request: HttpRequest) -> HttpResponse:
    """Switch the site's language by a GET form (the public pages carry no CSRF token): set
    the language cookie for a language the site has, and go back to ``next`` when it is a
    page of this site."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("finder:home")
    response = HttpResponseRedirect(next_url)
    code = request.GET.get("language", "")
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
