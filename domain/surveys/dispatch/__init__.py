"""Sending survey invitations and their reminders, by email and text message: claiming the
sends that are due and marking them (`claims.py`), their words (`messages.py`), sending a batch
through the channels (`sending.py`), and, for a campaign's runners, retrying failures and how
sending is going (`progress.py`). The names are re-exported here: `dispatch.send_batch`."""

from domain.surveys.dispatch.claims import (
    MAX_SEND_ATTEMPTS,
    SENDABLE,
    SENT_BY,
    Send,
    claim_sends,
    mark_failed,
    mark_sent,
    release,
    send_key,
    still_to_send,
)
from domain.surveys.dispatch.messages import (
    Message,
    message_for,
    text_for,
)
from domain.surveys.dispatch.progress import (
    DispatchProgress,
    dispatch_progress,
    retry_failed,
)
from domain.surveys.dispatch.sending import (
    BATCH,
    BATCH_SECONDS,
    FAILURES_IN_A_ROW,
    LANES,
    BatchResult,
    Channels,
    batch_size,
    channels_from_settings,
    configured_channels,
    send_batch,
)

__all__ = [
    "BATCH",
    "BATCH_SECONDS",
    "FAILURES_IN_A_ROW",
    "LANES",
    "MAX_SEND_ATTEMPTS",
    "SENDABLE",
    "SENT_BY",
    "BatchResult",
    "Channels",
    "DispatchProgress",
    "Message",
    "Send",
    "batch_size",
    "channels_from_settings",
    "claim_sends",
    "configured_channels",
    "dispatch_progress",
    "mark_failed",
    "mark_sent",
    "message_for",
    "release",
    "retry_failed",
    "send_batch",
    "send_key",
    "still_to_send",
    "text_for",
]
