"""The running application for the browser tests: real processes on a fresh database.

``Stack`` migrates and seeds a database of its own, then starts the web server
(``manage.py runserver``), a Celery worker and Celery beat, each in its own process group, with
an accelerated clock so that parcels move in seconds. With nothing set it runs on SQLite and
the filesystem broker in a temporary folder; with ``DATABASE_URL`` / ``REDIS_URL`` (as in CI) it
uses those servers, with a database (``crossdock_e2e``) and a Redis database (13) of its own,
created or emptied first and dropped or emptied at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CELERY = str(Path(sys.executable).with_name("celery"))

E2E_DATABASE = os.environ.get("CROSSDOCK_E2E_DATABASE", "crossdock_e2e")
E2E_REDIS_DB = os.environ.get("CROSSDOCK_E2E_REDIS_DB", "13")

# The demo, compressed: 1 real second is about 11 simulated hours, so a parcel that takes twelve
# days arrives in under half a minute; beat moves shipments and releases orders every second.
ACCELERATED = {
    "CROSSDOCK_CLOCK_SPEED": "40000",
    "CROSSDOCK_ORDER_HOLD_MINUTES": "0",
    "CROSSDOCK_SIMULATOR": "1",
    "CROSSDOCK_TICK_SECONDS": "1",
    "CROSSDOCK_RELEASE_SECONDS": "1",
    "CROSSDOCK_HEARTBEAT_SECONDS": "2",
    # Nobody is ever out when the courier rings: an attempted delivery would only add a retry.
    "CROSSDOCK_DELIVERY_FAILURE_RATE": "0",
}

# Services the web server and the workers need before a browser can use them.
READY_TIMEOUT = 120
STOP_TIMEOUT = 15


class StackError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_path(url: str, path: str) -> str:
    """``url`` with its path (a database name or a Redis database number) replaced."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + path, parts.query, parts.fragment))


class Stack:
    def __init__(self, *, workdir: Path, logdir: Path):
        self.workdir = workdir
        self.logdir = logdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.database_url = self._database_url()
        self.redis_url = with_path(os.environ["REDIS_URL"], E2E_REDIS_DB) if os.environ.get("REDIS_URL") else ""
        self.env = self._environment()

    # --- configuration ----------------------------------------------------------------------

    @staticmethod
    def _database_url() -> str:
        url = os.environ.get("DATABASE_URL", "")
        if not url:
            return ""
        if not url.startswith(("postgres://", "postgresql://")):
            raise StackError(f"the browser tests run on SQLite or PostgreSQL, not {url.split(':', 1)[0]}")
        return with_path(url, E2E_DATABASE)

    def _environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(ACCELERATED)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            CROSSDOCK_VAR_DIR=str(self.workdir),
            PYTHONUNBUFFERED="1",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    @property
    def description(self) -> str:
        database = f"PostgreSQL ({E2E_DATABASE})" if self.database_url else "SQLite"
        broker = f"Redis (db {E2E_REDIS_DB})" if self.redis_url else "the filesystem broker"
        return f"{self.base_url} on {database} and {broker}"

    # --- databases ----------------------------------------------------------------------------

    def _postgres(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(with_path(self.database_url, "postgres"), autocommit=True) as conn:
            conn.execute(statement)

    def _redis_flush(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            client.flushdb()
        finally:
            client.close()

    def _create_databases(self) -> None:
        if self.database_url:
            import psycopg

            # Names come from our own settings, never from a page: safe to interpolate.
            self._postgres(f'DROP DATABASE IF EXISTS "{E2E_DATABASE}" WITH (FORCE)')
            for attempt in range(10):
                try:
                    self._postgres(f'CREATE DATABASE "{E2E_DATABASE}"')
                    break
                except psycopg.errors.ObjectInUse:
                    # Another CREATE DATABASE (a test run beside this one) is copying template1.
                    if attempt == 9:
                        raise
                    time.sleep(1)
        if self.redis_url:
            self._redis_flush()

    def _drop_databases(self) -> None:
        if self.database_url:
            self._postgres(f'DROP DATABASE IF EXISTS "{E2E_DATABASE}" WITH (FORCE)')
        if self.redis_url:
            self._redis_flush()

    # --- processes ----------------------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 300) -> str:
        """Run ``manage.py`` with the stack's environment; its output, or an error that shows it."""
        result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise StackError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def _spawn(self, name: str, command: list[str]) -> None:
        log = (self.logdir / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own executables and arguments
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own: stopping it stops its children
        )
        log.close()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.logdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise StackError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")

    def health(self) -> dict | None:
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as response:  # noqa: S310 - our server
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def _wait_ready(self) -> None:
        """Until the web server answers and a heartbeat went from beat through the broker to a worker."""
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            self.check_alive()
            body = self.health()
            if body and body.get("status") == "ok" and body.get("last_worker_heartbeat"):
                return
            time.sleep(0.5)
        raise StackError(
            f"not ready after {READY_TIMEOUT} s; /healthz said {self.health()}\n"
            + "\n".join(f"--- {name}\n{self.log_tail(name)}" for name in self.processes)
        )

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.logdir.mkdir(parents=True, exist_ok=True)
        self._create_databases()
        try:
            self.manage("migrate", "--noinput")
            self.manage("seed_demo")
            self._spawn("web", [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"])
            self._spawn(
                "worker",
                [
                    CELERY,
                    "-A",
                    "config",
                    "worker",
                    "--loglevel=INFO",
                    "--concurrency=2",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
            )
            self._spawn(
                "beat",
                [CELERY, "-A", "config", "beat", "--loglevel=INFO", "--schedule", str(self.workdir / "beat-schedule")],
            )
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop beat, the worker and the web server, then drop the databases.

        SIGTERM goes to each process itself, so that a worker shuts down warm (its pool children
        first); whatever is left of its process group after that gets SIGKILL."""
        for name in ("beat", "worker", "web"):
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.processes.clear()
        self._drop_databases()
