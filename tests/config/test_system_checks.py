"""`manage.py` commands run their system checks quietly on the SQLite default."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]


def test_check_on_sqlite_prints_no_w047(tmp_path: Path) -> None:
    """FollowUpAlert's once-a-day rule used nulls_distinct=False, which SQLite ignores."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DEBUG="1", VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    code = (
        "import django; django.setup(); "
        "from django.core.management import call_command; "
        "from django.db import connection; print(connection.vendor); "
        "call_command('check', databases=['default'])"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("sqlite")
    assert "W047" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_deploy_check_with_production_settings_reports_no_warning(tmp_path: Path) -> None:
    """Issue 10, item 7: HSTS and the HTTPS redirect are on by default when DEBUG is off."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="care.example.org",
        VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="config.settings",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000)
def test_plain_http_is_redirected_and_https_answers_carry_hsts(client: Client) -> None:
    redirected = client.get("/login/")
    served = client.get("/login/", secure=True)

    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")
    assert served.status_code == 200
    assert served["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/login/", "/api/v1/regions/", "/static/site/confirm.js"])
def test_every_answer_carries_the_content_security_policy(client: Client, path: str) -> None:
    response = client.get(path)

    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
