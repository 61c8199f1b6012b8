"""The authority's own closure days: working days on which it is closed, so that deadlines
counted in working days skip them as they skip weekends and England's bank holidays."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from domain.core.db import Base


class ClosureDay(Base):
    """A day the authority is closed although it is a weekday and not a bank holiday
    (for example an extra day between Christmas and New Year)."""

    __tablename__ = "closure_days"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    day: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
