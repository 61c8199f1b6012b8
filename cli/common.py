"""What every `qaf` command shares: the console, the embedded services' settings that `qaf dev`
leaves for the others, and a session on the configured database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from cli import embedded
from domain.core.db import create_engine, create_session_factory
from domain.core.settings import get_settings

console = Console()
T = TypeVar("T")
DEV_ENV = embedded.DATA / "dev.env"


def load_dev_env() -> None:
    """Outside `qaf dev`, reach the embedded services it started (if DATABASE_URL is unset)."""
    if "DATABASE_URL" in os.environ or not DEV_ENV.exists():
        return
    for line in DEV_ENV.read_text().splitlines():
        key, _, value = line.partition("=")
        if key and value:
            os.environ.setdefault(key, value)
    get_settings.cache_clear()


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = create_engine(get_settings(), pool_size=2, max_overflow=0)
        try:
            async with create_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())
