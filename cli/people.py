"""People: `qaf create-person` and `qaf token`."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cli.common import console, load_dev_env, run_in_session
from domain.core.clock import SystemClock
from domain.core.errors import DomainError
from domain.core.settings import get_settings


def create_person(
    name: Annotated[str, typer.Option(help="Display name.")],
    email: Annotated[str, typer.Option(help="Work email.")],
    role: Annotated[list[str] | None, typer.Option(help="A role to grant (repeatable).")] = None,
    team: Annotated[str | None, typer.Option(help="Team name (their team; team scope).")] = None,
    service: Annotated[str | None, typer.Option(help="Service name, for a service scope.")] = None,
) -> None:
    """Create a person (for example the first administrator) and grant roles."""
    from domain.core.roles import ALLOWED_SCOPES, SYSTEM, Role, ScopeType
    from domain.people import service as people
    from domain.people.models import Service, Team

    load_dev_env()
    clock = SystemClock()

    async def work(session: AsyncSession) -> str:
        async with session.begin():
            team_id = service_id = None
            if team:
                team_id = await session.scalar(
                    select(Team.id).where(func.lower(Team.name) == team.lower())
                )
                if team_id is None:
                    raise typer.BadParameter(f"No team called {team!r}.")
            if service:
                service_id = await session.scalar(
                    select(Service.id).where(func.lower(Service.name) == service.lower())
                )
                if service_id is None:
                    raise typer.BadParameter(f"No service called {service!r}.")
            person = await people.create_person(
                session=session,
                actor=SYSTEM,
                clock=clock,
                data=people.PersonFields(display_name=name, email=email, team_id=team_id),
            )
            for value in role or []:
                r = Role(value.upper())
                allowed = ALLOWED_SCOPES[r]
                if ScopeType.TEAM in allowed and team_id:
                    scope, sid, tid = ScopeType.TEAM, None, team_id
                elif ScopeType.SERVICE in allowed and service_id:
                    scope, sid, tid = ScopeType.SERVICE, service_id, None
                else:
                    scope, sid, tid = ScopeType.AUTHORITY, None, None
                await people.grant_role(
                    session=session,
                    actor=SYSTEM,
                    clock=clock,
                    person_id=person.id,
                    role=r,
                    scope=scope,
                    service_id=sid,
                    team_id=tid,
                )
            return str(person.id)

    try:
        person_id = run_in_session(work)
    except (DomainError, ValueError) as exc:
        console.print(f"[red]{getattr(exc, 'message', exc)}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"[green]Created {name} ({person_id}).[/green]")


def development_token(email: str) -> str | None:
    """A development bearer token for the active person with `email` (refused in production),
    or None when nobody active has it."""
    from domain.identity.tokens import issue_development_token
    from domain.people.service import find_active_person

    settings = get_settings()

    async def work(session: AsyncSession) -> str | None:
        person = await find_active_person(session, subject=None, email=email)
        if person is None:
            return None
        return issue_development_token(settings=settings, clock=SystemClock(), person=person)

    return run_in_session(work)


def token(email: Annotated[str, typer.Argument(help="The person's email.")]) -> None:
    """Print a development bearer token for a person (refused in production)."""
    load_dev_env()
    try:
        value = development_token(email)
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    if value is None:
        console.print(f"[red]No active person has the email {email}.[/red]")
        raise typer.Exit(1)
    print(value)
