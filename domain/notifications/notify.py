"""Email and text messages through GOV.UK Notify, with its official client
(notifications-python-client).

Notify sends from a template. Our email template has two personalisation fields, ((subject))
and ((body)); our text message template has one, ((body)). The Notify `reference` is the
message's key (the outbox key, or a survey invitation's send), so a rare resend is
recognisable in Notify's records as the same message (as the SMTP Message-ID is). The client is
synchronous (requests), so each call runs in a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import requests
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from domain.core.settings import Settings
from domain.notifications.models import OutboxMessage
from domain.notifications.senders import Email, SendFailed, TextMessage


@dataclass
class _Client:
    api_key: str = field(repr=False)
    base_url: str
    timeout: float
    _client: NotificationsAPIClient | None = field(default=None, init=False, repr=False)

    def get(self) -> Any:
        if self._client is None:
            # The client ships py.typed but leaves its functions unannotated.
            self._client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
                self.api_key, base_url=self.base_url, timeout=self.timeout
            )
        return self._client


@dataclass
class _NotifyTemplate:
    """A sender through one Notify template: one message at a time (the client is not
    thread-safe, and its HTTP session is reused between messages). Several at once are
    several senders (`copy`)."""

    api_key: str = field(repr=False)
    template_id: str
    base_url: str = "https://api.notifications.service.gov.uk"
    timeout: float = 10
    _client: _Client | None = field(default=None, init=False, repr=False)

    @classmethod
    def _configured(cls, settings: Settings, template_id: str | None) -> Self | None:
        """A sender through `template_id`, or None without it or without the API key."""
        if settings.notify_api_key is None or not template_id:
            return None
        return cls(
            api_key=settings.notify_api_key.get_secret_value(),
            template_id=template_id,
            base_url=settings.notify_base_url,
            timeout=settings.notify_timeout_seconds,
        )

    def copy(self) -> Self:
        return type(self)(self.api_key, self.template_id, self.base_url, self.timeout)

    async def aclose(self) -> None:
        return None

    def _notify(self) -> Any:
        if self._client is None:
            self._client = _Client(self.api_key, self.base_url, self.timeout)
        return self._client.get()

    async def _in_thread(self, send: Callable[[], object]) -> None:
        try:
            await asyncio.to_thread(send)
        except (APIError, requests.RequestException, OSError) as exc:
            raise SendFailed(f"GOV.UK Notify: {exc}") from exc


@dataclass
class NotifySender(_NotifyTemplate):
    """One deliver loop's email sender, through the email template."""

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifySender | None:
        return cls._configured(settings, settings.notify_email_template_id)

    async def send(self, message: OutboxMessage) -> None:
        await self.send_email(Email.of_outbox(message))

    async def send_email(self, email: Email) -> None:
        await self._in_thread(
            lambda: self._notify().send_email_notification(
                email_address=email.to,
                template_id=self.template_id,
                personalisation={"subject": email.subject, "body": email.body},
                reference=email.key,
            )
        )


@dataclass
class NotifyTextSender(_NotifyTemplate):
    """Text messages through Notify's SMS template (((body)) personalisation); one message
    at a time, like NotifySender."""

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifyTextSender | None:
        """None unless both the API key and the SMS template id are set: then text messages
        are not sent, and wait."""
        return cls._configured(settings, settings.notify_sms_template_id)

    async def send_text(self, text: TextMessage) -> None:
        await self._in_thread(
            lambda: self._notify().send_sms_notification(
                phone_number=text.to,
                template_id=self.template_id,
                personalisation={"body": text.body},
                reference=text.key,
            )
        )
