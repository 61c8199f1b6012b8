"""Who reads which notifications: only their recipient. Nobody else, whatever their roles,
reads or marks another person's notifications (the system included: it has no inbox), nor
reads or sets another's choice of digest hour."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, false

from domain.core.errors import NotAllowed
from domain.core.roles import Actor
from domain.notifications.models import Notification


def own_notifications(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter every read and change of notifications goes through."""
    if actor.person_id is None:
        return false()
    return Notification.person_id == actor.person_id


def check_has_inbox(actor: Actor) -> None:
    if actor.person_id is None:
        raise NotAllowed("Only a person has notifications.")


def can_read_preferences(actor: Actor | None, person_id: uuid.UUID) -> bool:
    """A person's choices about how they are told (their digest hour) are theirs alone."""
    return actor is not None and actor.person_id == person_id
