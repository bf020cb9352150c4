"""Real Celery processes: a worker and beat started as ``make run`` starts them.

Beat sends the heartbeat task every second through the broker (the embedded filesystem
broker, or Redis); a separate worker process runs it and records the time in the cache.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

from config.tasks import HEARTBEAT_CACHE_KEY

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own executable and arguments
        [CELERY, "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.celery_worker
@pytest.mark.parametrize("broker", ["filesystem", pytest.param("redis", marks=pytest.mark.redis)])
def test_beat_and_a_worker_process_run_the_heartbeat(tmp_path, broker):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        CROSSDOCK_VAR_DIR=str(tmp_path),
        CROSSDOCK_HEARTBEAT_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    if broker == "redis":
        redis_url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/14"
        env["REDIS_URL"] = redis_url
        cache = RedisCache(redis_url, {})
        cache.delete(HEARTBEAT_CACHE_KEY)
    else:
        cache = FileBasedCache(str(tmp_path / "cache"), {})

    worker = _start(
        ["worker", "--loglevel=INFO", "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env,
        tmp_path / "worker.log",
    )
    beat = _start(
        ["beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")], env, tmp_path / "beat.log"
    )
    try:
        deadline = time.monotonic() + 60
        beats: set[str] = set()
        while time.monotonic() < deadline and len(beats) < 2:
            value = cache.get(HEARTBEAT_CACHE_KEY)
            if value:
                beats.add(value)
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert beat.poll() is None, (tmp_path / "beat.log").read_text()
            time.sleep(0.3)
    finally:
        _stop(beat)
        _stop(worker)
    assert len(beats) >= 2, (
        f"no repeated heartbeat within 60 s\nworker:\n{(tmp_path / 'worker.log').read_text()[-3000:]}"
        f"\nbeat:\n{(tmp_path / 'beat.log').read_text()[-3000:]}"
    )
    assert "Task config.tasks.heartbeat" in (tmp_path / "worker.log").read_text()
