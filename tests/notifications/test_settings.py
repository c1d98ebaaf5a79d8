"""The outbox's settings, read from the environment by config/settings.py, fail at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUR_VARIABLES = {
    "NOTIFICATION_GATEWAY",
    "SMS_GATEWAY_URL",
    "SMS_GATEWAY_KEY",
    "NOTIFICATION_MAX_ATTEMPTS",
}


def load_settings(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Import the real settings module in a fresh process with these variables."""
    env = {name: value for name, value in os.environ.items() if name not in OUR_VARIABLES}
    env.update(DEBUG="1", VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    env.update(variables)
    code = (
        "from django.conf import settings; "
        "print(settings.NOTIFICATION_GATEWAY, settings.NOTIFICATION_MAX_ATTEMPTS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_the_console_gateway_and_eight_attempts_are_the_defaults(tmp_path: Path) -> None:
    result = load_settings(tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["console", "8"]


def test_the_http_gateway_starts_with_a_url_and_a_key(tmp_path: Path) -> None:
    result = load_settings(
        tmp_path,
        NOTIFICATION_GATEWAY="http",
        SMS_GATEWAY_URL="https://sms.example/v1/messages",
        SMS_GATEWAY_KEY="secret",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "http"


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"NOTIFICATION_GATEWAY": "http"}, "SMS_GATEWAY_URL"),
        (
            {"NOTIFICATION_GATEWAY": "http", "SMS_GATEWAY_URL": "https://sms.example/v1"},
            "SMS_GATEWAY_KEY",
        ),
        (
            {"NOTIFICATION_GATEWAY": "http", "SMS_GATEWAY_KEY": "secret"},
            "SMS_GATEWAY_URL",
        ),
        (
            {
                "NOTIFICATION_GATEWAY": "http",
                "SMS_GATEWAY_URL": "ftp://sms.example",
                "SMS_GATEWAY_KEY": "secret",
            },
            "SMS_GATEWAY_URL",
        ),
        ({"NOTIFICATION_GATEWAY": "sms"}, "NOTIFICATION_GATEWAY"),
        ({"NOTIFICATION_MAX_ATTEMPTS": "0"}, "NOTIFICATION_MAX_ATTEMPTS"),
    ],
    ids=["http-without-url-or-key", "without-key", "without-url", "ftp-url", "unknown", "zero"],
)
def test_settings_refuse_to_start_with_an_incomplete_gateway_configuration(
    tmp_path: Path, variables: dict[str, str], named: str
) -> None:
    result = load_settings(tmp_path, **variables)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
