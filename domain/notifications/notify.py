"""Email through GOV.UK Notify, with its official client (notifications-python-client).

Notify sends from a template: ours has two personalisation fields, ((subject)) and ((body)),
filled from the outbox message. The Notify `reference` is the outbox key, so a rare resend is
recognisable in Notify's records as the same message (as the SMTP Message-ID is). The client
is synchronous (requests), so each call runs in a thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import requests
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from domain.core.settings import Settings
from domain.notifications.models import OutboxMessage
from domain.notifications.senders import SendFailed


@dataclass
class NotifySender:
    """One deliver loop's sender: it sends one message at a time (the client is not
    thread-safe, and its HTTP session is reused between messages)."""

    api_key: str = field(repr=False)
    template_id: str
    base_url: str = "https://api.notifications.service.gov.uk"
    timeout: float = 10
    _client: NotificationsAPIClient | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifySender | None:
        if settings.notify_api_key is None or not settings.notify_email_template_id:
            return None
        return cls(
            api_key=settings.notify_api_key.get_secret_value(),
            template_id=settings.notify_email_template_id,
            base_url=settings.notify_base_url,
            timeout=settings.notify_timeout_seconds,
        )

    async def send(self, message: OutboxMessage) -> None:
        try:
            await asyncio.to_thread(self._send, message)
        except (APIError, requests.RequestException, OSError) as exc:
            raise SendFailed(f"GOV.UK Notify: {exc}") from exc

    def _send(self, message: OutboxMessage) -> None:
        if self._client is None:
            # The client ships py.typed but leaves its functions unannotated.
            self._client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
                self.api_key, base_url=self.base_url, timeout=self.timeout
            )
        self._client.send_email_notification(  # type: ignore[no-untyped-call]
            email_address=message.to_address,
            template_id=self.template_id,
            personalisation={"subject": message.subject, "body": message.body},
            reference=message.key,
        )
