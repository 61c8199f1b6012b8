"""The async engine, the session factory and the declarative base every model uses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from domain.core.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: DateTime(timezone=True)}


SessionFactory = async_sessionmaker[AsyncSession]


def create_engine(settings: Settings, **kwargs: Any) -> AsyncEngine:
    options: dict[str, Any] = {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_pool_size,
        "pool_pre_ping": True,
        "pool_recycle": 1800,
    }
    options.update(kwargs)
    return create_async_engine(settings.database_url, **options)


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def rows_by(
    session: AsyncSession,
    key: Any,
    ids: Sequence[uuid.UUID],
    order_by: Any,
    *options: Any,
) -> dict[uuid.UUID, list[Any]]:
    """The rows of `key`'s model whose `key` (a column such as `AuditAction.audit_id`) is
    one of `ids`, grouped by it, each group in `order_by` order: what a DataLoader needs for
    many parents, in one statement. The parents were read through their policy by the
    caller."""
    out: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    if ids:
        stmt = select(key.class_).where(key.in_(list(ids))).order_by(order_by).options(*options)
        for row in await session.scalars(stmt):
            out[getattr(row, key.key)].append(row)
    return out
