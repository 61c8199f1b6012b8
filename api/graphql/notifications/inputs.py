"""Which notifications to mark read."""

from __future__ import annotations

import strawberry


@strawberry.input(description="Which of your notifications to mark read: `ids` or `all`.")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="These notifications (at most 100), all of them yours."
    )
    all: bool | None = strawberry.field(
        default=None, description="True to mark every unread notification of yours read."
    )
