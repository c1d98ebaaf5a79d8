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
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from base.sql import connection_of, converted, table


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


def token_with_user(key: str) -> Token | None:
    """``Token.objects.select_related("user").get(key=key)``, or None, as one fixed SQL text:
    every request of a tablet asks it, and the ORM built and compiled the same join each
    time (a tenth of a caregiver's recipients list)."""
    User = get_user_model()
    pk = connection_of(User).ops.quote_name(User._meta.pk.column)
    found = list(
        User.objects.raw(
            f"SELECT u.*, t.created AS token_created FROM {table(User)} u "  # noqa: S608
            f"JOIN {table(Token)} t ON t.user_id = u.{pk} WHERE t.key = %s",
            [key],
        )
    )
    if not found:
        return None
    [user] = found
    created = converted(Token, "created", user.__dict__.pop("token_created"))
    token = Token(key=key, user=user, created=created)
    token._state.adding = False
    token._state.db = user._state.db
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token past its lifetime (401)."""

    def authenticate_credentials(self, key: str) -> tuple[AbstractBaseUser, Token]:
        token = token_with_user(key)
        if token is None or not token.user.is_active:
            # DRF's own refusal, with its own (translated) message.
            super().authenticate_credentials(key)
            raise exceptions.AuthenticationFailed()  # the token changed meanwhile
        if token_is_expired(token):
            raise exceptions.AuthenticationFailed(
                _("토큰이 만료되었습니다. 다시 로그인해 새 토큰을 받으세요.")
            )
        return token.user, token
