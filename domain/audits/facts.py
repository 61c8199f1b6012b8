"""What happens to an audit that other concepts react to (the Inadequate process among them),
published in the same transaction as the change through `domain.events.dispatch`. Audits do not
know who listens: `domain/reactions.py` says."""

from __future__ import annotations

from dataclasses import dataclass

from domain.audits.kinds import Grade
from domain.audits.models import Audit, Moderation
from domain.core.roles import Actor
from domain.core.settings import PolicySettings


@dataclass(frozen=True)
class AuditFact:
    """Who did it, to which audit."""

    actor: Actor
    audit: Audit


@dataclass(frozen=True)
class AuditToBeCancelled(AuditFact):
    """Before a cancellation is written: a subscriber may refuse it (by raising)."""


@dataclass(frozen=True)
class AuditGradedInadequate(AuditFact):
    """The audit is now Inadequate: `how` it became so ("completed", "amended",
    "moderated"). Published after the `audit.completed_inadequate` event is recorded."""

    how: str


@dataclass(frozen=True)
class AuditCompleted(AuditFact):
    pass


@dataclass(frozen=True)
class AuditAmended(AuditFact):
    """A completed audit amended: its effective grade `before` and `after` the amendment."""

    before: Grade | None
    after: Grade | None
    reason: str


@dataclass(frozen=True)
class AuditModerated(AuditFact):
    moderation: Moderation
    policy_settings: PolicySettings
