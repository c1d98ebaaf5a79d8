"""The tablet's idle time reaches its pages as data (the CSP allows no inline script), and the
script that clears the stored copies is kept for offline use like the others."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_every_tablet_page_carries_the_idle_time_and_the_login_it_belongs_to(
    caregiver: Any, settings: Any
) -> None:
    settings.TABLET_IDLE_CLEAR_MINUTES = 7
    client = Client()
    client.force_login(caregiver)
    caregiver.refresh_from_db()

    for path in (
        "/tablet/",
        "/tablet/visits/",
        f"/tablet/visit/{caregiver.assigned_recipient.pk}/",
    ):
        page = client.get(path).content.decode()
        marker = re.search(r'<div id="tablet-privacy"[^>]*>', page)
        assert marker, path
        assert 'data-idle-clear-minutes="7"' in marker.group(0)
        assert f'data-login-at="{caregiver.last_login.isoformat()}"' in marker.group(0)


def test_the_service_worker_keeps_the_clearing_script_for_offline_pages(client: Client) -> None:
    worker = client.get("/tablet/sw.js").content.decode()

    assert "tablet/privacy.js" in worker


def settings_in_a_fresh_process(tmp_path: Path, value: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBUG": "1", "VAR_DIR": str(tmp_path)}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", TABLET_IDLE_CLEAR_MINUTES=value)
    code = "from django.conf import settings; print(settings.TABLET_IDLE_CLEAR_MINUTES)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_the_idle_time_comes_from_the_environment_and_below_one_minute_is_refused(
    tmp_path: Path,
) -> None:
    assert settings_in_a_fresh_process(tmp_path, "").stdout.strip() == "30"
    assert settings_in_a_fresh_process(tmp_path, "10").stdout.strip() == "10"
    refused = settings_in_a_fresh_process(tmp_path, "0")
    assert refused.returncode != 0
    assert "TABLET_IDLE_CLEAR_MINUTES" in refused.stderr
