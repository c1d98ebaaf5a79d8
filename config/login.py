"""Logging in: the password, then the second factor, and only then ``login()``.

- Administrators, coordinators, counselors and staff (``base.twofactor.needs_two_factor``)
  type a code from their authenticator app or a recovery code after the password; without a
  confirmed app they are sent to enrol one (QR code, first code, recovery codes shown once)
  before any desk. The admin's and the browsable API's login pages are this one.
- Caregivers (``needs_enrolled_device``) are let in only from a tablet a coordinator enrolled:
  the browser must hold the tablet's credential cookie (``base.devices``).

A wrong code counts as a failed login for django-axes (five lock the account for 30 minutes),
and django-otp slows each device down after failures as well.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, user_login_failed
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from base.devices.services import tablet_for_credential, tablet_seen
from base.tokens import token_revoke
from base.twofactor import services as twofactor

PENDING = "login_pending"
RECOVERY_CODES = "login_recovery_codes"


def second_factor_failed(request: HttpRequest, username: str) -> bool:
    """Count a wrong code (or a refused device) as a failed login; True if now locked out."""
    credentials = {settings.AXES_USERNAME_FORM_FIELD: username}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return AxesProxyHandler.is_locked(request, credentials)


def _locked(request: HttpRequest, username: str) -> HttpResponse | None:
    credentials = {settings.AXES_USERNAME_FORM_FIELD: username}
    if AxesProxyHandler.is_locked(request, credentials):
        request.session.pop(PENDING, None)
        return get_lockout_response(request, credentials)
    return None


def device_cookie_set(response: HttpResponseBase, request: HttpRequest, credential: str) -> None:
    """The tablet's credential: long-lived, never readable by scripts, Secure under HTTPS.
    Logging out leaves it (and the outbox in IndexedDB) where it is."""
    response.set_cookie(
        settings.DEVICE_COOKIE_NAME,
        credential,
        max_age=settings.DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",
    )


def device_credential(request: HttpRequest) -> str | None:
    return request.COOKIES.get(settings.DEVICE_COOKIE_NAME)


class LoginView(auth_views.LoginView):
    """The password step (also at /admin/login/ and /api-auth/login/)."""

    template_name = "registration/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if twofactor.needs_two_factor(user):
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "at": timezone.now().timestamp(),
            }
            if twofactor.confirmed_app_device(user) is None:
                return redirect("login-enrol")
            return redirect("login-code")
        if twofactor.needs_enrolled_device(user):
            credential = device_credential(self.request)
            tablet = tablet_for_credential(credential)
            if tablet is None:
                context = self.get_context_data(form=form, device_refused=True)
                return self.render_to_response(context, status=403)
            tablet_seen(tablet)
            response = super().form_valid(form)
            device_cookie_set(response, self.request, credential or "")
            return response
        return super().form_valid(form)


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    pending = request.session.get(PENDING)
    if not pending:
        return None
    age = timezone.now().timestamp() - float(pending.get("at", 0))
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or age > settings.LOGIN_CODE_MINUTES * 60:
        request.session.pop(PENDING, None)
        return None
    return user, pending


def _complete(request: HttpRequest, user: Any, pending: dict[str, Any], device: Any) -> None:
    request.session.pop(PENDING, None)
    # django-otp records the device in the session from this attribute (user_logged_in).
    user.otp_device = device
    auth_login(request, user, backend=pending["backend"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("인증 코드"),
        max_length=20,
        help_text=_("인증 앱의 6자리 코드, 또는 복구 코드 하나"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}
        ),
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: the authenticator's code or one recovery code."""
    found = _pending_user(request)
    if found is None:
        return redirect(settings.LOGIN_URL)
    user, pending = found
    if twofactor.confirmed_app_device(user) is None:
        return redirect("login-enrol")
    if locked := _locked(request, user.get_username()):
        return locked
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.second_factor_verify(user, form.cleaned_data["code"])
        if device is not None:
            _complete(request, user, pending, device)
            return redirect(pending["next"])
        if second_factor_failed(request, user.get_username()):
            return _locked(request, user.get_username())  # type: ignore[return-value]
        form.add_error("code", _("코드가 맞지 않습니다. 앱에 보이는 지금의 코드를 입력하세요."))
    return render(request, "registration/login_code.html", {"form": form})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_enrol(request: HttpRequest) -> HttpResponse:
    """First login of a two-factor role: set up the authenticator app, then the recovery codes."""
    found = _pending_user(request)
    if found is None:
        return redirect(settings.LOGIN_URL)
    user, pending = found
    # Only a user with no app yet: with a confirmed one, a password alone must not enrol another.
    if twofactor.confirmed_app_device(user) is not None:
        return redirect("login-code")
    if locked := _locked(request, user.get_username()):
        return locked
    device = twofactor.app_device_pending(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.app_device_confirm(device, form.cleaned_data["code"])
        if codes is not None:
            _complete(request, user, pending, device)
            request.session[RECOVERY_CODES] = {"codes": codes, "next": pending["next"]}
            return redirect("account-recovery-codes")
        if second_factor_failed(request, user.get_username()):
            return _locked(request, user.get_username())  # type: ignore[return-value]
        form.add_error(
            "code", _("코드가 맞지 않습니다. 앱에 새로 추가한 계정의 코드를 입력하세요.")
        )
    context = {
        "form": form,
        "qr_svg": twofactor.qr_svg(device.config_url),
        "secret": twofactor.manual_secret(device),
        "issuer": settings.OTP_TOTP_ISSUER,
        "username": user.get_username(),
    }
    return render(request, "registration/login_enrol.html", context)


@login_required
@never_cache
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once after enrolment; a POST replaces them with new ones."""
    if not twofactor.needs_two_factor(request.user):
        return redirect("desk")
    shown = request.session.pop(RECOVERY_CODES, None)
    if request.method == "POST":
        shown = {"codes": twofactor.recovery_codes_issue(request.user), "next": reverse("desk")}
    return render(
        request,
        "registration/recovery_codes.html",
        {"codes": (shown or {}).get("codes"), "next": (shown or {}).get("next", reverse("desk"))},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Any user changes their own password: this session stays (Django updates its hash),
    every other session of the user ends with the old hash, and their API token is revoked."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("desk")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        token_revoke(form.user)
        messages.success(
            self.request,
            _("비밀번호를 바꿨습니다. 다른 기기의 로그인과 API 토큰은 모두 끝났습니다."),
        )
        return response
