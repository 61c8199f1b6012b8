"""Surveys and their versions. A version never changes once published (a trigger refuses
UPDATE on `survey_versions`); publishing another keeps it, so responses keep the version they
answered."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.core.db import Base
from domain.surveys.definitions import Audience


class Survey(Base):
    """A survey the service runs, such as the annual survey of children and families; it has
    a version for each audience it asks."""

    __tablename__ = "surveys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    versions: Mapped[list[SurveyVersion]] = relationship(
        lazy="raise",
        back_populates="survey",
        order_by=lambda: [SurveyVersion.audience, SurveyVersion.version.desc()],
    )


class SurveyVersion(Base):
    """One version of a survey for one audience: its questions and their wording in each
    language (`domain/surveys/definitions.py`)."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "audience", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The unique (survey_id, audience, version) index serves lookups by survey.
    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"))
    audience: Mapped[Audience] = mapped_column(
        Enum(Audience, name="survey_audience", native_enum=False, length=40)
    )
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    published_at: Mapped[datetime]
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    change_note: Mapped[str | None] = mapped_column(Text)

    survey: Mapped[Survey] = relationship(lazy="raise", back_populates="versions")
