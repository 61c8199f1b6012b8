"""Which concept reacts to which other concept's facts: the one place subscribers are
subscribed (`domain.events.dispatch`), imported by the `domain` package itself so that every
process that uses the domain has them, whatever it imports first. Within one fact, subscribers
run in the order listed here."""

from __future__ import annotations

from domain.audits import facts as audit_facts
from domain.audits.policy import audited_cases
from domain.children.policy import register_case_assignments
from domain.escalation import moderation, starting, supervision
from domain.events.dispatch import subscribe


def subscribe_all() -> None:
    # The Inadequate process (domain/escalation) hears of audits.
    subscribe(audit_facts.AuditToBeCancelled, supervision.check_can_cancel_audit)
    subscribe(audit_facts.AuditGradedInadequate, starting.on_graded_inadequate)
    subscribe(audit_facts.AuditCompleted, supervision.on_audit_completed)
    subscribe(audit_facts.AuditAmended, moderation.on_amended_away)
    subscribe(audit_facts.AuditModerated, moderation.on_moderated)
    # Who may see a child (domain/children) hears who audits assign to a case.
    register_case_assignments(audited_cases)


subscribe_all()
