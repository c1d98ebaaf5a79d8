"""Desk sessions that end after ``SESSION_COOKIE_AGE`` idle seconds, written at most once a
``SESSION_REFRESH_SECONDS``.

Django's ``SESSION_SAVE_EVERY_REQUEST`` moves a session's end by writing its row on every
request: an ``UPDATE`` and a commit for each page and API read of a coordinator or a manager,
about a seventh of a kept report's cost. Here a request moves the end only when the end was
last moved at least ``SESSION_REFRESH_SECONDS`` ago (the row's ``expire_date``, read with the
session, says when), so a session idle since its last request ends ``SESSION_COOKIE_AGE -
SESSION_REFRESH_SECONDS`` to ``SESSION_COOKIE_AGE`` after it: 29 to 30 minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, remembering the loaded row's end (``SESSION_ENGINE``)."""

    expire_date: datetime | None = None

    def _get_session_from_db(self) -> Any:
        row = super()._get_session_from_db()
        self.expire_date = row.expire_date if row is not None else None
        return row


class IdleSessionMiddleware(SessionMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        session = getattr(request, "session", None)
        # Loads the session (every desk request has, to know its user). One the server no
        # longer has (ended, logged out) comes back empty and must not be written again.
        if session is not None and session.keys():
            end = getattr(session, "expire_date", None)
            moved_at = end - timedelta(seconds=settings.SESSION_COOKIE_AGE) if end else None
            if moved_at is None or timezone.now() - moved_at >= timedelta(
                seconds=settings.SESSION_REFRESH_SECONDS
            ):
                session.modified = True  # saved below, its end moved
        return super().process_response(request, response)
