"""Keyset pagination for every list: `first` items after an opaque cursor, at most 100.

A cursor holds the values of the ordering columns of the last row seen, so pages stay stable
while rows are added and cost one indexed SQL statement however deep the reader goes.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.core.errors import InvalidInput

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


def check_page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise InvalidInput(f"first must be between 0 and {MAX_PAGE_SIZE}.", field="first")
    return first


def _encode(values: Sequence[Any]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, uuid.UUID | date | datetime):
            return value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
        return value

    raw = json.dumps([plain(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, columns: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError("wrong shape")
        out: list[Any] = []
        for column, value in zip(columns, values, strict=True):
            python_type = column.type.python_type
            if value is None:
                out.append(None)
            elif python_type is datetime:
                out.append(datetime.fromisoformat(value))
            elif python_type is date:
                out.append(date.fromisoformat(value))
            elif python_type is uuid.UUID:
                out.append(uuid.UUID(value))
            else:
                out.append(python_type(value))
        return out
    except (
        ValueError,
        TypeError,
        binascii.Error,
        UnicodeDecodeError,
        NotImplementedError,
        RecursionError,  # a forged cursor of JSON nested thousands deep
    ) as exc:
        raise InvalidInput("That cursor is not one this list gave out.", field="after") from exc


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    order_by: Sequence[InstrumentedAttribute[Any]],
    first: int | None,
    after: str | None,
    descending: bool = False,
) -> Page[Any]:
    """One page of `stmt`'s rows ordered by `order_by` (the last column must be unique)."""
    size = check_page_size(first)
    if after:
        values = _decode(after, order_by)
        key = tuple_(*order_by)
        stmt = stmt.where(key < tuple_(*values) if descending else key > tuple_(*values))
    ordering = [c.desc() for c in order_by] if descending else list(order_by)
    rows = list((await session.scalars(stmt.order_by(*ordering).limit(size + 1))).all())
    has_next = len(rows) > size
    rows = rows[:size]
    cursors = [_encode([getattr(row, c.key) for c in order_by]) for row in rows]
    return Page(items=rows, cursors=cursors, has_next_page=has_next, has_previous_page=bool(after))


async def count(session: AsyncSession, stmt: Select[Any]) -> int:
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return int(total or 0)
