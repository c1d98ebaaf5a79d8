"""The desks (the pages each role works from): where a login lands, which cards the home page
shows, and the header's links between a user's desks.

One list, so that these agree with each other and with the pages' own guards: a desk's roles
are those of the permission its views check (``config.api.role_required``), so a card or a
link is shown only where the page behind it answers 200, never a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from base.roles import (
    ADMINISTRATOR,
    CAREGIVER,
    COORDINATOR,
    COUNSELOR,
    MANAGER,
    ROLES,
    role_names,
)
from config.api import IsCoordinator
from consultations.desk_views import ReadsDesk
from consultations.rights.selectors import queue_counts


@dataclass(frozen=True)
class Desk:
    url_name: str
    label: Promise
    description: Promise | str
    # Who may open it: the roles of the permission its views check (a superuser holds every
    # role); or, with ``staff``, Django admin's own rule (an active staff user).
    roles: tuple[str, ...] = ()
    staff: bool = False
    # The role whose own desk this is (where that role lands after login); None for tools.
    owner: str | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def open_to(self, user: Any, held: set[str]) -> bool:
        if self.staff:
            return bool(user.is_active and user.is_staff)
        return bool(held.intersection(self.roles))


# In the home page's order. The tablet's pages only ask for a login, but they are the
# caregivers' (a coordinator would find an empty day there).
DESKS: tuple[Desk, ...] = (
    Desk(
        "tablet:home",
        gettext_lazy("돌봄 방문 (태블릿)"),
        gettext_lazy("긴급돌봄지원단원: 오늘의 대상자, 방문 기록, 오프라인 전송"),
        roles=(CAREGIVER,),
        owner=CAREGIVER,
    ),
    Desk(
        "coordinator:home",
        gettext_lazy("코디네이터 업무"),
        gettext_lazy("대상자 접수, 배정, 방문 확인, 예외, 미방문 알림"),
        roles=IsCoordinator.roles,
        owner=COORDINATOR,
    ),
    Desk(
        "consultations:home",
        gettext_lazy("돌봄종합정보상담"),
        gettext_lazy("상담 기록, 복지자원 검색과 의뢰, 추후 상담"),
        roles=ReadsDesk.roles,
        owner=COUNSELOR,
    ),
    Desk(
        "kpi:dashboard",
        gettext_lazy("성과관리"),
        gettext_lazy("목표 대비 실적, 월별 집계, 보고서 내려받기"),
        # kpi.api.IsManager's roles, written out: nothing imports kpi (docs/architecture.md).
        roles=(MANAGER, ADMINISTRATOR),
        owner=MANAGER,
    ),
    Desk(
        "admin:index",
        gettext_lazy("관리자 화면"),
        gettext_lazy("계정과 역할, 기준 정보, 접속기록"),
        staff=True,
        owner=ADMINISTRATOR,
    ),
    Desk(
        "audit:index",
        gettext_lazy("접속기록 점검"),
        gettext_lazy("달마다: 누가 몇 명의 정보를 봤는지, 업무 시간 외·배정 외 조회, 대량 출력"),
        roles=(ADMINISTRATOR,),
    ),
    Desk(
        "rights:list",
        gettext_lazy("정보주체 권리 요구"),
        gettext_lazy("열람·정정·삭제·처리정지 요구: 10일 처리 기한, 답변, 개인정보 내려받기"),
        roles=(ADMINISTRATOR,),
    ),
    # Open to any login, but it is for those who build on the API: the office roles.
    Desk(
        "api-docs",
        gettext_lazy("API 문서"),
        "/api/v1/",
        roles=(COORDINATOR, COUNSELOR, MANAGER, ADMINISTRATOR),
    ),
)
# Where a user with several roles lands: the first of their roles here, the widest first.
LANDING_ORDER = (ADMINISTRATOR, COORDINATOR, COUNSELOR, MANAGER, CAREGIVER)
HOME = ("/", gettext_lazy("처음 화면"))
LOGIN = ("/login/", gettext_lazy("로그인"))


def roles_held(user: Any) -> set[str]:
    """The user's roles (``base.roles.role_names``: one query per request); a superuser
    holds them all, as in ``base.roles.has_role``."""
    if user is None or not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(ROLES)
    return set(role_names(user))


def desks_open_to(user: Any) -> list[Desk]:
    if user is None or not user.is_authenticated:
        return []
    held = roles_held(user)
    return [desk for desk in DESKS if desk.open_to(user, held)]


def desk_for(user: Any) -> tuple[str, str]:
    """The address and name of the page a user works from: login for a visitor, the home page
    for a user without a role."""
    if user is None or not user.is_authenticated:
        return LOGIN[0], str(LOGIN[1])
    held = roles_held(user)
    own = [desk for role in LANDING_ORDER for desk in DESKS if desk.owner == role]
    open_ = [desk for desk in own if desk.open_to(user, held)]
    # Their own role's desk first; then any desk they may open (an administrator who is not
    # staff cannot use /admin/ but may use the coordinators' desk).
    desk = next((desk for desk in open_ if desk.owner in held), None) or next(iter(open_), None)
    if desk is None:
        return HOME[0], str(HOME[1])
    return desk.url, str(desk.label)


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """After login (LOGIN_REDIRECT_URL, when the login had no ``next``): the user's own desk."""
    return redirect(desk_for(request.user)[0])


class UserDesks:
    """The desks of the request's user, read from the database only when a page shows them."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def all(self) -> list[Desk]:
        return desks_open_to(getattr(self.request, "user", None))

    @cached_property
    def rights_queue(self) -> Any:
        """Open rights requests (and those overdue) for an administrator's home page, until
        each is answered; None for anyone else (no query)."""
        if ADMINISTRATOR not in roles_held(getattr(self.request, "user", None)):
            return None
        counts = queue_counts()
        return counts if counts.open else None

    @cached_property
    def switch(self) -> list[tuple[Desk, bool]]:
        """The header's links between desks (with the current one marked): only for a user
        with more than one role's desk; the tools (admin, API docs) stay on the home page."""
        own = [desk for desk in self.all if desk.owner and not desk.staff]
        if len(own) < 2:
            return []
        return [(desk, self.request.path.startswith(desk.url)) for desk in own]


def user_desks(request: HttpRequest) -> dict[str, UserDesks]:
    """Context processor: ``user_desks.all`` for the home page, ``user_desks.switch`` for the
    header."""
    return {"user_desks": UserDesks(request)}
