"""The test SMTP inbox: a real SMTP server (aiosmtpd on 127.0.0.1, a free port) that keeps every
message it accepts, when it accepted it, and its Message-ID. The `smtp` fixture
(tests/conftest.py) yields `(inbox, port)`; a test with a handler of its own (a slow inbox)
starts it with `smtp_server(handler)`."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from typing import Any, TypeVar

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


InboxT = TypeVar("InboxT")


class Inbox:
    """What the SMTP server accepted, in order: each message and the moment
    (`time.monotonic()`) it was accepted. The server runs in its own thread, so the lists are
    appended under a lock and read as copies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._arrived: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        with self._lock:
            self._messages.append(message)
            self._arrived.append(time.monotonic())
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[Any]:
        """The messages (`email.message.Message`; typed loosely, as the tests read their
        headers and payloads without narrowing)."""
        with self._lock:
            return list(self._messages)

    @property
    def arrived(self) -> list[float]:
        with self._lock:
            return list(self._arrived)

    @property
    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]

    def counts(self) -> Counter[str]:
        """How many times each Message-ID was received."""
        return Counter(self.message_ids)

    def first_arrivals(self) -> dict[str, float]:
        """The moment each Message-ID was first received."""
        with self._lock:
            pairs = list(zip(self._messages, self._arrived, strict=True))
        first: dict[str, float] = {}
        for message, at in pairs:
            first.setdefault(str(message["Message-ID"]), at)
        return first

    def to(self, address: str) -> list[Message]:
        """The messages sent to exactly `address`."""
        return [m for m in self.messages if m["To"] == address]

    def subjects_to(self, address: str) -> list[str]:
        """The decoded subjects of the messages whose To header names `address`."""
        return [
            str(make_header(decode_header(m["Subject"])))
            for m in self.messages
            if address in m["To"]
        ]


@contextmanager
def smtp_server(inbox: InboxT) -> Iterator[tuple[InboxT, int]]:
    """A real SMTP server on 127.0.0.1 for the duration, handing what arrives to `inbox`
    (an `Inbox`, or a handler of its own): `(inbox, port)`."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
