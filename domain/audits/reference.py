"""Templates and themes: the reference data the QA Lead keeps."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import policy
from domain.audits.kinds import AuditKind, ThemeKind
from domain.audits.models import AuditTemplate, Theme
from domain.audits.templates import DEFAULT_TEMPLATES, dump_sections, parse_sections
from domain.core.clock import Clock
from domain.core.errors import Conflict, InvalidInput, NotFound
from domain.core.roles import SYSTEM, Actor
from domain.history import service as history

DEFAULT_THEMES: dict[ThemeKind, tuple[str, ...]] = {
    ThemeKind.THEME: (
        "Child exploitation",
        "Neglect",
        "Parental addiction",
        "Domestic abuse",
        "Parental mental health",
    ),
    ThemeKind.COHORT: (
        "Child protection",
        "Looked after children",
        "Care leavers",
        "Children in need",
        "Family First",
    ),
    ThemeKind.ASPECT_OF_PRACTICE: (
        "Re-referrals",
        "Section 47 enquiries",
        "Pre-proceedings",
        "Permanence planning",
    ),
}


async def ensure_defaults(*, session: AsyncSession, clock: Clock) -> int:
    """Version 1 of each kind's default template and the starting themes, where missing.

    Idempotent; run by `qaf migrate` and the demo seed. Returns how many rows it added.
    """
    added = 0
    have = set((await session.scalars(select(AuditTemplate.kind).distinct())).all())
    for kind, (name, sections) in DEFAULT_TEMPLATES.items():
        if kind in have:
            continue
        await publish_template(
            session=session,
            actor=SYSTEM,
            clock=clock,
            kind=kind,
            name=name,
            sections=sections,
            change_note="The framework's default template.",
        )
        added += 1
    if not await session.scalar(select(func.count()).select_from(Theme)):
        for theme_kind, names in DEFAULT_THEMES.items():
            for name in names:
                await create_theme(
                    session=session, actor=SYSTEM, clock=clock, kind=theme_kind, name=name
                )
                added += 1
    return added


async def publish_template(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    kind: AuditKind,
    name: str,
    sections: Any,
    change_note: str | None = None,
) -> AuditTemplate:
    """A new version of a kind's template; audits already started keep theirs."""
    policy.check_can_manage_templates(actor)
    if not name or not name.strip():
        raise InvalidInput("A template needs a name.", field="name")
    parsed = parse_sections(sections)
    if not any(s.graded for s in parsed):
        raise InvalidInput("A template has at least one graded section.", field="sections")
    latest = await session.scalar(
        select(func.max(AuditTemplate.version)).where(AuditTemplate.kind == kind)
    )
    template = AuditTemplate(
        kind=kind,
        version=(latest or 0) + 1,
        name=name.strip(),
        sections=dump_sections(parsed),
        published_at=clock.now(),
        published_by_id=actor.person_id,
        change_note=(change_note or "").strip() or None,
    )
    await history.record_added(
        session,
        actor,
        clock,
        template,
        "template.published",
        {"kind": [None, kind.value], "version": [None, template.version]},
    )
    return template


async def current_template(session: AsyncSession, kind: AuditKind) -> AuditTemplate:
    template = await session.scalar(
        select(AuditTemplate)
        .where(AuditTemplate.kind == kind)
        .order_by(AuditTemplate.version.desc())
        .limit(1)
    )
    if template is None:
        raise Conflict(f"No template is published for {kind.value} audits yet.", field="kind")
    return template


async def list_templates(
    *, session: AsyncSession, actor: Actor, kind: AuditKind | None, latest_only: bool
) -> list[AuditTemplate]:
    stmt = (
        select(AuditTemplate)
        .where(policy.visible_reference(actor))
        .order_by(AuditTemplate.kind, AuditTemplate.version.desc())
    )
    if kind is not None:
        stmt = stmt.where(AuditTemplate.kind == kind)
    rows = list(await session.scalars(stmt))
    if latest_only:
        seen: set[AuditKind] = set()
        rows = [t for t in rows if not (t.kind in seen or seen.add(t.kind))]  # type: ignore[func-returns-value]
    return rows


async def get_templates(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AuditTemplate]:
    if not ids:
        return {}
    stmt = select(AuditTemplate).where(AuditTemplate.id.in_(ids), policy.visible_reference(actor))
    return {t.id: t for t in await session.scalars(stmt)}


async def create_theme(
    *, session: AsyncSession, actor: Actor, clock: Clock, kind: ThemeKind, name: str
) -> Theme:
    policy.check_is_qa_lead(actor, "maintains themes")
    clean = " ".join(name.split())
    if not clean or len(clean) > 120:
        raise InvalidInput("A theme's name is 1 to 120 characters.", field="name")
    exists = await session.scalar(
        select(Theme.id).where(Theme.kind == kind, func.lower(Theme.name) == clean.lower())
    )
    if exists:
        raise Conflict("That theme exists already.", field="name")
    theme = Theme(kind=kind, name=clean, is_active=True, created_at=clock.now())
    await history.record_added(
        session,
        actor,
        clock,
        theme,
        "theme.created",
        {"kind": [None, kind.value], "name": [None, clean]},
    )
    return theme


async def set_theme_active(
    *, session: AsyncSession, actor: Actor, clock: Clock, theme_id: uuid.UUID, active: bool
) -> Theme:
    policy.check_is_qa_lead(actor, "maintains themes")
    theme = await session.get(Theme, theme_id)
    if theme is None:
        raise NotFound("theme", field="id")
    if theme.is_active != active:
        entry = history.Change(
            "theme.updated", "Theme", theme.id, {"is_active": [theme.is_active, active]}
        )
        await history.record_change(session, actor, clock, entry)
        theme.is_active = active
    return theme


async def list_themes(
    *, session: AsyncSession, actor: Actor, kind: ThemeKind | None, include_inactive: bool
) -> list[Theme]:
    stmt = select(Theme).where(policy.visible_reference(actor)).order_by(Theme.kind, Theme.name)
    if kind is not None:
        stmt = stmt.where(Theme.kind == kind)
    if not include_inactive:
        stmt = stmt.where(Theme.is_active.is_(True))
    return list(await session.scalars(stmt))


async def get_themes(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Theme]:
    if not ids:
        return {}
    stmt = select(Theme).where(Theme.id.in_(ids), policy.visible_reference(actor))
    return {t.id: t for t in await session.scalars(stmt)}


async def themes_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID], field: str) -> list[Theme]:
    if not ids:
        return []
    found = {t.id: t for t in await session.scalars(select(Theme).where(Theme.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("theme", field=field)
    return [found[i] for i in ids]
