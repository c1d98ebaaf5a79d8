"""API tokens that expire and can be revoked.

A person's token lives ``API_TOKEN_HOURS`` (12 h: one working day on a tablet); the named
integration accounts of ``API_INTEGRATION_USERS`` (a data feed, the institute's goal system)
get ``API_INTEGRATION_TOKEN_DAYS``. A token is DRF's ``Token`` (one per user): its ``created``
is when it was issued, so its expiry needs no column of its own. An expired token is refused
and replaced at the next login; revoking deletes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_lifetime(user: AbstractBaseUser) -> timedelta:
    if user.get_username() in settings.API_INTEGRATION_USERS:
        return timedelta(days=settings.API_INTEGRATION_TOKEN_DAYS)
    return timedelta(hours=settings.API_TOKEN_HOURS)


def token_expires_at(token: Token) -> datetime:
    return token.created + token_lifetime(token.user)


def token_is_expired(token: Token, now: datetime | None = None) -> bool:
    return token_expires_at(token) <= (now or timezone.now())


@transaction.atomic
def token_issue(user: AbstractBaseUser) -> Token:
    """The user's current token, or a new one when there is none or it has expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_is_expired(token):
        return token
    if token is not None:
        token.delete()
    return Token.objects.create(user=user)


def token_revoke(user: AbstractBaseUser) -> bool:
    """Delete the user's token; True if there was one."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return bool(deleted)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token past its lifetime (401)."""

    def authenticate_credentials(self, key: str) -> tuple[AbstractBaseUser, Token]:
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            raise exceptions.AuthenticationFailed(
                _("토큰이 만료되었습니다. 다시 로그인해 새 토큰을 받으세요.")
            )
        return user, token
