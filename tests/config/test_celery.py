"""The Celery app: its configuration, and a task run by a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app, health_check

ROOT = Path(__file__).resolve().parents[2]


def test_celery_app_reads_its_configuration_from_django_settings() -> None:
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.timezone == "Asia/Seoul"
    assert app.conf.task_acks_late is True


def test_a_worker_that_loses_the_broker_stops_its_unacknowledged_tasks() -> None:
    # They are redelivered to another worker: left running, each would run twice at once.
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert app.conf.broker_connection_retry_on_startup is True


def test_celery_uses_an_embedded_filesystem_broker_when_redis_url_is_unset(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DEBUG="1", VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    code = "from config.celery import app; print(app.conf.broker_url, app.conf.result_backend)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "filesystem://"
    assert out[1] == f"file://{tmp_path}/celery/results"


def test_settings_refuse_a_redis_url_that_is_not_redis(tmp_path: Path) -> None:
    env = dict(os.environ, DEBUG="1", VAR_DIR=str(tmp_path), REDIS_URL="http://example")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.CELERY_BROKER_URL"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_health_check_task_runs_on_a_real_worker_against_redis(redis_worker: None) -> None:
    result = health_check.delay()
    assert result.get(timeout=30)["database"] == connection.vendor
