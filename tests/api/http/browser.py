"""What the browser tests share: Debian's Chromium (which `make test` installs with `make
browser`) and the real app served by uvicorn on a free port in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import uvicorn

from api.app import Services, create_app

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


# axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA: contrast, names and labels,
# language, landmarks and headings, target size, and the rest it can check by machine.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM = _chromium()
NO_CHROMIUM = (
    "no Chromium found at $CHROMIUM_PATH or /usr/bin/chromium or on PATH: "
    "`make browser` installs Debian's chromium package"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serve(services: Services) -> AsyncIterator[str]:
    """The real app under uvicorn on a free port, in this test's event loop (so it shares the
    test's engine, Redis and clock); yields its address."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(services.settings, services=services),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
