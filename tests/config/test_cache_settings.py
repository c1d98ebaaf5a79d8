"""The cache in deployment (``CACHE_URL``): a Redis that does not answer costs seconds, not
a hung page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_cache_that_does_not_answer_is_given_up_on_within_seconds(tmp_path: Path) -> None:
    # given: a port that accepts connections and never answers (a hung Redis)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(
            DEBUG="1",
            VAR_DIR=str(tmp_path),
            DJANGO_SETTINGS_MODULE="config.settings",
            CACHE_URL=f"redis://127.0.0.1:{port}/0",
        )
        code = (
            "import django; django.setup()\n"
            "from django.core.cache import cache\n"
            "try:\n    cache.get('x')\nexcept Exception as error:\n"
            "    print(type(error).__name__)\n"
        )

        # when
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        spent = time.monotonic() - started

    # then: the read fails with a timeout after the socket timeout, not the client's default
    assert result.returncode == 0, result.stderr
    assert "TimeoutError" in result.stdout
    assert spent < 15
