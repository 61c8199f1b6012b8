"""Running the service: `qaf serve`, `qaf worker`, and `qaf dev` (`make run`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from rich.table import Table

from cli import embedded, migrate
from cli.common import DEV_ENV, console, load_dev_env
from cli.database import ensure_reference_data, seed
from cli.people import development_token
from domain.core.settings import get_settings


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the API with uvicorn."""
    import uvicorn

    load_dev_env()
    uvicorn.run("api.main:app", host=host, port=port, workers=workers, proxy_headers=True)


def worker() -> None:
    """Run the worker (as `arq workers.main.WorkerSettings` does): it rides out Redis and
    PostgreSQL outages, and stops on SIGINT or SIGTERM."""
    load_dev_env()
    import logging.config

    from arq.logs import default_log_config

    from workers.main import run

    logging.config.dictConfig(default_log_config(verbose=False))  # as the arq command does

    run()


def dev(host: str = "127.0.0.1", port: int = 8000) -> None:
    """`make run`: embedded services unless configured, migrate, seed, API and worker."""
    started = time.monotonic()

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # so that a SIGTERM, too, stops the API and worker it started

    signal.signal(signal.SIGTERM, stop)
    env = dict(os.environ)
    redis_server: embedded.EmbeddedRedis | None = None
    if not env.get("DATABASE_URL"):
        console.print("Starting an embedded PostgreSQL in .data/pg …")
        pg = embedded.start_postgres("pg")
        pg.create_database("qaf")
        env["DATABASE_URL"] = pg.url("qaf")
    if not env.get("REDIS_URL"):
        console.print("Starting an embedded Redis …")
        redis_server = embedded.start_redis("redis")
        env["REDIS_URL"] = redis_server.url(0)
    env.setdefault("ENVIRONMENT", "development")
    os.environ.update(env)
    get_settings.cache_clear()
    DEV_ENV.parent.mkdir(exist_ok=True)
    DEV_ENV.write_text(f"DATABASE_URL={env['DATABASE_URL']}\nREDIS_URL={env['REDIS_URL']}\n")

    children: list[subprocess.Popen[bytes]] = []
    try:
        console.print("Migrating …")
        migrate.upgrade(env["DATABASE_URL"])
        ensure_reference_data()
        console.print("Seeding the demo authority …")
        summary = seed()
        children.append(
            subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "api.main:app",
                    "--host",
                    host,
                    "--port",
                    str(port),
                ],
                env=env,
                cwd=embedded.ROOT,
            )
        )
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "arq", "workers.main.WorkerSettings"],
                env=env,
                cwd=embedded.ROOT,
            )
        )
        deadline = time.monotonic() + 30
        while not embedded.port_open(host, port) and time.monotonic() < deadline:
            time.sleep(0.1)
        _print_welcome(host, port, summary, time.monotonic() - started)
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        console.print("[red]A process stopped; stopping the rest.[/red]")
    except KeyboardInterrupt:
        console.print("\nStopping …")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis_server is not None:
            redis_server.stop()
        DEV_ENV.unlink(missing_ok=True)
        # The embedded PostgreSQL stops when this process exits (atexit).


def _print_welcome(host: str, port: int, summary: Any, seconds: float) -> None:
    url = f"http://{host}:{port}/graphql"
    console.rule("[bold green]QA and Learning is running")
    console.print(f"GraphiQL:  [bold]{url}[/bold]   (ready in {seconds:.0f} s)")
    console.print(f"Health:    http://{host}:{port}/healthz and /readyz")
    table = Table(title="Demo people")
    for column in ("person", "email", "role"):
        table.add_column(column, no_wrap=True, overflow="ignore")
    for name, email, role in summary.people:
        table.add_row(name, email, role)
    console.print(table, crop=False)
    console.print(
        "A token for anyone: [bold]make token EMAIL=<email>[/bold] (or `qaf token <email>`), "
        "then paste it into GraphiQL's sign-in field."
    )
    admin = next((p for p in summary.people if p[2] == "ADMINISTRATOR"), None)
    if admin is not None:
        value = development_token(admin[1])
        if value:
            console.print(f"Administrator's token ({admin[1]}):")
            print(value, flush=True)  # plain print: a wrapped token could not be pasted
    console.print("Ctrl-C stops everything this command started.")
