"""Every kind the domain stores has its GraphQL enum value, so that reading a new kind of
obligation or notification can never fail (a missing value would be an internal error)."""

from __future__ import annotations

from api.graphql.deadlines.enums import ObligationKind as ApiObligationKind
from api.graphql.escalation.enums import EscalationStage
from api.graphql.notifications.enums import NotificationKind as ApiNotificationKind
from domain.deadlines.models import ObligationKind
from domain.escalation.models import EscalationStage as DomainStage
from domain.notifications.models import NotificationKind


def test_every_obligation_kind_is_in_the_schema() -> None:
    assert {k.value for k in ObligationKind} == {k.name for k in ApiObligationKind}


def test_every_notification_kind_is_in_the_schema() -> None:
    assert {k.value for k in NotificationKind} == {k.name for k in ApiNotificationKind}


def test_every_escalation_stage_is_in_the_schema() -> None:
    assert {s.value for s in DomainStage} == {s.name for s in EscalationStage}
