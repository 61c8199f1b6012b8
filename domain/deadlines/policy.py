"""Who may see and change the authority's closure days.

Every member of staff reads them (their deadlines depend on them); only an administrator
adds or removes one. A partner-agency member reads none by that role alone.
"""

from __future__ import annotations

from domain.core.errors import NotAllowed
from domain.people.roles import Actor


def check_can_manage(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed("Only an administrator adds or removes closure days.")


def can_read(actor: Actor) -> bool:
    return actor.is_system or (bool(actor.grants) and not actor.is_partner_only)


def check_can_read(actor: Actor) -> None:
    if not can_read(actor):
        raise NotAllowed("Closure days are for staff.")
