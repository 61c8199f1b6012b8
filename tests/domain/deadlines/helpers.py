"""What the deadline, reminder and notification tests share: obligations owed by someone."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.deadlines import obligations
from domain.deadlines.models import ObligationKind
from domain.people.models import Person

SUBJECT_TYPES = {ObligationKind.AUDIT_DUE: "Audit", ObligationKind.ACTION_DUE: "AuditAction"}


async def owe(
    session_factory: SessionFactory,
    clock: Clock,
    owner: Person,
    *due_at: datetime,
    kind: ObligationKind = ObligationKind.AUDIT_DUE,
    subject_ids: Sequence[uuid.UUID] = (),
) -> list[uuid.UUID]:
    """`owner` owes one obligation of `kind` per due moment, each about its own subject (the
    given ids in order, else new ones), opened in one transaction; returns their ids."""
    subjects = list(subject_ids) or [uuid.uuid4() for _ in due_at]
    async with session_factory() as s, s.begin():
        return [
            (
                await obligations.open_obligation(
                    session=s,
                    clock=clock,
                    kind=kind,
                    subject_type=SUBJECT_TYPES[kind],
                    subject_id=subject,
                    owner_id=owner.id,
                    due_at=due,
                )
            ).id
            for subject, due in zip(subjects, due_at, strict=True)
        ]
