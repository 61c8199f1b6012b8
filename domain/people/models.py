"""Services, teams, people, line management and role grants."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.core.db import Base
from domain.core.roles import Role, ScopeType


class Service(Base):
    """A service of the authority: Children's Social Care, MASH, Family First, the Partnership."""

    __tablename__ = "services"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    is_multi_agency: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    teams: Mapped[list[Team]] = relationship(back_populates="service", lazy="raise")


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("service_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]

    service: Mapped[Service] = relationship(back_populates="teams", lazy="raise")


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("line_manager_id IS NULL OR line_manager_id <> id", name="not_own_manager"),
        CheckConstraint("digest_hour BETWEEN 0 AND 23", name="digest_hour_in_day"),
        Index("uq_people_email_lower", text("lower(email)"), unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    # The identity provider's stable subject ("sub"), when known; otherwise matched by email.
    subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    job_title: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), index=True)
    line_manager_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    partner_agency: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The Europe/London hour (0-23) from which the person's reminders come by email as one
    # daily digest (domain/notifications/digest.py); NULL: each reminder's email as it comes.
    digest_hour: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    grants: Mapped[list[RoleGrant]] = relationship(back_populates="person", lazy="raise")


class RoleGrant(Base):
    __tablename__ = "role_grants"
    __table_args__ = (
        CheckConstraint(
            "(scope = 'AUTHORITY' AND service_id IS NULL AND team_id IS NULL)"
            " OR (scope = 'SERVICE' AND service_id IS NOT NULL AND team_id IS NULL)"
            " OR (scope = 'TEAM' AND team_id IS NOT NULL AND service_id IS NULL)",
            name="scope_matches_target",
        ),
        UniqueConstraint(
            "person_id",
            "role",
            "scope",
            "service_id",
            "team_id",
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, length=40))
    scope: Mapped[ScopeType] = mapped_column(
        Enum(ScopeType, name="scope_type", native_enum=False, length=20)
    )
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("services.id"), index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), index=True)
    granted_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="grants", lazy="raise")
