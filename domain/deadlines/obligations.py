"""Obligations: what someone must do about an object by a moment, kept in PostgreSQL.

The domain opens one when its trigger happens (an audit planned: its auditor owes it by the end
of its due date) and closes it when the act is recorded (DONE) or made unnecessary
(CANCELLED). These functions write no history of their own: the change that caused them
already does, in the same transaction; `closed_by_id` keeps who recorded the act.

Every write is idempotent, so a retried job or a second worker changes nothing:
- `open_obligation` is one `INSERT … ON CONFLICT (key) DO NOTHING`; the key is deterministic
  from what created it (`obligation_key`), and opening it again returns the existing row
  unchanged;
- `close_obligation` and `move_obligation` touch only an open obligation; on a closed one (or
  an unknown key) they change nothing.

Reading: `list_obligations` through the policy's SQL filter, and `due_and_overdue` for
operations (the CLI, and the sweeper to come), which reads the partial index
`ix_obligations_open_due`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.core.clock import Clock
from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor
from domain.deadlines import policy
from domain.deadlines.calendar import end_of_day, local_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState

OPEN = ObligationState.OPEN


def obligation_key(kind: ObligationKind, *parts: object) -> str:
    """The deterministic key of an obligation: its kind and what it is about, e.g.
    `audit-due:<audit id>`. A kind owed more than once about one object adds a part (the
    second of three monthly reviews: `…:<escalation id>:2`)."""
    if not parts:
        raise ValueError("an obligation's key names what it is about")
    return ":".join([kind.value.lower().replace("_", "-"), *(str(p) for p in parts)])


def is_overdue(obligation: Obligation, now: datetime) -> bool:
    """Late: still open after the moment it was due (DOMAIN.md's `now > due`)."""
    return obligation.state is OPEN and now > obligation.due_at


def _check_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an obligation is due at a timezone-aware moment")


# --- writing -----------------------------------------------------------------------------------


async def open_obligation(
    *,
    session: AsyncSession,
    clock: Clock,
    kind: ObligationKind,
    subject_type: str,
    subject_id: uuid.UUID,
    owner_id: uuid.UUID,
    due_at: datetime,
    key: str | None = None,
) -> Obligation:
    """Open an obligation, or return the one already opened with the same key (unchanged).

    `key` defaults to `obligation_key(kind, subject_id)`. Safe against two transactions
    opening the same one at once: the second waits for the first and then finds it."""
    _check_aware(due_at)
    key = key or obligation_key(kind, subject_id)
    now = clock.now()
    opened: Obligation | None = await session.scalar(
        insert(Obligation)
        .values(
            id=uuid.uuid4(),
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            owner_id=owner_id,
            due_at=due_at,
            state=OPEN,
            key=key,
            created_at=now,
            next_reminder_at=now,  # the next sweep works out its reminders
        )
        .on_conflict_do_nothing(index_elements=[Obligation.key])
        .returning(Obligation)
    )
    if opened is None:
        opened = await session.scalar(select(Obligation).where(Obligation.key == key))
        assert opened is not None  # the conflict was with this very key
    return opened


async def close_obligation(
    *,
    session: AsyncSession,
    clock: Clock,
    key: str,
    state: ObligationState,
    by: uuid.UUID | None,
) -> Obligation | None:
    """Close an open obligation as DONE or CANCELLED, recording who (`by`, None for the
    system) and when. A closed one stays as it was closed; an unknown key changes nothing.
    Returns the obligation as it now is, or None if there is none with that key."""
    if state is OPEN:
        raise ValueError("an obligation is closed as DONE or CANCELLED")
    closed: Obligation | None = await session.scalar(
        update(Obligation)
        .where(Obligation.key == key, Obligation.state == OPEN)
        .values(state=state, closed_at=clock.now(), closed_by_id=by)
        .returning(Obligation)
        .execution_options(populate_existing=True)
    )
    if closed is None:
        closed = await session.scalar(select(Obligation).where(Obligation.key == key))
    return closed


async def move_obligation(
    *, session: AsyncSession, key: str, due_at: datetime
) -> Obligation | None:
    """An open obligation's new due moment (its trigger's due date changed). A closed one,
    or an unknown key, changes nothing. Returns the obligation as it now is, or None."""
    _check_aware(due_at)
    moved: Obligation | None = await session.scalar(
        update(Obligation)
        .where(Obligation.key == key, Obligation.state == OPEN)
        # Its reminders are worked out afresh at the next sweep.
        .values(due_at=due_at, next_reminder_at=Obligation.created_at)
        .returning(Obligation)
        .execution_options(populate_existing=True)
    )
    if moved is None:
        moved = await session.scalar(select(Obligation).where(Obligation.key == key))
    return moved


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObligationFilter:
    owner_id: uuid.UUID | None = None
    states: tuple[ObligationState, ...] = ()
    kinds: tuple[ObligationKind, ...] = ()
    due_before: datetime | None = None  # due strictly before this moment
    overdue_at: datetime | None = None  # open and late at this moment


def my_obligations(actor: Actor, *, include_closed: bool = False) -> ObligationFilter:
    return ObligationFilter(owner_id=actor.person_id, states=() if include_closed else (OPEN,))


def _statement(actor: Actor, f: ObligationFilter) -> Select[Any]:
    stmt = select(Obligation).where(policy.visible_obligations(actor))
    if f.owner_id is not None:
        stmt = stmt.where(Obligation.owner_id == f.owner_id)
    if f.states:
        stmt = stmt.where(Obligation.state.in_(f.states))
    if f.kinds:
        stmt = stmt.where(Obligation.kind.in_(f.kinds))
    if f.due_before is not None:
        _check_aware(f.due_before)
        stmt = stmt.where(Obligation.due_at < f.due_before)
    if f.overdue_at is not None:
        _check_aware(f.overdue_at)
        stmt = stmt.where(Obligation.state == OPEN, Obligation.due_at < f.overdue_at)
    return stmt


async def list_obligations(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: ObligationFilter,
    first: int | None,
    after: str | None,
) -> Page[Obligation]:
    """Obligations the actor may see, soonest due first, each with its owner."""
    stmt = _statement(actor, filters).options(joinedload(Obligation.owner))
    return await paginate(
        session, stmt, order_by=[Obligation.due_at, Obligation.id], first=first, after=after
    )


async def count_obligations(
    *, session: AsyncSession, actor: Actor, filters: ObligationFilter
) -> int:
    return await count(session, _statement(actor, filters))


async def get_obligations(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Obligation]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(Obligation)
        .where(Obligation.id.in_(ids), policy.visible_obligations(actor))
        .options(joinedload(Obligation.owner))
    )
    return {o.id: o for o in rows}


