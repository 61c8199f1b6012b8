"""Task and Finish Groups (DOMAIN.md, "Feedback": "learning from Task and Finish Groups"): a
group set up for a while, for one service or the whole authority, to look into something
and report what it learned. Its learning is `LearningPoint` rows like an audit's (the same
table and the same themes, `domain/audits/models.py`), with `task_and_finish_group_id` set
instead of `audit_id`, so every reader of learning reads both."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.core.db import Base


class TaskAndFinishGroup(Base):
    __tablename__ = "task_and_finish_groups"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    # The service it belongs to; NULL: the whole authority.
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("services.id"), index=True)
    chair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    started_on: Mapped[date]
    # Set when the group is closed; no learning is recorded in it after that.
    ended_on: Mapped[date | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
