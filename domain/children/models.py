"""The child (case): the least quality assurance needs, pseudonymous by design.

Names and addresses stay in the case management system; here a child is a case reference,
a team, an allocated practitioner, a date of birth and the cohorts they belong to.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.core.db import Base
from domain.people.models import Person, Team


class Child(Base):
    __tablename__ = "children"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_reference: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    allocated_practitioner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("people.id"), index=True
    )
    date_of_birth: Mapped[date]
    child_in_need: Mapped[bool] = mapped_column(Boolean, default=False)
    child_protection_plan_start: Mapped[date | None]
    looked_after: Mapped[bool] = mapped_column(Boolean, default=False)
    care_leaver: Mapped[bool] = mapped_column(Boolean, default=False)
    family_first: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    team: Mapped[Team] = relationship(lazy="raise")
    allocated_practitioner: Mapped[Person | None] = relationship(lazy="raise")
