"""Every model, imported once so that Alembic and the tests see the whole metadata."""

from domain.children.models import Child
from domain.core.db import Base
from domain.history.models import HistoryEntry
from domain.people.models import Person, RoleGrant, Service, Team
from domain.system.models import WorkerHeartbeat

__all__ = [
    "Base",
    "Child",
    "HistoryEntry",
    "Person",
    "RoleGrant",
    "Service",
    "Team",
    "WorkerHeartbeat",
]
