from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from care.audit import selectors, services
from care.audit.forms import ReviewForm
from config.api import HasRole, client_ip, role_required


class IsAdministrator(HasRole):
    roles = ("administrator",)


administrator_required = role_required(IsAdministrator)


def _last_month() -> tuple[int, int]:
    today = timezone.localdate()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


@administrator_required
def review_index(request: HttpRequest) -> HttpResponse:
    """The month to review now: the last finished one."""
    year, month = _last_month()
    return _review(request, year, month)


@administrator_required
def review_month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    return _review(request, year, month)


def _review(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.access_review_mark(
                actor=request.user, year=year, month=month, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("점검 완료로 표시했습니다."))
            return redirect("audit:month", year=year, month=month)
    services.access_review_logged_view(
        actor=request.user,
        year=year,
        month=month,
        source_ip=client_ip(request),
        path=request.path,
    )
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return render(
        request,
        "care/audit/month.html",
        {
            "report": selectors.month_report(year, month),
            "form": form,
            "previous": previous,
            "following": following,
            "reviews": selectors.reviews()[:12],
            "work_starts": selectors.WORK_STARTS,
            "work_ends": selectors.WORK_ENDS,
            "bulk_people": selectors.BULK_PEOPLE,
        },
        status=400 if request.method == "POST" else 200,
    )
