"""Audits of practice. An auditor sees the children of the audits allocated to them: the
children's visibility rule hears of it here, once, whenever any part of audits is loaded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from domain.audits.kinds import AuditStatus
from domain.audits.models import Audit
from domain.children.policy import register_case_assignments


def _audited_cases() -> Select[Any, Any]:
    return select(Audit.child_id.label("child_id"), Audit.auditor_id.label("person_id")).where(
        Audit.status != AuditStatus.CANCELLED
    )


register_case_assignments(_audited_cases)
