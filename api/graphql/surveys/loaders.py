"""Per-request loaders for survey campaigns: every campaign in a response gets its progress and
its sending progress from one statement each."""

from __future__ import annotations

import uuid
from typing import cast

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from api.context import Context, SharedLoader
from domain.surveys import campaigns as domain
from domain.surveys import dispatch


def dispatch_loader(
    info: Info[Context, None],
) -> DataLoader[uuid.UUID, dispatch.DispatchProgress]:
    """Every campaign in a response gets its sending progress from one statement."""
    ctx = info.context
    loader = ctx.extra.get("campaign_dispatch")
    if loader is None:
        configured = dispatch.configured_channels(ctx.settings)
        window = ctx.settings.survey_sending_window

        async def load(ids: list[uuid.UUID]) -> list[dispatch.DispatchProgress]:
            async with ctx.session_factory() as session:
                found = await dispatch.dispatch_progress(
                    session=session,
                    clock=ctx.clock,
                    campaign_ids=ids,
                    configured=configured,
                    window=window,
                )
            return [found[i] for i in ids]

        loader = SharedLoader[uuid.UUID, dispatch.DispatchProgress](load)
        ctx.extra["campaign_dispatch"] = loader
    return cast(DataLoader[uuid.UUID, dispatch.DispatchProgress], loader)


def progress_loader(info: Info[Context, None]) -> DataLoader[uuid.UUID, domain.Progress]:
    """Every campaign in a response gets its progress from one statement."""
    ctx = info.context
    loader = ctx.extra.get("campaign_progress")
    if loader is None:

        async def load(ids: list[uuid.UUID]) -> list[domain.Progress]:
            async with ctx.session_factory() as session:
                found = await domain.progress_of(session=session, campaign_ids=ids)
            return [found[i] for i in ids]

        loader = SharedLoader[uuid.UUID, domain.Progress](load)
        ctx.extra["campaign_progress"] = loader
    return cast(DataLoader[uuid.UUID, domain.Progress], loader)
