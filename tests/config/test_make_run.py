"""`make run`'s processes (the Procfile, run by honcho) start, answer and stop once on Ctrl-C;
the embedded filesystem broker keeps everything it writes under VAR_DIR."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 120  # runserver's system checks on a busy 2-core machine
STOP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def local_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of `make run`: DEBUG, SQLite and the filesystem broker under VAR_DIR."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DEBUG="1",
        VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        **extra,
    )
    return env


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # an answer all the same
    except OSError:
        return False


def test_honcho_runs_the_procfile_and_stops_all_three_once_on_ctrl_c(tmp_path: Path) -> None:
    # given: the Procfile's web server, worker and beat on a free port, SQLite under tmp_path
    port = free_port()
    control_in_root_before = (ROOT / "control").exists()
    honcho = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-f", str(ROOT / "Procfile"), "-d", str(ROOT)],
        cwd=ROOT,
        env=local_env(tmp_path, PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(honcho.stdout or []), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not answers(f"http://127.0.0.1:{port}/login/"):
            assert honcho.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.5)
        while not any("worker.1" in line and "ready" in line for line in lines):
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.5)

        # when: Ctrl-C
        stopping = time.monotonic()
        honcho.send_signal(signal.SIGINT)
        returncode = honcho.wait(timeout=STOP_SECONDS)
        stopped_after = time.monotonic() - stopping
    finally:
        if honcho.poll() is None:
            honcho.kill()
            honcho.wait()
    reader.join(timeout=5)
    output = "".join(lines)

    # then
    assert returncode in {0, 130}, output
    assert stopped_after < STOP_SECONDS
    assert "SIGINT received" in output
    assert "RecursionError" not in output
    assert "Segmentation fault" not in output
    assert len([line for line in output.splitlines() if "shutdown" in line.lower()]) < 20
    assert f"127.0.0.1:{port}" in output
    # The broker's control folder went to VAR_DIR, not the working directory.
    assert any((tmp_path / "celery" / "control").iterdir())
    assert (ROOT / "control").exists() == control_in_root_before


def test_celery_inspect_with_the_embedded_broker_writes_no_control_folder_where_it_runs(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    var_dir = tmp_path / "var"
    env = local_env(var_dir, PYTHONPATH=str(ROOT))

    # `inspect ping` broadcasts on the control exchange; with no worker nobody replies.
    subprocess.run(
        [str(BIN / "celery"), "-A", "config", "inspect", "ping", "--timeout", "1"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        timeout=120,
    )

    assert not (elsewhere / "control").exists()
    assert any((var_dir / "celery" / "control").iterdir())
