"""Which concept reacts to which other concept's facts: the one place subscribers are
subscribed (`domain.events.dispatch`), imported by the `domain` package itself so that every
process that uses the domain has them, whatever it imports first. Within one fact, subscribers
run in the order listed here."""

from __future__ import annotations

from domain.audits import facts as audit_facts
from domain.escalation import reactions as escalation
from domain.events.dispatch import subscribe


def subscribe_all() -> None:
    subscribe(audit_facts.AuditToBeCancelled, escalation.refuse_cancelling_desk_top_audit)
    subscribe(audit_facts.AuditGradedInadequate, escalation.start_process)
    subscribe(audit_facts.AuditCompleted, escalation.close_by_desk_top_audit)
    subscribe(audit_facts.AuditAmended, escalation.end_if_amended_away)
    subscribe(audit_facts.AuditModerated, escalation.follow_moderation)


subscribe_all()