def due_statement(at: datetime) -> Select[Any]:
    """Open obligations due by the end of `at`'s day in London (so due that day, or
    overdue), soonest first: the sweep's question, answered from `ix_obligations_open_due`.

    Ordered by the index's own column only, so that a batch (`LIMIT`) reads the first rows
    of the index and stops, however many are due; a tie-breaker would make PostgreSQL sort
    every due row first."""
    return (
        select(Obligation)
        .where(Obligation.state == OPEN, Obligation.due_at <= end_of_day(local_day(at)))
        .order_by(Obligation.due_at)
    )


async def due_and_overdue(
    *,
    session: AsyncSession,
    at: datetime,
    owner_id: uuid.UUID | None = None,
    limit: int | None = None,
    skip_locked: bool = False,
) -> list[Obligation]:
    """What is due on `at`'s day in London, or overdue, for operations (the CLI and the
    workers, acting as the system: no policy applies). Each comes with its owner.

    With `skip_locked` the rows are locked for this transaction and rows another transaction
    holds are skipped, so that sweepers running at once share the work instead of repeating
    it (`FOR UPDATE SKIP LOCKED`); `limit` bounds one batch."""
    stmt = due_statement(at).options(joinedload(Obligation.owner))
    if owner_id is not None:
        stmt = stmt.where(Obligation.owner_id == owner_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True, of=Obligation)
    return list(await session.scalars(stmt))


async def rework_reminders(*, session: AsyncSession) -> int:
    """Have the next sweep work out every open obligation's reminders afresh (after the
    reminder policy settings or a line of management changed): each one's next moment goes
    back to its creation. Creates nothing itself, and no reminder is ever created twice (each
    has its unique key). Returns how many open obligations there are."""
    reworked = await session.execute(
        update(Obligation)
        .where(Obligation.state == OPEN)
        .values(next_reminder_at=Obligation.created_at)
    )
    return int(reworked.rowcount or 0)  # type: ignore[attr-defined]
