"""`manage.py` commands run their system checks quietly on the SQLite default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
